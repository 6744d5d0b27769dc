use actix_web::{get, web, HttpResponse};
use domain::authz::{Action, Resource};
use domain::UserId;

use super::dto::UserDto;
use super::ok_with_etag;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::state::AppState;

/// One user, with their `ETag` (tenant admin, a client with `users:read`, or the user).
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "User id, `usr_…`")),
    responses(
        (status = 200, description = "The user", body = UserDto, headers(("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your tenant", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "user", UserId::parse)?;
    let tenant = auth.tenant()?.clone();
    let user = state
        .db
        .read(&tenant, move |tx| {
            let user = tx.user(&id)?.ok_or(ApiError::NotFound("user"))?;
            auth.authorize(Action::Read, Resource::User(Some(&id)))?;
            Ok(user)
        })
        .await?;
    Ok(ok_with_etag(&user))
}
