//! Evaluation frameworks: areas of enquiry → sub-themes → criteria with stable codes, and a
//! scale. Versioned; immutable once published. Concord ships a default framework.

use serde::{Deserialize, Serialize};

use crate::validation::Validation;

crate::choice!(
    /// The side of collaboration a criterion speaks to.
    Dimension {
        /// Trust: openness, reciprocity, belonging.
        Trust = "trust",
        /// Support and challenge: holding one another to account.
        Challenge = "challenge",
    }
);

crate::choice!(
    /// A framework version's status.
    FrameworkStatus {
        /// Being written.
        Draft = "draft",
        /// In use; never changes.
        Published = "published",
    }
);

/// The scale every criterion is scored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// Lowest point.
    pub min: i32,
    /// Highest point.
    pub max: i32,
    /// A label for each point, lowest first.
    pub labels: Vec<String>,
    /// Whether "not yet evidenced" may be answered instead of a score.
    #[serde(default)]
    pub not_yet_evidenced: bool,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Stable code, e.g. `1.2.3`: trends follow it across versions.
    pub code: String,
    /// The question, e.g. "To what extent …?".
    pub question: String,
    /// Trust or challenge.
    pub dimension: Dimension,
}

/// A sub-theme of an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubTheme {
    /// Stable code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Its criteria.
    pub criteria: Vec<Criterion>,
}

/// An area of enquiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Stable code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Its sub-themes.
    pub sub_themes: Vec<SubTheme>,
}

/// A framework's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// The scale.
    pub scale: Scale,
    /// The areas of enquiry.
    pub areas: Vec<Area>,
}

impl Definition {
    /// Every criterion, in order.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.areas
            .iter()
            .flat_map(|a| a.sub_themes.iter().flat_map(|s| s.criteria.iter()))
    }

    /// The criterion with this code.
    pub fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria().find(|c| c.code == code)
    }

    /// Whether `score` is a point of the scale.
    pub fn in_scale(&self, score: i32) -> bool {
        (self.scale.min..=self.scale.max).contains(&score)
    }

    /// Every problem, each with a pointer under `/definition`.
    pub fn validate(&self) -> Validation {
        let mut v = Validation::default();
        let s = &self.scale;
        // In i64: any two i32 values subtract without overflow.
        let span = i64::from(s.max) - i64::from(s.min);
        if span <= 0 {
            v.push(
                "/definition/scale/max",
                "invalid_scale",
                "max must be above min",
            );
        } else if span > 20 {
            v.push(
                "/definition/scale/max",
                "invalid_scale",
                "at most 21 points",
            );
        } else if usize::try_from(span + 1).ok() != Some(s.labels.len()) {
            v.push(
                "/definition/scale/labels",
                "invalid_scale",
                "one label for each point of the scale",
            );
        }
        if self.areas.is_empty() {
            v.push("/definition/areas", "required", "at least one area");
        }
        let mut codes: Vec<String> = Vec::new();
        let mut code = |v: &mut Validation, pointer: String, c: &str| {
            if c.trim().is_empty() || c.len() > 20 {
                v.push(pointer, "invalid_code", "1-20 characters");
            } else if codes.iter().any(|x| x == c) {
                v.push(pointer, "duplicate", "codes are unique in a framework");
            } else {
                codes.push(c.to_owned());
            }
        };
        let text = |v: &mut Validation, pointer: String, t: &str| {
            if t.trim().is_empty() || t.chars().count() > 500 {
                v.push(pointer, "invalid_text", "1-500 characters");
            }
        };
        for (i, a) in self.areas.iter().enumerate() {
            code(&mut v, format!("/definition/areas/{i}/code"), &a.code);
            text(&mut v, format!("/definition/areas/{i}/title"), &a.title);
            if a.sub_themes.is_empty() {
                v.push(
                    format!("/definition/areas/{i}/sub_themes"),
                    "required",
                    "at least one sub-theme",
                );
            }
            for (j, st) in a.sub_themes.iter().enumerate() {
                let base = format!("/definition/areas/{i}/sub_themes/{j}");
                code(&mut v, format!("{base}/code"), &st.code);
                text(&mut v, format!("{base}/title"), &st.title);
                if st.criteria.is_empty() {
                    v.push(
                        format!("{base}/criteria"),
                        "required",
                        "at least one criterion",
                    );
                }
                for (k, c) in st.criteria.iter().enumerate() {
                    code(&mut v, format!("{base}/criteria/{k}/code"), &c.code);
                    text(&mut v, format!("{base}/criteria/{k}/question"), &c.question);
                }
            }
        }
        v
    }
}

/// The id of the built-in default framework.
pub const DEFAULT_FRAMEWORK_ID: &str = "fwk_00000000000000000000000001";
/// The name of the built-in default framework.
pub const DEFAULT_FRAMEWORK_NAME: &str = "Concord partnership evaluation framework";

fn c(code: &str, question: &str, dimension: Dimension) -> Criterion {
    Criterion {
        code: code.into(),
        question: question.into(),
        dimension,
    }
}

fn st(code: &str, title: &str, criteria: Vec<Criterion>) -> SubTheme {
    SubTheme {
        code: code.into(),
        title: title.into(),
        criteria,
    }
}

