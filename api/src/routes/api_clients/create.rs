use actix_web::{post, web, HttpResponse};
use domain::authz::Principal;
use domain::ApiClientId;
use persistence::NewApiClient;

use super::dto::{ApiClientDto, CreateApiClientRequest, CreatedApiClientDto};
use crate::audit::Actor;
use crate::auth::permissions::ManageApiClients;
use crate::auth::secrets::{hash_password, random_secret};
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Body;
use crate::idempotency::{Idempotency, Written};
use crate::state::AppState;

/// Create an API client (tenant admin). The secret is in this response only.
#[utoipa::path(
    tag = "api-clients",
    request_body = CreateApiClientRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat")),
    responses(
        (status = 201, description = "Created; keep the secret", body = CreatedApiClientDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    auth: Authorized<ManageApiClients>,
    idem: Idempotency,
    body: Body<CreateApiClientRequest>,
) -> ApiResult<HttpResponse> {
    let (name, scopes) = body.value.try_into_domain().map_err(ApiError::from)?;
    let Principal::User(user) = &auth.0 else {
        return Err(ApiError::Forbidden("tenant_admin_required"));
    };
    let created_by = user.id.clone();
    let secret = random_secret();
    let hashed = secret.clone();
    let secret_hash = web::block(move || hash_password(&hashed))
        .await?
        .map_err(ApiError::internal)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0, &tenant, &body.hash, move |tx| {
        let id = ApiClientId::new();
        let client = tx.insert_api_client(
            &id,
            NewApiClient {
                name,
                scopes,
                created_by,
            },
            secret_hash,
        )?;
        tx.record(actor.event("api_client.created", "api_client", &id))?;
        Ok(Written::created(
            CreatedApiClientDto {
                client: ApiClientDto::from(&client),
                client_secret: secret,
            },
            format!("/v1/api-clients/{id}"),
        ))
    })
    .await
}
