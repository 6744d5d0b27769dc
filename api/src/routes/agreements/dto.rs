//! Agreement request and response bodies.

use chrono::{DateTime, NaiveDate, Utc};
use domain::agreement::{Agreement, Body, Signature, Version};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of an agreement, by its kind: an MOU, terms of reference, or a data-sharing
/// agreement. Every field may be absent while the version is a draft; opening it for signature
/// checks the required ones. (For the OpenAPI document: the server picks the schema by `kind`.)
#[derive(ToSchema, Serialize)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum AgreementBody {
    /// `mou`.
    Mou(domain::agreement::MouBody),
    /// `terms_of_reference`.
    TermsOfReference(domain::agreement::TorBody),
    /// `data_sharing_agreement`.
    DataSharingAgreement(domain::agreement::DsaBody),
}

/// Start an agreement: its first version is a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "terms_of_reference", "title": "Terms of reference 2026-27",
    "body": { "purpose": "To raise standards in reading across our four schools", "meeting_frequency": "Twice a term" }
}))]
pub struct CreateAgreementRequest {
    /// `mou`, `terms_of_reference` or `data_sharing_agreement`.
    pub kind: String,
    /// Title, 1–200 characters.
    pub title: String,
    /// The kind's body; may be partial while a draft.
    #[schema(value_type = Option<AgreementBody>)]
    pub body: Option<serde_json::Value>,
}

/// Change a draft: the title, and/or the whole body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "body": { "purpose": "To raise standards in reading", "membership": "The four founding schools", "quorum_rule": "Three of four heads", "meeting_frequency": "Twice a term", "review_date": "2027-07-01" } }))]
pub struct UpdateVersionRequest {
    /// New title.
    pub title: Option<String>,
    /// The new body, replacing the old one.
    #[schema(value_type = Option<AgreementBody>)]
    pub body: Option<serde_json::Value>,
}

/// Sign a version for an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t" }))]
pub struct SignRequest {
    /// The organisation you sign for.
    pub organisation_id: String,
    /// `head` (the default) or, for an MOU, `governor` signing for the governing board.
    pub capacity: Option<String>,
}

/// Decline a version for an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "reason": "Our contribution should be one day a term, not two." }))]
pub struct DeclineRequest {
    /// The organisation you answer for.
    pub organisation_id: String,
    /// Why (required; it goes to the drafters).
    pub reason: Option<String>,
}

/// A version's place in the list of an agreement's versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    /// 1, 2, 3…
    pub number: i32,
    /// Status.
    pub status: String,
    /// When it came into force.
    pub effective_from: Option<NaiveDate>,
    /// In force, but a current member has not signed it.
    pub needs_resignature: bool,
}

/// An agreement and its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDto {
    /// Opaque id, `agr_…`.
    pub id: String,
    /// The partnership.
    pub partnership_id: String,
    /// Kind.
    pub kind: String,
    /// The latest version's title.
    pub title: String,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Every version, oldest first.
    pub versions: Vec<VersionSummary>,
}

impl AgreementDto {
    /// Builds the DTO from the versions' summaries.
    pub fn new(a: &Agreement, title: String, versions: Vec<VersionSummary>) -> Self {
        AgreementDto {
            id: a.id.to_string(),
            partnership_id: a.partnership.to_string(),
            kind: a.kind.as_str().into(),
            title,
            created_by: a.created_by.clone(),
            created_at: a.created_at,
            versions,
        }
    }
}

/// The latest version of an agreement, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestVersion {
    /// Its number.
    pub number: i32,
    /// Its status.
    pub status: String,
}