/// The built-in default framework (version 1, published), available to every tenant.
pub fn default_framework() -> Definition {
    use Dimension::{Challenge, Trust};
    Definition {
        scale: Scale {
            min: 1,
            max: 4,
            labels: vec!["Not yet".into(), "Emerging".into(), "Established".into(), "Embedded".into()],
            not_yet_evidenced: true,
        },
        areas: vec![
            Area {
                code: "1".into(),
                title: "Understanding and committing to our shared ambition".into(),
                sub_themes: vec![
                    st("1.1", "A shared vision and purpose", vec![
                        c("1.1.1", "To what extent do all our schools share a clear, agreed vision of what we want to achieve together?", Trust),
                        c("1.1.2", "To what extent is our shared ambition understood by staff beyond the senior leaders of each school?", Trust),
                        c("1.1.3", "To what extent does our vision stretch us beyond what any one school could achieve alone?", Challenge),
                    ]),
                    st("1.2", "Commitment and contribution", vec![
                        c("1.2.1", "To what extent does every school contribute time, people and resources fairly to our shared work?", Trust),
                        c("1.2.2", "To what extent do leaders keep their partnership commitments when pressures in their own school rise?", Challenge),
                    ]),
                    st("1.3", "Governance and accountability", vec![
                        c("1.3.1", "To what extent are the partnership's decisions made openly and recorded?", Trust),
                        c("1.3.2", "To what extent do we hold one another to account for the commitments we make?", Challenge),
                        c("1.3.3", "To what extent do governors and trustees understand and support the partnership's work?", Trust),
                    ]),
                ],
            },
            Area {
                code: "2".into(),
                title: "Knowing our reality and impact".into(),
                sub_themes: vec![
                    st("2.1", "Using evidence honestly", vec![
                        c("2.1.1", "To what extent do we share accurate information about our schools, including where we are weaker?", Trust),
                        c("2.1.2", "To what extent do we test our own self-evaluation against evidence from the other schools?", Challenge),
                    ]),
                    st("2.2", "Evaluating our impact", vec![
                        c("2.2.1", "To what extent can we show the difference the partnership makes to pupils' outcomes?", Challenge),
                        c("2.2.2", "To what extent do we evaluate our joint projects before deciding to continue them?", Challenge),
                        c("2.2.3", "To what extent do we recognise and learn from what has worked?", Trust),
                    ]),
                    st("2.3", "Peer review and challenge", vec![
                        c("2.3.1", "To what extent do leaders visit each other's schools to review practice?", Challenge),
                        c("2.3.2", "To what extent is feedback from peer review received openly and acted upon?", Trust),
                    ]),
                ],
            },
            Area {
                code: "3".into(),
                title: "Creating a learning partnership where everyone belongs and everyone thrives".into(),
                sub_themes: vec![
                    st("3.1", "Professional learning", vec![
                        c("3.1.1", "To what extent do staff at every level learn from colleagues in the other schools?", Trust),
                        c("3.1.2", "To what extent does our joint professional development change practice in classrooms?", Challenge),
                    ]),
                    st("3.2", "Inclusion and belonging", vec![
                        c("3.2.1", "To what extent does every school, whatever its size or context, have an equal voice?", Trust),
                        c("3.2.2", "To what extent do we focus our joint work on the pupils who are most disadvantaged?", Challenge),
                    ]),
                    st("3.3", "Wellbeing and sustainability", vec![
                        c("3.3.1", "To what extent does partnership work support, rather than add to, staff workload and wellbeing?", Trust),
                        c("3.3.2", "To what extent are we planning for the partnership to continue when leaders change?", Challenge),
                    ]),
                    st("3.4", "Pupil and community voice", vec![
                        c("3.4.1", "To what extent do pupils help shape the partnership's priorities?", Trust),
                        c("3.4.2", "To what extent do we involve families and the wider community in our shared work?", Challenge),
                    ]),
                ],
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_framework_is_valid_and_shaped_as_designed() {
        let f = default_framework();
        assert!(f.validate().is_empty(), "{:?}", f.validate());
        assert_eq!(f.areas.len(), 3);
        for a in &f.areas {
            assert!((3..=4).contains(&a.sub_themes.len()), "{}", a.title);
            for s in &a.sub_themes {
                assert!((2..=4).contains(&s.criteria.len()), "{}", s.title);
                for c in &s.criteria {
                    assert!(c.question.starts_with("To what extent"), "{}", c.code);
                }
            }
        }
        let dims: Vec<_> = f.criteria().map(|c| c.dimension).collect();
        assert!(dims.contains(&Dimension::Trust) && dims.contains(&Dimension::Challenge));
    }

    #[test]
    fn extreme_scales_are_refused_not_overflowed() {
        let mut f = default_framework();
        f.scale.min = i32::MIN;
        f.scale.max = 0;
        assert_eq!(f.validate().0[0].pointer, "/definition/scale/max");
        f.scale.min = 0;
        f.scale.max = i32::MAX;
        assert_eq!(f.validate().0[0].pointer, "/definition/scale/max");
    }

    #[test]
    fn invalid_definitions_point_at_each_problem() {
        let mut f = default_framework();
        f.scale.max = 1;
        f.areas[0].sub_themes[0].criteria[1].code = "1.1.1".into();
        f.areas[1].sub_themes[0].criteria.clear();
        let pointers: Vec<_> = f.validate().0.into_iter().map(|e| e.pointer).collect();
        assert_eq!(
            pointers,
            [
                "/definition/scale/max",
                "/definition/areas/0/sub_themes/0/criteria/1/code",
                "/definition/areas/1/sub_themes/0/criteria"
            ]
        );
    }
}
