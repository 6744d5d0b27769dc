use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use domain::agreement::{
    current_signatures, required_parties, unsigned, Agreement, AgreementKind, Version,
    VersionStatus,
};
use domain::authz::{decide, Action, Principal, Resource};
use domain::{OrganisationId, PartnershipId};
use persistence::{AgreementFilter, Page, PartnershipFilter, Tx};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{
    AgreementList, AgreementSummary, LatestVersion, MemberSignatures, SignatureMatrix, SignedState,
};
use super::{active_members, joined_times, today};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::routes::partnerships::load as load_partnership;
use crate::state::AppState;

/// Filters for agreement lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    /// `mou`, `terms_of_reference` or `data_sharing_agreement`.
    pub kind: Option<String>,
    /// The latest version's status.
    pub status: Option<String>,
    /// Register only: one partnership's.
    pub partnership_id: Option<String>,
    /// Register only: in-force agreements due for review, or ending, within this many days
    /// (overdue ones included).
    pub due_within_days: Option<u32>,
}

struct Filters {
    kind: Option<AgreementKind>,
    status: Option<VersionStatus>,
    partnership: Option<PartnershipId>,
    due: Option<chrono::NaiveDate>,
}

fn filters(q: &AgreementQuery) -> ApiResult<Filters> {
    let invalid = |p: &str, e: String| ApiError::invalid(p, "invalid_choice", e);
    Ok(Filters {
        kind: q
            .kind
            .as_deref()
            .map(|k| AgreementKind::parse(k).map_err(|e| invalid("/query/kind", e.0)))
            .transpose()?,
        status: q
            .status
            .as_deref()
            .map(|s| VersionStatus::parse(s).map_err(|e| invalid("/query/status", e.0)))
            .transpose()?,
        partnership: q
            .partnership_id
            .as_deref()
            .map(|p| {
                PartnershipId::parse(p).map_err(|e| {
                    ApiError::invalid("/query/partnership_id", "invalid_id", e.to_string())
                })
            })
            .transpose()?,
        due: q
            .due_within_days
            .map(|d| {
                (d <= 3660)
                    .then(|| today() + chrono::Days::new(u64::from(d)))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "/query/due_within_days",
                            "out_of_range",
                            "at most 3660 days",
                        )
                    })
            })
            .transpose()?,
    })
}

/// Summarises agreements, filtered by the latest version's status and by due date.
fn summarise(
    tx: &mut Tx<'_>,
    rows: Vec<(Agreement, Vec<Version>)>,
    f: &Filters,
) -> ApiResult<Vec<AgreementSummary>> {
    let mut members: HashMap<String, Vec<(OrganisationId, chrono::DateTime<chrono::Utc>)>> =
        HashMap::new();
    let mut out = Vec::new();
    for (a, versions) in rows {
        let Some(latest) = versions.last() else {
            continue;
        };
        let status_of = |v: &Version| v.status.as_of(v.body.end_date(), today());
        if f.status.is_some_and(|s| s != status_of(latest)) {
            continue;
        }
        let in_force = versions
            .iter()
            .rev()
            .find(|v| status_of(v) == VersionStatus::InForce);
        if let Some(due) = f.due {
            let is_due = in_force.is_some_and(|v| {
                v.body.review_date().is_some_and(|d| d <= due)
                    || v.body.end_date().is_some_and(|d| d <= due)
            });
            if !is_due {
                continue;
            }
        }
        let needs_resignature = match in_force {
            None => false,
            Some(v) => {
                let key = a.partnership.to_string();
                if !members.contains_key(&key) {
                    let stints = tx.members(&a.partnership, false)?;
                    members.insert(key.clone(), joined_times(&stints));
                }
                let joined = members.get(&key).cloned().unwrap_or_default();
                let active: Vec<OrganisationId> = joined.iter().map(|(o, _)| o.clone()).collect();
                let sigs = current_signatures(&tx.signatures(&a.id, v.number)?, &joined);
                !unsigned(&required_parties(&v.body, &active), &sigs).is_empty()
            }
        };
        let dated = in_force.unwrap_or(latest);
        out.push(AgreementSummary {
            id: a.id.to_string(),
            partnership_id: a.partnership.to_string(),
            kind: a.kind.as_str().into(),
            title: latest.title.clone(),
            latest_version: LatestVersion {
                number: latest.number,
                status: status_of(latest).as_str().into(),
            },
            in_force_version: in_force.map(|v| v.number),
            review_date: dated.body.review_date(),
            end_date: dated.body.end_date(),
            needs_resignature,
        });
    }
    Ok(out)
}

