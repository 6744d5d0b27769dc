use actix_web::{post, web, HttpResponse};
use domain::user::NewUser;
use domain::values::{EmailAddress, Name, Password};
use domain::{TenantId, Validation};

use super::dto::CreateTenantAdminRequest;
use crate::audit::Actor;
use crate::auth::permissions::ManageTenants;
use crate::auth::Authorized;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, path_id, Body};
use crate::idempotency::{Idempotency, Written};
use crate::routes::users::dto::CreatedUserDto;
use crate::routes::users::service::{create_user, Credential};
use crate::state::AppState;

/// Create a tenant admin in a tenant (platform admin): how each tenant gets its first admin.
#[utoipa::path(
    tag = "tenants",
    request_body = CreateTenantAdminRequest,
    params(
        ("id" = String, Path, description = "Tenant id, `ten_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeat"),
    ),
    responses(
        (status = 201, description = "Created", body = CreatedUserDto, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a platform admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email taken in the tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/tenants/{id}/admins")]
pub async fn create_tenant_admin(
    state: web::Data<AppState>,
    auth: Authorized<ManageTenants>,
    idem: Idempotency,
    id: web::Path<String>,
    body: Body<CreateTenantAdminRequest>,
) -> ApiResult<HttpResponse> {
    let tenant = path_id(&id, "tenant", TenantId::parse)?;
    let mut v = Validation::default();
    let email = v.check("/email", EmailAddress::parse(&body.value.email));
    let name = v.check("/name", Name::parse(&body.value.name));
    let password = match &body.value.password {
        Some(p) => v.check("/password", Password::parse(p)).map(Some),
        None => Some(None),
    };
    let (new, password) = v
        .finish(|| {
            Some((
                NewUser {
                    email: email?,
                    name: name?,
                    tenant_admin: true,
                    memberships: vec![],
                },
                password?,
            ))
        })
        .map_err(ApiError::from)?;
    let lookup = tenant.clone();
    state
        .db
        .platform(move |tx| tx.tenant(&lookup)?.ok_or(ApiError::NotFound("tenant")))
        .await?;
    let ttl = state.settings.invitation_ttl_secs;
    let credential = web::block(move || Credential::prepare(password, ttl)).await??;
    let actor = Actor::of(&auth.0);
    idem.tenant(&state, &auth.0, &tenant, &body.hash, move |tx| {
        let created = create_user(tx, &actor, new, credential)?;
        let location = format!("/v1/users/{}", created.user.id);
        let tag = etag(created.user.version);
        Ok(Written::created(created, location).with_etag(tag))
    })
    .await
}
