use actix_web::{post, web, HttpResponse};
use domain::ApiClientId;

use super::dto::ApiClientDto;
use crate::audit::Actor;
use crate::auth::permissions::ManageApiClients;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// Revoke an API client: its tokens stop working at once. Revoking twice is harmless.
#[utoipa::path(
    tag = "api-clients",
    params(("id" = String, Path, description = "Client id, `cli_…`")),
    responses(
        (status = 200, description = "Revoked", body = ApiClientDto),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/api-clients/{id}/revoke")]
pub async fn revoke_api_client(
    state: web::Data<AppState>,
    auth: Authorized<ManageApiClients>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "API client", ApiClientId::parse)?;
    let actor = Actor::of(&auth.0);
    let c = state
        .db
        .write(auth.tenant()?, move |tx| {
            let before = tx
                .api_client(&id)?
                .ok_or(ApiError::NotFound("API client"))?;
            let after = tx
                .revoke_api_client(&id)?
                .ok_or(ApiError::NotFound("API client"))?;
            if before.revoked_at.is_none() {
                tx.record(actor.event("api_client.revoked", "api_client", &id))?;
            }
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ApiClientDto::from(&c)))
}
