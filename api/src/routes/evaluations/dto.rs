//! Evaluation request and response bodies.

use chrono::{DateTime, Utc};
use domain::evaluation::{Aggregate, Cycle, FrameworkVersion, Narrative, Submission};
use domain::framework::Definition;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A framework version.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkVersionDto {
    /// The framework.
    pub framework_id: String,
    /// 1, 2, …
    pub number: i32,
    /// `draft` or `published`.
    pub status: String,
    /// Name.
    pub name: String,
    /// The scale.
    pub scale: domain::framework::Scale,
    /// Areas → sub-themes → criteria.
    pub areas: Vec<domain::framework::Area>,
    /// Criterion codes carried over from the previous version.
    pub carried_over: Vec<String>,
    /// The ETag is `"v<version>"`.
    pub version: i32,
}

impl From<&FrameworkVersion> for FrameworkVersionDto {
    fn from(v: &FrameworkVersion) -> Self {
        FrameworkVersionDto {
            framework_id: v.framework_id.clone(),
            number: v.number,
            status: v.status.as_str().into(),
            name: v.name.clone(),
            scale: v.definition.scale.clone(),
            areas: v.definition.areas.clone(),
            carried_over: v.carried_over.clone(),
            version: v.version,
        }
    }
}

/// A version in a framework's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkVersionRef {
    /// Number.
    pub number: i32,
    /// Status.
    pub status: String,
}

/// A framework and its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkSummary {
    /// Id.
    pub id: String,
    /// The latest version's name.
    pub name: String,
    /// Concord's default framework.
    pub builtin: bool,
    /// Its versions.
    pub versions: Vec<FrameworkVersionRef>,
}

/// Frameworks.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkList {
    /// The built-in one first.
    pub items: Vec<FrameworkSummary>,
}

/// Create a tenant framework (its version 1 is a draft).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFrameworkRequest {
    /// Name.
    pub name: String,
    /// Scale and areas.
    pub definition: Definition,
}

/// Change a draft framework version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFrameworkRequest {
    /// New name.
    pub name: Option<String>,
    /// New content.
    pub definition: Option<Definition>,
}

/// Start a new draft version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFrameworkVersionRequest {
    /// The content.
    pub definition: Definition,
    /// Criterion codes that continue the previous published version's (trends follow them).
    #[serde(default)]
    pub carried_over: Vec<String>,
}

/// Open a cycle for a partnership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "title": "Autumn 2026", "framework_id": "fwk_00000000000000000000000001", "framework_version": 1,
    "opens_at": "2026-09-01T08:00:00Z", "closes_at": "2026-12-11T17:00:00Z" }))]
pub struct CreateCycleRequest {
    /// e.g. "Autumn 2026".
    pub title: String,
    /// The framework.
    pub framework_id: String,
    /// A published version of it, pinned for the term.
    pub framework_version: i32,
    /// When submissions open.
    pub opens_at: DateTime<Utc>,
    /// When they close.
    pub closes_at: DateTime<Utc>,
}

/// A cycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleDto {
    /// `cyc_…`.
    pub id: String,
    /// The partnership.
    pub partnership_id: String,
    /// Title.
    pub title: String,
    /// The framework.
    pub framework_id: String,
    /// Its pinned version.
    pub framework_version: i32,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// `draft`, `open`, `closed` or `published`.
    pub status: String,
    /// Increases at every change.
    pub version: i32,
}

impl From<&Cycle> for CycleDto {
    fn from(c: &Cycle) -> Self {
        CycleDto {
            id: c.id.to_string(),
            partnership_id: c.partnership.to_string(),
            title: c.title.clone(),
            framework_id: c.framework_id.clone(),
            framework_version: c.framework_version,
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            status: c.status.as_str().into(),
            version: c.version,
        }
    }
}

/// Cycles.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleList {
    /// Oldest first.
    pub items: Vec<CycleDto>,
}

/// Change a cycle's status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleStatusRequest {
    /// `open`, `closed` or `published` (`open` from closed reopens).
    pub status: String,
}

/// Extend one school's deadline.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// The school.
    pub organisation_id: String,
    /// Its new deadline.
    pub closes_at: DateTime<Utc>,
}

/// One school's participation (never its scores).
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationDto {
    /// The school.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// `not_started`, `draft` or `submitted`.
    pub status: String,
    /// When submitted.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationList {
    /// One per active member.
    pub items: Vec<ParticipationDto>,
}

/// One criterion's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreDto {
    /// Criterion code.
    pub criterion: String,
    /// The school's score for itself.
    pub school_score: Option<i32>,
    /// The school's score for the partnership.
    pub partnership_score: Option<i32>,
    /// Instead of scores, when the framework allows it.
    #[serde(default)]
    pub not_yet_evidenced: bool,
    /// Evidence note.
    pub evidence: Option<String>,
}

/// Strengths and areas for development of one area.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NarrativeDto {
    /// The area's code.
    pub area: String,
    /// Strengths.
    pub strengths: String,
    /// Areas for development.
    pub areas_for_development: String,
}

/// Save the whole draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveSubmissionRequest {
    /// Every answer so far.
    #[serde(default)]
    pub scores: Vec<ScoreDto>,
    /// Narratives per area.
    #[serde(default)]
    pub narratives: Vec<NarrativeDto>,
}

