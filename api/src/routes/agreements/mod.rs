//! `/v1/agreements` and `/v1/partnerships/{id}/agreements`: MOUs, terms of reference and
//! data-sharing agreements, with numbered versions and multi-party signature.

mod create;
pub mod dto;
mod get;
mod lifecycle;
mod list;
mod update;

pub use get::DocumentQuery;
pub use list::AgreementQuery;

use chrono::NaiveDate;
use domain::agreement::{
    current_signatures, required_parties, unsigned, Agreement, Body, Decision, Signature, Version,
    VersionStatus,
};
use domain::authz::{Action, MemberFact, PartnershipFacts, Resource};
use domain::partnership::MemberStatus;
use domain::{AgreementId, OrganisationId};
use persistence::Tx;
use utoipa_actix_web::service_config::ServiceConfig;

use super::partnerships::{load as load_partnership, Loaded};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::json_error;
use dto::{VersionDto, VersionSummary};

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_agreement)
        .service(list::list_partnership_agreements)
        .service(list::agreement_register)
        .service(list::partnership_signatures)
        .service(get::get_agreement)
        .service(get::get_version)
        .service(get::version_document)
        .service(update::update_version)
        .service(lifecycle::open_version)
        .service(lifecycle::sign_version)
        .service(lifecycle::decline_version)
        .service(lifecycle::withdraw_version)
        .service(lifecycle::new_version);
}

/// Today, in UTC: the date agreements come into force, expire and fall due.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Parses a body of `kind` from JSON, reporting bad fields under `/body`.
pub fn parse_body(
    kind: domain::agreement::AgreementKind,
    value: serde_json::Value,
) -> ApiResult<Body> {
    use domain::agreement::AgreementKind as K;
    let r = match kind {
        K::Mou => serde_path_to_error::deserialize(value).map(Body::Mou),
        K::TermsOfReference => serde_path_to_error::deserialize(value).map(Body::Tor),
        K::DataSharingAgreement => serde_path_to_error::deserialize(value).map(Body::Dsa),
    };
    r.map_err(|e| match json_error(e) {
        ApiError::Validation(errors) => ApiError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    f.pointer = format!("/body{}", f.pointer);
                    f
                })
                .collect(),
        ),
        ApiError::BadRequest { detail, .. } => ApiError::invalid("/body", "invalid_type", detail),
        other => other,
    })
}

/// An agreement with its versions and its partnership, loaded in one transaction.
pub struct LoadedAgreement {
    /// The agreement.
    pub a: Agreement,
    /// Every version, oldest first.
    pub versions: Vec<Version>,
    /// Its partnership, with every membership stint.
    pub partnership: Loaded,
}

impl LoadedAgreement {
    /// Asks the visibility function about this agreement.
    pub fn authorize(&self, auth: &Auth, action: Action) -> ApiResult<()> {
        let facts: Vec<MemberFact> = self
            .partnership
            .stints
            .iter()
            .map(|m| MemberFact {
                organisation: m.organisation.clone(),
                role: m.role,
                status: m.status,
            })
            .collect();
        let p = &self.partnership.p;
        let f = PartnershipFacts {
            coordinator: p.coordinator.as_ref(),
            chair: p.chair.as_ref(),
            members: &facts,
        };
        auth.authorize(action, Resource::Agreement(&f))
    }

    /// Version `n`; 404 if there is none.
    pub fn version(&self, n: i32) -> ApiResult<&Version> {
        self.versions
            .iter()
            .find(|v| v.number == n)
            .ok_or(ApiError::NotFound("agreement version"))
    }

    /// The partnership's active members.
    pub fn active_members(&self) -> Vec<OrganisationId> {
        active_members(&self.partnership)
    }
}

/// When each active member joined (its current stint).
pub fn joined_times(
    stints: &[domain::partnership::Member],
) -> Vec<(OrganisationId, chrono::DateTime<chrono::Utc>)> {
    stints
        .iter()
        .filter(|m| m.status == MemberStatus::Active)
        .map(|m| (m.organisation.clone(), m.joined_at.unwrap_or(m.invited_at)))
        .collect()
}

/// The signatures of a version that stand for each party's current membership.
pub fn current(tx: &mut Tx<'_>, l: &LoadedAgreement, v: &Version) -> ApiResult<Vec<Signature>> {
    let sigs = tx.signatures(&v.agreement, v.number)?;
    Ok(current_signatures(
        &sigs,
        &joined_times(&l.partnership.stints),
    ))
}

/// A partnership's active members.
pub fn active_members(l: &Loaded) -> Vec<OrganisationId> {
    l.stints
        .iter()
        .filter(|m| m.status == MemberStatus::Active)
        .map(|m| m.organisation.clone())
        .collect()
}

/// Loads an agreement of the transaction's tenant with everything the rules need; 404 if none.
/// With `lock`, concurrent changes to the agreement wait for this transaction.
pub fn load(tx: &mut Tx<'_>, id: &AgreementId, lock: bool) -> ApiResult<LoadedAgreement> {
    if lock && !tx.lock_agreement(id)? {
        return Err(ApiError::NotFound("agreement"));
    }
    let a = tx.agreement(id)?.ok_or(ApiError::NotFound("agreement"))?;
    let versions = tx.versions(&a)?;
    let partnership = load_partnership(tx, &a.partnership)?;
    Ok(LoadedAgreement {
        a,
        versions,
        partnership,
    })
}

/// Whether an in-force version lacks a current required party's signature.
fn needs_resignature(tx: &mut Tx<'_>, l: &LoadedAgreement, v: &Version) -> ApiResult<bool> {
    if v.status.as_of(v.body.end_date(), today()) != VersionStatus::InForce {
        return Ok(false);
    }
    let sigs = current(tx, l, v)?;
    Ok(!unsigned(&required_parties(&v.body, &l.active_members()), &sigs).is_empty())
}

/// The summaries of every version of a loaded agreement.
pub fn summaries(tx: &mut Tx<'_>, l: &LoadedAgreement) -> ApiResult<Vec<VersionSummary>> {
    l.versions
        .iter()
        .map(|v| {
            Ok(VersionSummary {
                number: v.number,
                status: v.status.as_of(v.body.end_date(), today()).as_str().into(),
                effective_from: v.effective_from,
                needs_resignature: needs_resignature(tx, l, v)?,
            })
        })
        .collect()
}

/// The full DTO of one version.
pub fn version_dto(tx: &mut Tx<'_>, l: &LoadedAgreement, v: &Version) -> ApiResult<VersionDto> {
    let sigs = tx.signatures(&v.agreement, v.number)?;
    let required = required_parties(&v.body, &l.active_members());
    let missing = unsigned(
        &required,
        &current_signatures(&sigs, &joined_times(&l.partnership.stints)),
    );
    let status = v.status.as_of(v.body.end_date(), today());
    let needs = status == VersionStatus::InForce && !missing.is_empty();
    Ok(VersionDto::new(
        v,
        status.as_str().into(),
        required.iter().map(|o| o.to_string()).collect(),
        &sigs,
        missing.iter().map(|o| o.to_string()).collect(),
        needs,
    ))
}

/// Whether `org` has signed version `v`.
pub fn has_signed(
    tx: &mut Tx<'_>,
    l: &LoadedAgreement,
    v: &Version,
    org: &OrganisationId,
) -> ApiResult<bool> {
    Ok(current(tx, l, v)?
        .iter()
        .any(|s| &s.organisation == org && s.decision == Decision::Signed))
}
