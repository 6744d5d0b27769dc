//! Consent, school data and access-log bodies.

use chrono::{DateTime, NaiveDate, Utc};
use domain::consent::{Consent, Grantee};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who a consent is granted to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GranteeDto {
    /// `partnership` (one your school is in), `organisation` (one in the tenant) or `tenant`
    /// (the tenant's admins).
    pub kind: String,
    /// The partnership or organisation id; absent for `tenant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Grant a consent: let a grantee see some categories of your school's named data.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "grantee": { "kind": "partnership", "id": "prt_01jd3k6q9y2m8x4n7v5b0c1t2p" },
    "categories": ["evaluation_scores"],
    "purpose": "So the partnership can plan support and challenge together",
    "dsa_id": "agr_01jd3k6q9y2m8x4n7v5b0c1t2d",
    "valid_until": "2027-08-31"
}))]
pub struct GrantConsentRequest {
    /// To whom.
    pub grantee: GranteeDto,
    /// `evaluation_scores`, `evaluation_narrative`, `attendance`, `attainment`.
    pub categories: Vec<String>,
    /// Why (1–1,000 characters).
    pub purpose: String,
    /// The partnership's data-sharing agreement it rests on (partnership grantees only).
    pub dsa_id: Option<String>,
    /// From when (default today).
    pub valid_from: Option<NaiveDate>,
    /// Until when, inclusive (default: until revoked).
    pub valid_until: Option<NaiveDate>,
}

/// Why a consent is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "reason": "Our governors want to review what we share." }))]
pub struct RevokeConsentRequest {
    /// Why (required).
    pub reason: Option<String>,
}

/// A consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentDto {
    /// Opaque id, `cns_…`.
    pub id: String,
    /// The school that shares.
    pub grantor_id: String,
    /// With whom.
    pub grantee: GranteeDto,
    /// The categories shared.
    pub categories: Vec<String>,
    /// Why.
    pub purpose: String,
    /// The data-sharing agreement it rests on.
    pub dsa_id: Option<String>,
    /// From when.
    pub valid_from: NaiveDate,
    /// Until when (inclusive).
    pub valid_until: Option<NaiveDate>,
    /// The head who granted it.
    pub granted_by: String,
    /// When.
    pub granted_at: DateTime<Utc>,
    /// `active`, `revoked`, `expired`, `not_yet_valid` or `inactive` (its DSA is not in force,
    /// or a party has left or not signed the partnership's agreements).
    pub status: String,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// Why.
    pub revoke_reason: Option<String>,
}

impl ConsentDto {
    /// The DTO, with its status as of today.
    pub fn new(c: &Consent, status: &str) -> Self {
        ConsentDto {
            id: c.id.to_string(),
            grantor_id: c.grantor.to_string(),
            grantee: GranteeDto {
                kind: c.grantee.kind().as_str().into(),
                id: c.grantee.id(),
            },
            categories: c.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            purpose: c.purpose.clone(),
            dsa_id: c.dsa.as_ref().map(|d| d.to_string()),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            granted_by: c.granted_by.to_string(),
            granted_at: c.granted_at,
            status: status.into(),
            revoked_at: c.revoked.as_ref().map(|r| r.at),
            revoked_by: c.revoked.as_ref().map(|r| r.by.to_string()),
            revoke_reason: c.revoked.as_ref().map(|r| r.reason.clone()),
        }
    }
}

/// Consents.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    /// Oldest first.
    pub items: Vec<ConsentDto>,
}

/// Whether one member's category is shared with another.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharingCell {
    /// Whose data.
    pub owner_id: String,
    /// Who would see it.
    pub viewer_id: String,
    /// The category.
    pub category: String,
    /// Shared now.
    pub shared: bool,
    /// The consent that shares it.
    pub consent_id: Option<String>,
}

/// For each pair of active members and each category: shared or not, and by which consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharingMatrix {
    /// Members that have signed the current terms of reference and data-sharing agreement.
    pub qualified_members: Vec<String>,
    /// One cell per (owner, viewer, category).
    pub cells: Vec<SharingCell>,
}

/// Publish your school's data in one category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "content": { "summary": "Reading: strong; writing: developing", "score": 3.4 } }))]
pub struct PublishDataRequest {
    /// Any JSON object.
    #[schema(value_type = Object)]
    pub content: serde_json::Map<String, serde_json::Value>,
}

/// A school's published data in one category.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolDataDto {
    /// The school.
    pub organisation_id: String,
    /// The category.
    pub category: String,
    /// The data.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// When published.
    pub updated_at: DateTime<Utc>,
    /// `own_school`, or `consent` when another school's consent allowed the read.
    pub access: &'static str,
    /// The consent that allowed the read.
    pub consent_id: Option<String>,
}

/// One read of a school's named data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessDto {
    /// Opaque id, `acc_…`.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who read.
    pub viewer_id: String,
    /// `user`.
    pub viewer_kind: String,
    /// The reader's organisation.
    pub viewer_organisation_id: Option<String>,
    /// The category.
    pub category: String,
    /// What was read.
    pub resource: String,
    /// The consent that allowed it.
    pub consent_id: Option<String>,
    /// The request.
    pub request_id: Option<String>,
}

/// The status of a consent for readers.
pub fn status(
    c: &Consent,
    fact: Option<&domain::consent::ConsentFact>,
    today: NaiveDate,
) -> &'static str {
    if c.revoked.is_some() {
        "revoked"
    } else if c.valid_until.is_some_and(|u| u < today) {
        "expired"
    } else if c.valid_from > today {
        "not_yet_valid"
    } else if fact.is_some_and(|f| f.is_active(today)) {
        "active"
    } else {
        "inactive"
    }
}

/// Parses the grantee.
pub fn grantee(g: &GranteeDto) -> Result<Grantee, domain::Validation> {
    let mut v = domain::Validation::default();
    let kind = v.check(
        "/grantee/kind",
        domain::consent::GranteeKind::parse(&g.kind),
    );
    let parsed = match (kind, &g.id) {
        (Some(domain::consent::GranteeKind::Tenant), None) => Some(Grantee::TenantAdmins),
        (Some(domain::consent::GranteeKind::Tenant), Some(_)) => {
            v.push(
                "/grantee/id",
                "not_applicable",
                "the tenant grantee has no id",
            );
            None
        }
        (Some(_), None) => {
            v.push(
                "/grantee/id",
                "required",
                "name the partnership or organisation",
            );
            None
        }
        (Some(domain::consent::GranteeKind::Partnership), Some(id)) => v
            .check(
                "/grantee/id",
                domain::PartnershipId::parse(id)
                    .map_err(|e| domain::values::InvalidChoice(e.to_string())),
            )
            .map(Grantee::Partnership),
        (Some(domain::consent::GranteeKind::Organisation), Some(id)) => v
            .check(
                "/grantee/id",
                domain::OrganisationId::parse(id)
                    .map_err(|e| domain::values::InvalidChoice(e.to_string())),
            )
            .map(Grantee::Organisation),
        (None, _) => None,
    };
    v.finish(|| parsed)
}