/// A partnership's agreements, oldest first, each with its latest and in-force versions.
#[utoipa::path(
    tag = "agreements",
    params(("id" = String, Path, description = "Partnership id, `prt_…`"), AgreementQuery),
    responses(
        (status = 200, description = "The agreements", body = AgreementList),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/agreements")]
pub async fn list_partnership_agreements(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    query: web::Query<AgreementQuery>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let f = filters(&query)?;
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            let l = load_partnership(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            let rows = tx.list_agreements(&AgreementFilter {
                partnership: Some(id),
                partnerships: None,
                kind: f.kind,
            })?;
            summarise(tx, rows, &f)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AgreementList { items }))
}

/// The agreement register: every agreement of the tenant for a tenant admin (the DSA register
/// is `?kind=data_sharing_agreement`), otherwise those of the caller's partnerships; with
/// `due_within_days`, the in-force ones due for review or ending soon.
#[utoipa::path(
    tag = "agreements",
    params(AgreementQuery),
    responses(
        (status = 200, description = "The agreements", body = AgreementList),
        (status = 403, description = "Platform admin, or client without `partnerships:read`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/agreements")]
pub async fn agreement_register(
    state: web::Data<AppState>,
    auth: Auth,
    query: web::Query<AgreementQuery>,
) -> ApiResult<HttpResponse> {
    let f = filters(&query)?;
    auth.authorize(Action::List, Resource::Partnership(None))?;
    let visible_to = if decide(&auth.0, Action::Read, Resource::AllPartnerships).is_allowed() {
        None
    } else {
        match &auth.0 {
            Principal::User(u) => Some((
                u.id.clone(),
                u.memberships
                    .iter()
                    .map(|m| m.organisation_id.clone())
                    .collect(),
            )),
            _ => return Err(ApiError::Forbidden("insufficient_scope")),
        }
    };
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            let partnerships = match visible_to {
                None => None,
                Some(v) => {
                    let filter = PartnershipFilter {
                        visible_to: Some(v),
                        ..PartnershipFilter::default()
                    };
                    Some(
                        tx.list_partnerships(
                            &filter,
                            &Page {
                                after: None,
                                limit: 10_000,
                            },
                        )?
                        .into_iter()
                        .map(|p| p.id)
                        .collect(),
                    )
                }
            };
            let rows = tx.list_agreements(&AgreementFilter {
                partnership: f.partnership.clone(),
                partnerships,
                kind: f.kind,
            })?;
            summarise(tx, rows, &f)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AgreementList { items }))
}

/// For each active member: has it signed the terms of reference and the data-sharing agreement
/// in force? A member that has not signed both gains no access to shared data.
#[utoipa::path(
    tag = "agreements",
    params(("id" = String, Path, description = "Partnership id, `prt_…`")),
    responses(
        (status = 200, description = "One entry per active member", body = SignatureMatrix),
        (status = 403, description = "Pending or former member (`not_a_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/partnerships/{id}/signatures")]
pub async fn partnership_signatures(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "partnership", PartnershipId::parse)?;
    let tenant = auth.tenant()?.clone();
    let items = state
        .db
        .read(&tenant, move |tx| {
            let l = load_partnership(tx, &id)?;
            l.authorize(&auth, Action::Read)?;
            let active = active_members(&l);
            let joined = joined_times(&l.stints);
            let signers =
                |s: Option<(domain::AgreementId, i32, Vec<domain::agreement::Signature>)>| {
                    s.map(|(id, n, sigs)| {
                        (
                            id,
                            n,
                            current_signatures(&sigs, &joined)
                                .into_iter()
                                .map(|s| s.organisation)
                                .collect::<Vec<_>>(),
                        )
                    })
                };
            let tor = signers(tx.in_force_signers(&id, AgreementKind::TermsOfReference)?);
            let dsa = signers(tx.in_force_signers(&id, AgreementKind::DataSharingAgreement)?);
            let refs: Vec<_> = active.iter().collect();
            let names = tx.organisation_names(&refs)?;
            let state_of = |s: &Option<(domain::AgreementId, i32, Vec<OrganisationId>)>,
                            org: &OrganisationId| SignedState {
                version: s.as_ref().map(|(_, n, _)| *n),
                signed: s
                    .as_ref()
                    .is_some_and(|(_, _, signed)| signed.contains(org)),
            };
            Ok(active
                .iter()
                .map(|org| MemberSignatures {
                    organisation_id: org.to_string(),
                    organisation_name: crate::routes::name_in(&names, org.as_str()),
                    terms_of_reference: state_of(&tor, org),
                    data_sharing_agreement: state_of(&dsa, org),
                })
                .collect())
        })
        .await?;
    Ok(HttpResponse::Ok().json(SignatureMatrix { items }))
}
