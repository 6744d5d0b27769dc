//! Charts of an analysis, drawn with plotters' SVG backend.

use domain::evaluation::Aggregate;
use plotters::prelude::*;

use crate::routes::evaluations::dto::AreaAnalysis;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 480;
const PARTNERSHIP: RGBColor = RGBColor(70, 110, 160);
const OWN: RGBColor = RGBColor(230, 140, 40);

fn mean(a: &Aggregate) -> Option<f64> {
    match a {
        Aggregate::Shown(s) => Some(s.mean),
        Aggregate::Suppressed { .. } => None,
    }
}

fn scale_max(areas: &[AreaAnalysis]) -> f64 {
    areas
        .iter()
        .filter_map(|a| match &a.school {
            Aggregate::Shown(s) => s
                .distribution
                .keys()
                .filter_map(|k| k.parse::<f64>().ok())
                .reduce(f64::max),
            Aggregate::Suppressed { .. } => None,
        })
        .reduce(f64::max)
        .unwrap_or(4.0)
}

/// Grouped bars: for each sub-theme (grouped under its area), the partnership's mean school
/// score and the viewer's own school's. A suppressed mean is drawn as no bar with a note.
pub fn sub_theme_bars(areas: &[AreaAnalysis]) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let font = ("sans-serif", 13).into_font();
        let small = ("sans-serif", 11).into_font();
        let (left, right, top, bottom) = (50i32, 20i32, 60i32, 90i32);
        let plot_h = HEIGHT as i32 - top - bottom;
        let themes: usize = areas
            .iter()
            .map(|a| a.sub_themes.len())
            .sum::<usize>()
            .max(1);
        let slot = (WIDTH as i32 - left - right) / i32::try_from(themes).unwrap_or(1);
        let max = scale_max(areas);
        let y = |v: f64| top + plot_h - ((v / max) * f64::from(plot_h)) as i32;
        root.draw(&Text::new(
            "Partnership and own school, mean school score by sub-theme",
            (left, 16),
            font.clone(),
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.draw(&Rectangle::new(
            [(left, 34), (left + 12, 46)],
            PARTNERSHIP.filled(),
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.draw(&Text::new("Partnership", (left + 16, 35), small.clone()))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.draw(&Rectangle::new(
            [(left + 110, 34), (left + 122, 46)],
            OWN.filled(),
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.draw(&Text::new("Your school", (left + 126, 35), small.clone()))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // The scale: a gridline and a label at each point.
        for point in 1..=(max as i32) {
            let py = y(f64::from(point));
            let grid = PathElement::new(
                vec![(left, py), (WIDTH as i32 - right, py)],
                RGBColor(220, 220, 220),
            );
            root.draw(&grid).map_err(|e| anyhow::anyhow!("{e}"))?;
            root.draw(&Text::new(
                point.to_string(),
                (left - 16, py - 6),
                small.clone(),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        root.draw(&PathElement::new(
            vec![(left, top + plot_h), (WIDTH as i32 - right, top + plot_h)],
            BLACK,
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut i = 0i32;
        for area in areas {
            let start = left + i * slot;
            for st in &area.sub_themes {
                let x = left + i * slot + slot / 6;
                let w = slot / 3;
                match mean(&st.school) {
                    Some(m) => root
                        .draw(&Rectangle::new(
                            [(x, y(m)), (x + w, top + plot_h)],
                            PARTNERSHIP.filled(),
                        ))
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    None => root
                        .draw(&Text::new(
                            "suppressed",
                            (x, top + plot_h - 14),
                            small.clone(),
                        ))
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                }
                if let Some(m) = st.own_school.as_ref().and_then(|o| o.school_score) {
                    root.draw(&Rectangle::new(
                        [(x + w, y(m)), (x + 2 * w, top + plot_h)],
                        OWN.filled(),
                    ))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                root.draw(&Text::new(
                    st.code.clone(),
                    (x, top + plot_h + 6),
                    small.clone(),
                ))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                i += 1;
            }
            root.draw(&Text::new(
                format!("{} {}", area.code, short(&area.title)),
                (start, top + plot_h + 30),
                small.clone(),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(svg)
}

fn short(title: &str) -> String {
    let words: Vec<&str> = title.split_whitespace().take(4).collect();
    let s = words.join(" ");
    if title.split_whitespace().count() > 4 {
        format!("{s}…")
    } else {
        s
    }
}
