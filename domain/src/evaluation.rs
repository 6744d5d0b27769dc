//! Evaluation cycles, submissions and the partnership analysis.
//!
//! Each term every school scores itself and the partnership on each criterion. The analysis
//! summarises the submitted scores per criterion, sub-theme and area; any aggregate over fewer
//! than *k* schools is suppressed (DESIGN §3 rule 6).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::framework::{Definition, Dimension};

crate::choice!(
    /// Where a cycle is in its term.
    CycleStatus {
        /// Being set up.
        Draft = "draft",
        /// Schools are submitting.
        Open = "open",
        /// Submissions closed; the analysis is available.
        Closed = "closed",
        /// The analysis is published to the partnership.
        Published = "published",
    }
);

impl CycleStatus {
    /// The transitions a coordinator may make (`closed → open` reopens).
    pub fn can_move_to(self, to: CycleStatus) -> bool {
        use CycleStatus::*;
        matches!(
            (self, to),
            (Draft, Open) | (Open, Closed) | (Closed, Published) | (Closed, Open)
        )
    }
}

crate::choice!(
    /// Where a school's submission stands.
    SubmissionStatus {
        /// Nothing saved yet.
        NotStarted = "not_started",
        /// Saved, private to the school.
        Draft = "draft",
        /// Submitted by a head or leader.
        Submitted = "submitted",
    }
);

/// One criterion's answer in a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// The criterion's code.
    pub criterion: String,
    /// The school's score for itself.
    pub school: Option<i32>,
    /// The school's score for the partnership.
    pub partnership: Option<i32>,
    /// "Not yet evidenced" instead of scores.
    pub not_yet_evidenced: bool,
    /// Evidence note.
    pub evidence: Option<String>,
}

/// Criteria of `def` that a submission has not yet answered (both scores, or not yet evidenced).
pub fn unanswered<'a>(def: &'a Definition, scores: &[Score]) -> Vec<&'a str> {
    def.criteria()
        .filter(|c| {
            !scores.iter().any(|s| {
                s.criterion == c.code
                    && (s.not_yet_evidenced || (s.school.is_some() && s.partnership.is_some()))
            })
        })
        .map(|c| c.code.as_str())
        .collect()
}

/// Count, mean, median, min, max and distribution of a set of values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stat {
    /// How many schools.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// Lowest.
    pub min: f64,
    /// Highest.
    pub max: f64,
    /// How many values fall at each scale point (values rounded to the nearest point).
    pub distribution: BTreeMap<String, usize>,
}

/// A statistic, or the reason it is not shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Aggregate {
    /// Shown.
    Shown(Stat),
    /// Suppressed: fewer than k schools contributed.
    Suppressed {
        /// Always true.
        suppressed: bool,
        /// Why.
        reason: String,
    },
}

