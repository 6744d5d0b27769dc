use actix_web::{post, web, HttpResponse};
use domain::agreement::AgreementKind;
use domain::authz::{Action, Principal, Resource};
use domain::consent::{Consent, DataCategory, Grantee};
use domain::partnership::MemberStatus;
use domain::{AgreementId, ConsentId, OrganisationId, Validation};

use super::dto::{grantee, status, ConsentDto, GrantConsentRequest};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body};
use crate::idempotency::{Idempotency, Written};
use crate::routes::agreements::today;
use crate::routes::partnerships::now;
use crate::sharing;
use crate::state::AppState;

/// Grant a consent for your school (its head): a partnership it is in, one organisation, or
/// the tenant's admins may then see the named categories of its data — while the consent is
/// within its dates, not revoked, its DSA (if any) in force and signed by your school, and, for a
/// partnership, while both schools are members that have signed the current ToR and DSA.
#[utoipa::path(
    tag = "consents",
    request_body = GrantConsentRequest,
    params(
        ("id" = String, Path, description = "Your school, `org_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 201, description = "Granted", body = ConsentDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the school's head (`head_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/organisations/{id}/consents")]
pub async fn grant_consent(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
    body: Body<GrantConsentRequest>,
) -> ApiResult<HttpResponse> {
    let org = path_id(&id, "organisation", OrganisationId::parse)?;
    let req = body.value;
    let mut v = Validation::default();
    let target = match grantee(&req.grantee) {
        Ok(g) => Some(g),
        Err(e) => {
            v.0.extend(e.0);
            None
        }
    };
    if req.categories.is_empty() {
        v.push("/categories", "required", "name at least one category");
    }
    let mut categories = Vec::new();
    for (i, c) in req.categories.iter().enumerate() {
        if let Some(c) = v.check(&format!("/categories/{i}"), DataCategory::parse(c)) {
            if categories.contains(&c) {
                v.push(
                    format!("/categories/{i}"),
                    "duplicate",
                    "each category once",
                );
            }
            categories.push(c);
        }
    }
    let purpose = req.purpose.trim().to_owned();
    if purpose.is_empty() || purpose.chars().count() > 1000 {
        v.push(
            "/purpose",
            "invalid_purpose",
            "say why, in at most 1,000 characters",
        );
    }
    let dsa = req.dsa_id.as_deref().and_then(|d| {
        v.check(
            "/dsa_id",
            AgreementId::parse(d).map_err(|e| domain::values::InvalidChoice(e.to_string())),
        )
    });
    let valid_from = req.valid_from.unwrap_or_else(today);
    if req.valid_until.is_some_and(|u| u < valid_from) {
        v.push(
            "/valid_until",
            "before_start",
            "must not be before valid_from",
        );
    }
    let target = v.finish(|| target).map_err(ApiError::from)?;
    let Principal::User(user) = &auth.0 else {
        return Err(ApiError::Forbidden("head_required"));
    };
    let granted_by = user.id.clone();
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        tx.organisation(&org)?
            .ok_or(ApiError::NotFound("organisation"))?;
        auth.authorize(Action::Create, Resource::Consents(&org))?;
        match &target {
            Grantee::Partnership(p) => {
                let member = tx
                    .current_member(p, &org)?
                    .is_some_and(|m| m.status == MemberStatus::Active);
                if tx.partnership(p)?.is_none() || !member {
                    return Err(ApiError::invalid(
                        "/grantee/id",
                        "not_a_member",
                        "your school is not an active member of this partnership",
                    ));
                }
                if let Some(d) = &dsa {
                    let ok = tx.agreement(d)?.is_some_and(|a| {
                        &a.partnership == p && a.kind == AgreementKind::DataSharingAgreement
                    });
                    if !ok {
                        return Err(ApiError::invalid(
                            "/dsa_id",
                            "unknown_dsa",
                            "not a data-sharing agreement of this partnership",
                        ));
                    }
                }
            }
            Grantee::Organisation(o) => {
                if o == &org || tx.existing_organisations(&[o])?.is_empty() {
                    return Err(ApiError::invalid(
                        "/grantee/id",
                        "unknown_organisation",
                        "another active organisation of the tenant",
                    ));
                }
            }
            Grantee::TenantAdmins => {}
        }
        if dsa.is_some() && !matches!(target, Grantee::Partnership(_)) {
            return Err(ApiError::invalid(
                "/dsa_id",
                "not_applicable",
                "only a consent to a partnership rests on its DSA",
            ));
        }
        let c = Consent {
            id: ConsentId::new(),
            grantor: org.clone(),
            grantee: target,
            categories,
            purpose,
            dsa,
            valid_from,
            valid_until: req.valid_until,
            granted_by,
            granted_at: now(),
            revoked: None,
        };
        tx.insert_consent(&c)?;
        let mut event = actor.event("consent.granted", "consent", &c.id).with(serde_json::json!({
            "grantor_id": c.grantor, "grantee": { "kind": c.grantee.kind(), "id": c.grantee.id() },
            "categories": c.categories,
        }));
        if let Grantee::Partnership(p) = &c.grantee {
            event = event.in_partnership(p);
        }
        tx.record(event)?;
        let facts = sharing::facts(tx, vec![c.clone()])?;
        let dto = ConsentDto::new(&c, status(&c, facts.first(), today()));
        Ok(Written::created(dto, format!("/v1/consents/{}", c.id)))
    })
    .await
}
