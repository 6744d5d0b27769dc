use actix_web::{patch, web, HttpResponse};
use domain::authz::{Action, Principal, Resource};
use domain::user::UserStatus;
use domain::UserId;

use super::dto::{UpdateUserRequest, UserDto};
use super::ok_with_etag;
use super::service::check_memberships;
use crate::audit::Actor;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body, IfMatch};
use crate::state::AppState;

/// Change a user's name, `tenant_admin` role or organisation roles. Send the `ETag` in `If-Match`.
#[utoipa::path(
    tag = "users",
    request_body = UpdateUserRequest,
    params(
        ("id" = String, Path, description = "User id, `usr_…`"),
        ("If-Match" = String, Header, description = "The ETag from your last read"),
    ),
    responses(
        (status = 200, description = "Changed", body = UserDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a tenant admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Deactivated, or removing your own tenant_admin role", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        crate::openapi::BodyLimits,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Body<UpdateUserRequest>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "user", UserId::parse)?;
    let changes = body.value.try_into_domain().map_err(ApiError::from)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let user = state
        .db
        .write(&tenant, move |tx| {
            let mut user = tx.user(&id)?.ok_or(ApiError::NotFound("user"))?;
            auth.authorize(Action::Update, Resource::User(Some(&id)))?;
            if_match.check(user.version)?;
            if user.status == UserStatus::Deactivated {
                return Err(ApiError::Conflict {
                    code: "deactivated",
                    detail: "a deactivated user cannot change".into(),
                });
            }
            let is_self = matches!(&auth.0, Principal::User(u) if u.id == id);
            if is_self && changes.tenant_admin == Some(false) {
                return Err(ApiError::Conflict {
                    code: "cannot_demote_self",
                    detail:
                        "you cannot remove your own tenant_admin role; ask another tenant admin"
                            .into(),
                });
            }
            if let Some(ms) = changes.memberships {
                check_memberships(tx, &ms)?;
                user.memberships = ms;
            }
            if let Some(n) = changes.name {
                user.name = n;
            }
            if let Some(a) = changes.tenant_admin {
                user.tenant_admin = a;
            }
            let expected = user.version;
            if !tx.update_user(&mut user, expected)? {
                return Err(ApiError::PreconditionFailed);
            }
            tx.record(actor.event("user.updated", "user", &user.id))?;
            Ok(user)
        })
        .await?;
    Ok(ok_with_etag(&user))
}
