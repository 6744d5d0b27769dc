use actix_web::{get, web, HttpResponse};
use domain::ApiClientId;

use super::dto::ApiClientDto;
use crate::auth::permissions::ListApiClients;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// One API client (tenant admin).
#[utoipa::path(
    tag = "api-clients",
    params(("id" = String, Path, description = "Client id, `cli_…`")),
    responses(
        (status = 200, description = "The client", body = ApiClientDto),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/api-clients/{id}")]
pub async fn get_api_client(
    state: web::Data<AppState>,
    auth: Authorized<ListApiClients>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "API client", ApiClientId::parse)?;
    let c = state
        .db
        .read(auth.tenant()?, move |tx| {
            tx.api_client(&id)?.ok_or(ApiError::NotFound("API client"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ApiClientDto::from(&c)))
}
