use actix_web::{post, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::user::UserStatus;
use domain::UserId;

use super::dto::UserDto;
use super::ok_with_etag;
use crate::audit::Actor;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// Deactivate a user: their tokens stop working at once and their refresh tokens are revoked.
/// Kept for history. Deactivating twice is harmless; you cannot deactivate yourself.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "User id, `usr_…`")),
    responses(
        (status = 200, description = "Deactivated", body = UserDto, headers(("ETag" = String))),
        (status = 403, description = "Not a tenant admin, or yourself", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "user", UserId::parse)?;
    let tenant = auth.tenant()?.clone();
    let actor = Actor::of(&auth.0);
    let user = state
        .db
        .write(&tenant, move |tx| {
            let mut user = tx.user(&id)?.ok_or(ApiError::NotFound("user"))?;
            auth.authorize(Action::Retire, Resource::User(Some(&id)))?;
            if user.status != UserStatus::Deactivated {
                user.status = UserStatus::Deactivated;
                let expected = user.version;
                if !tx.update_user(&mut user, expected)? {
                    return Err(ApiError::PreconditionFailed);
                }
                tx.revoke_refresh_tokens_of(id.as_str())?;
                tx.record(actor.event("user.deactivated", "user", &user.id))?;
            }
            Ok(user)
        })
        .await?;
    Ok(ok_with_etag(&user))
}