/// A school's submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionDto {
    /// The cycle.
    pub cycle_id: String,
    /// The school.
    pub organisation_id: String,
    /// `not_started`, `draft` or `submitted`.
    pub status: String,
    /// Answers.
    pub scores: Vec<ScoreDto>,
    /// Narratives.
    pub narratives: Vec<NarrativeDto>,
    /// When submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The ETag is `"v<version>"` (`"v0"` before the first save).
    pub version: i32,
}

impl From<&Submission> for SubmissionDto {
    fn from(s: &Submission) -> Self {
        SubmissionDto {
            cycle_id: s.cycle.to_string(),
            organisation_id: s.organisation.to_string(),
            status: s.status.as_str().into(),
            scores: s
                .scores
                .iter()
                .map(|x| ScoreDto {
                    criterion: x.criterion.clone(),
                    school_score: x.school,
                    partnership_score: x.partnership,
                    not_yet_evidenced: x.not_yet_evidenced,
                    evidence: x.evidence.clone(),
                })
                .collect(),
            narratives: s.narratives.iter().map(narrative).collect(),
            submitted_at: s.submitted_at,
            version: s.version,
        }
    }
}

fn narrative(n: &Narrative) -> NarrativeDto {
    NarrativeDto {
        area: n.area.clone(),
        strengths: n.strengths.clone(),
        areas_for_development: n.areas_for_development.clone(),
    }
}

/// How many schools took part.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationCount {
    /// Active members.
    pub members: usize,
    /// Of which submitted.
    pub submitted: usize,
}

/// The viewer's school against the partnership.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnSchool {
    /// Its mean school score.
    pub school_score: Option<f64>,
    /// Its mean score for the partnership.
    pub partnership_score: Option<f64>,
    /// Own school score minus the partnership's mean school score (absent when suppressed).
    pub gap: Option<f64>,
}

/// School and partnership statistics of one criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionAnalysis {
    /// Criterion code.
    pub code: String,
    /// Statistics of the schools' scores for themselves.
    #[schema(value_type = Object)]
    pub school: Aggregate,
    /// Statistics of the schools' scores for the partnership.
    #[schema(value_type = Object)]
    pub partnership: Aggregate,
}

/// One sub-theme.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubThemeAnalysis {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// School scores.
    #[schema(value_type = Object)]
    pub school: Aggregate,
    /// Partnership scores.
    #[schema(value_type = Object)]
    pub partnership: Aggregate,
    /// The viewer's school.
    pub own_school: Option<OwnSchool>,
    /// Per criterion.
    pub criteria: Vec<CriterionAnalysis>,
}

/// One area.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaAnalysis {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// School scores.
    #[schema(value_type = Object)]
    pub school: Aggregate,
    /// Partnership scores.
    #[schema(value_type = Object)]
    pub partnership: Aggregate,
    /// The viewer's school.
    pub own_school: Option<OwnSchool>,
    /// Per sub-theme.
    pub sub_themes: Vec<SubThemeAnalysis>,
}

/// An area's means for one named school.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedArea {
    /// Area code.
    pub code: String,
    /// The school's mean score for itself.
    pub school_mean: Option<f64>,
    /// Its mean score for the partnership.
    pub partnership_mean: Option<f64>,
}

/// A school whose consent lets the viewer see its scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedSchool {
    /// The school.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// Per area.
    pub areas: Vec<NamedArea>,
    /// The consent that allowed it.
    pub consent_id: String,
}

/// A shared narrative.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedNarrative {
    /// The school.
    pub organisation_id: String,
    /// Area code.
    pub area: String,
    /// Strengths.
    pub strengths: String,
    /// Areas for development.
    pub areas_for_development: String,
}

/// An earlier cycle's area means, on the criteria carried over.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    /// The earlier cycle.
    pub cycle_id: String,
    /// Its title.
    pub title: String,
    /// Per current area: the mean school score then, or null with `no_baseline`.
    pub areas: Vec<NamedArea>,
    /// Areas of this cycle with no criteria in common with that one.
    pub no_baseline: Vec<String>,
}

/// Trust × support-and-challenge.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collaboration {
    /// Mean partnership score on trust criteria.
    pub trust: Option<f64>,
    /// Mean partnership score on challenge criteria.
    pub challenge: Option<f64>,
    /// `improvement`, `comfortable`, `contentious`, `cautious` (null when suppressed).
    pub form: Option<String>,
}

/// The analysis of a cycle as the viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisDto {
    /// The cycle.
    pub cycle_id: String,
    /// Its status.
    pub status: String,
    /// Participation.
    pub participation: ParticipationCount,
    /// Aggregates over fewer schools are suppressed.
    pub k: usize,
    /// Per area (absent while the cycle is open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub areas: Option<Vec<AreaAnalysis>>,
    /// Named schools' scores, where their consent reaches the viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named: Option<Vec<NamedSchool>>,
    /// Narratives of schools that shared them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narratives: Option<Vec<SharedNarrative>>,
    /// Earlier cycles of the partnership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Vec<TrendPoint>>,
    /// Trust × challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaboration: Option<Collaboration>,
}