/// An agreement in a register.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementSummary {
    /// Opaque id, `agr_…`.
    pub id: String,
    /// The partnership.
    pub partnership_id: String,
    /// Kind.
    pub kind: String,
    /// The latest version's title.
    pub title: String,
    /// The latest version.
    pub latest_version: LatestVersion,
    /// The number of the version in force, if any.
    pub in_force_version: Option<i32>,
    /// The review date (of the version in force, else the latest).
    pub review_date: Option<NaiveDate>,
    /// The end date (of the version in force, else the latest).
    pub end_date: Option<NaiveDate>,
    /// In force, but a current member has not signed it.
    pub needs_resignature: bool,
}

/// A list of agreements.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementList {
    /// Oldest first.
    pub items: Vec<AgreementSummary>,
}

/// A party's answer to a version.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureDto {
    /// The party.
    pub organisation_id: String,
    /// `signed` or `declined`.
    pub decision: String,
    /// Who answered.
    pub user_id: String,
    /// `head` or `governor`.
    pub capacity: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why it declined.
    pub reason: Option<String>,
}

impl From<&Signature> for SignatureDto {
    fn from(s: &Signature) -> Self {
        SignatureDto {
            organisation_id: s.organisation.to_string(),
            decision: s.decision.as_str().into(),
            user_id: s.user.to_string(),
            capacity: s.capacity.as_str().into(),
            at: s.at,
            reason: s.reason.clone(),
        }
    }
}

/// One version of an agreement, with its body and signatures.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// The agreement.
    pub agreement_id: String,
    /// 1, 2, 3…
    pub number: i32,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// `draft`, `open_for_signature`, `declined`, `in_force`, `superseded`, `expired`, `withdrawn`.
    pub status: String,
    /// The typed body of the agreement's kind.
    #[schema(value_type = AgreementBody)]
    pub body: serde_json::Value,
    /// Who must sign: an MOU's named parties, otherwise every active member.
    pub required_parties: Vec<String>,
    /// Every answer so far.
    pub signatures: Vec<SignatureDto>,
    /// Required parties that have not signed.
    pub unsigned_parties: Vec<String>,
    /// In force, but a current member has not signed it (after a membership change).
    pub needs_resignature: bool,
    /// When it came into force.
    pub effective_from: Option<NaiveDate>,
    /// When it is due for review.
    pub review_date: Option<NaiveDate>,
    /// When it ends.
    pub end_date: Option<NaiveDate>,
    /// Increases at every change; the `ETag` is `"v<version>"`.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// The body as JSON.
pub fn body_value(body: &Body) -> serde_json::Value {
    let r = match body {
        Body::Mou(b) => serde_json::to_value(b),
        Body::Tor(b) => serde_json::to_value(b),
        Body::Dsa(b) => serde_json::to_value(b),
    };
    r.unwrap_or(serde_json::Value::Null)
}

impl VersionDto {
    /// The DTO of `v`, whose status is shown as of `today`.
    pub fn new(
        v: &Version,
        status: String,
        required: Vec<String>,
        sigs: &[Signature],
        unsigned: Vec<String>,
        needs_resignature: bool,
    ) -> Self {
        VersionDto {
            agreement_id: v.agreement.to_string(),
            number: v.number,
            kind: v.body.kind().as_str().into(),
            title: v.title.clone(),
            status,
            body: body_value(&v.body),
            required_parties: required,
            signatures: sigs.iter().map(SignatureDto::from).collect(),
            unsigned_parties: unsigned,
            needs_resignature,
            effective_from: v.effective_from,
            review_date: v.body.review_date(),
            end_date: v.body.end_date(),
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// Whether one member has signed the partnership's in-force agreement of one kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedState {
    /// The in-force version's number, if one is in force.
    pub version: Option<i32>,
    /// Whether the member has signed it.
    pub signed: bool,
}

/// One member's signatures of the current terms of reference and data-sharing agreement.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberSignatures {
    /// The member.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// The terms of reference in force.
    pub terms_of_reference: SignedState,
    /// The data-sharing agreement in force.
    pub data_sharing_agreement: SignedState,
}

/// Every active member's signatures.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureMatrix {
    /// One entry per active member.
    pub items: Vec<MemberSignatures>,
}