/// Rounds to two decimals, for stable JSON.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Summarises `values` (one per school) on `def`'s scale, suppressed below `k` schools.
pub fn aggregate(values: &[f64], def: &Definition, k: usize) -> Aggregate {
    if values.len() < k || values.is_empty() {
        return Aggregate::Suppressed {
            suppressed: true,
            reason: format!("fewer than {k} schools contributed"),
        };
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let mut distribution: BTreeMap<String, usize> = (def.scale.min..=def.scale.max)
        .map(|p| (p.to_string(), 0))
        .collect();
    for v in &sorted {
        let point = v
            .round()
            .clamp(f64::from(def.scale.min), f64::from(def.scale.max));
        *distribution.entry(format!("{point:.0}")).or_default() += 1;
    }
    Aggregate::Shown(Stat {
        n,
        mean: round2(sorted.iter().sum::<f64>() / n as f64),
        median: round2(median),
        min: round2(sorted[0]),
        max: round2(sorted[n - 1]),
        distribution,
    })
}

/// The mean of a school's scores on `codes` (not-yet-evidenced and missing excluded), by
/// `pick` (its school or partnership score); `None` if it scored none of them.
pub fn school_mean(
    scores: &[Score],
    codes: &[&str],
    pick: fn(&Score) -> Option<i32>,
) -> Option<f64> {
    let vals: Vec<f64> = scores
        .iter()
        .filter(|s| codes.contains(&s.criterion.as_str()) && !s.not_yet_evidenced)
        .filter_map(pick)
        .map(f64::from)
        .collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
}

crate::choice!(
    /// The four forms of collaboration, by trust and by support and challenge.
    CollaborationForm {
        /// High trust, high challenge.
        Improvement = "improvement",
        /// High trust, low challenge.
        Comfortable = "comfortable",
        /// Low trust, high challenge.
        Contentious = "contentious",
        /// Low trust, low challenge.
        Cautious = "cautious",
    }
);

/// Where the partnership stands: the mean partnership score on trust criteria and on challenge
/// criteria (over every submitted school), and the form they make, "high" meaning above the
/// scale's midpoint.
pub fn collaboration(
    def: &Definition,
    submissions: &[Vec<Score>],
) -> (Option<f64>, Option<f64>, Option<CollaborationForm>) {
    let codes = |d: Dimension| {
        def.criteria()
            .filter(|c| c.dimension == d)
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>()
    };
    let mean_of = |d: Dimension| {
        let codes = codes(d);
        let per_school: Vec<f64> = submissions
            .iter()
            .filter_map(|s| school_mean(s, &codes, |x| x.partnership))
            .collect();
        (!per_school.is_empty())
            .then(|| round2(per_school.iter().sum::<f64>() / per_school.len() as f64))
    };
    let (trust, challenge) = (mean_of(Dimension::Trust), mean_of(Dimension::Challenge));
    let mid = f64::from(def.scale.min + def.scale.max) / 2.0;
    let form = match (trust, challenge) {
        (Some(t), Some(c)) => Some(match (t > mid, c > mid) {
            (true, true) => CollaborationForm::Improvement,
            (true, false) => CollaborationForm::Comfortable,
            (false, true) => CollaborationForm::Contentious,
            (false, false) => CollaborationForm::Cautious,
        }),
        _ => None,
    };
    (trust, challenge, form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::default_framework;

    fn all(def: &Definition, school: i32, partnership: i32) -> Vec<Score> {
        def.criteria()
            .map(|c| Score {
                criterion: c.code.clone(),
                school: Some(school),
                partnership: Some(partnership),
                not_yet_evidenced: false,
                evidence: None,
            })
            .collect()
    }

    #[test]
    fn cycles_move_only_forward_or_reopen() {
        use CycleStatus::*;
        assert!(
            Draft.can_move_to(Open)
                && Open.can_move_to(Closed)
                && Closed.can_move_to(Published)
                && Closed.can_move_to(Open)
        );
        assert!(
            !Draft.can_move_to(Closed) && !Published.can_move_to(Open) && !Open.can_move_to(Draft)
        );
    }

    #[test]
    fn statistics_by_hand() {
        let def = default_framework();
        let Aggregate::Shown(s) = aggregate(&[1.0, 2.0, 4.0, 4.0], &def, 3) else {
            panic!("shown")
        };
        assert_eq!(
            (s.n, s.mean, s.median, s.min, s.max),
            (4, 2.75, 3.0, 1.0, 4.0)
        );
        assert_eq!(s.distribution.get("4"), Some(&2));
        assert_eq!(s.distribution.get("3"), Some(&0));
        assert!(matches!(
            aggregate(&[1.0, 2.0], &def, 3),
            Aggregate::Suppressed { .. }
        ));
    }

    #[test]
    fn not_yet_evidenced_is_left_out_of_means_and_counts_as_answered() {
        let def = default_framework();
        let mut scores = all(&def, 2, 3);
        scores[0] = Score {
            not_yet_evidenced: true,
            school: None,
            partnership: None,
            ..scores[0].clone()
        };
        assert!(unanswered(&def, &scores).is_empty());
        scores.pop();
        assert_eq!(unanswered(&def, &scores).len(), 1);
        assert_eq!(
            school_mean(&scores, &["1.1.1", "1.1.2"], |s| s.school),
            Some(2.0)
        );
    }

    #[test]
    fn collaboration_forms_follow_the_midpoint() {
        let def = default_framework();
        let (t, c, f) = collaboration(&def, &[all(&def, 1, 4), all(&def, 1, 3)]);
        assert_eq!(
            (t, c, f),
            (Some(3.5), Some(3.5), Some(CollaborationForm::Improvement))
        );
        let (_, _, f) = collaboration(&def, &[all(&def, 4, 2)]);
        assert_eq!(f, Some(CollaborationForm::Cautious));
    }
}

/// A framework version as stored.
#[derive(Debug, Clone)]
pub struct FrameworkVersion {
    /// The framework.
    pub framework_id: String,
    /// 1, 2, …
    pub number: i32,
    /// Draft or published.
    pub status: crate::framework::FrameworkStatus,
    /// The framework's name at this version.
    pub name: String,
    /// The content.
    pub definition: Definition,
    /// Criterion codes that continue those of the previous version (trends follow them).
    pub carried_over: Vec<String>,
    /// Increases at every change; the ETag.
    pub version: i32,
}

/// An evaluation cycle: one term of one partnership.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// Its id.
    pub id: crate::CycleId,
    /// The partnership.
    pub partnership: crate::PartnershipId,
    /// e.g. "Autumn 2026".
    pub title: String,
    /// The framework.
    pub framework_id: String,
    /// The framework version pinned for the term.
    pub framework_version: i32,
    /// When submissions open.
    pub opens_at: chrono::DateTime<chrono::Utc>,
    /// When submissions close (per-school extensions aside).
    pub closes_at: chrono::DateTime<chrono::Utc>,
    /// Where it is in its term.
    pub status: CycleStatus,
    /// Increases at every change; the ETag.
    pub version: i32,
    /// When created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Strengths and areas for development of one area, from one school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Narrative {
    /// The area's code.
    pub area: String,
    /// Strengths.
    pub strengths: String,
    /// Areas for development.
    pub areas_for_development: String,
}

/// One school's submission to a cycle.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The cycle.
    pub cycle: crate::CycleId,
    /// The school.
    pub organisation: crate::OrganisationId,
    /// Where it stands.
    pub status: SubmissionStatus,
    /// Its answers.
    pub scores: Vec<Score>,
    /// Its narratives.
    pub narratives: Vec<Narrative>,
    /// When submitted.
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Increases at every save; the ETag (0 before the first).
    pub version: i32,
}
