//! `/v1/users`: the tenant's users, their tenant role and their organisation roles.

mod create;
mod deactivate;
pub mod dto;
mod get;
mod list;
pub mod service;
mod update;

pub use list::UserQuery;

use actix_web::HttpResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::etag;
use dto::UserDto;

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_user)
        .service(list::list_users)
        .service(get::get_user)
        .service(update::update_user)
        .service(deactivate::deactivate_user);
}

fn ok_with_etag(user: &domain::user::User) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", etag(user.version)))
        .json(UserDto::from(user))
}
