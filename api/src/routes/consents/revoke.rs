use actix_web::{post, web, HttpResponse};
use domain::authz::{Action, Principal, Resource};
use domain::consent::Grantee;
use domain::ConsentId;

use super::dto::{status, ConsentDto, RevokeConsentRequest};
use crate::audit::{Actor, EventExt};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body};
use crate::idempotency::{Idempotency, Written};
use crate::routes::agreements::today;
use crate::routes::partnerships::dto::ReasonRequest;
use crate::state::AppState;

/// Revoke a consent (the grantor school's head), saying why. It takes effect at once: the
/// next read, on any instance, no longer shows the data. The consent is kept as history.
#[utoipa::path(
    tag = "consents",
    request_body = RevokeConsentRequest,
    params(
        ("id" = String, Path, description = "Consent id, `cns_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 200, description = "Revoked", body = ConsentDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the grantor's head", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consent in your tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/consents/{id}/revoke")]
pub async fn revoke_consent(
    state: web::Data<AppState>,
    auth: Auth,
    idem: Idempotency,
    id: web::Path<String>,
    body: Body<RevokeConsentRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "consent", ConsentId::parse)?;
    let reason = ReasonRequest {
        reason: body.value.reason.clone(),
    }
    .reason(true)
    .map_err(ApiError::from)?
    .unwrap_or_default();
    let Principal::User(user) = &auth.0 else {
        return Err(ApiError::Forbidden("head_required"));
    };
    let by = user.id.clone();
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0.clone(), &tenant, &body.hash, move |tx| {
        let c = tx.consent(&id)?.ok_or(ApiError::NotFound("consent"))?;
        auth.authorize(Action::Retire, Resource::Consents(&c.grantor))?;
        if !tx.revoke_consent(&id, &by, &reason)? {
            return Err(ApiError::Conflict {
                code: "already_revoked",
                detail: "the consent was already revoked".into(),
            });
        }
        let mut event = actor
            .event("consent.revoked", "consent", &id)
            .with(serde_json::json!({ "reason": reason, "grantor_id": c.grantor }));
        if let Grantee::Partnership(p) = &c.grantee {
            event = event.in_partnership(p);
        }
        tx.record(event)?;
        let c = tx.consent(&id)?.ok_or(ApiError::NotFound("consent"))?;
        Ok(Written::ok(ConsentDto::new(&c, status(&c, None, today()))))
    })
    .await
}
