//! `/v1/organisations`: schools and partner organisations of the caller's tenant.

mod archive;
mod create;
pub mod dto;
mod get;
mod list;
mod update;

pub use list::OrganisationQuery;

use actix_web::HttpResponse;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::extract::etag;
use dto::OrganisationDto;

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_organisation)
        .service(list::list_organisations)
        .service(get::get_organisation)
        .service(update::update_organisation)
        .service(archive::archive_organisation);
}

fn ok_with_etag(org: &domain::organisation::Organisation) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("etag", etag(org.version)))
        .json(OrganisationDto::from(org))
}

/// A second organisation with the same URN is a 409 with its own code.
fn urn_taken(e: persistence::StoreError) -> ApiError {
    match e {
        persistence::StoreError::Conflict(c) if c.contains("urn") => ApiError::Conflict {
            code: "urn_taken",
            detail: "an organisation with this URN is already registered in the tenant".into(),
        },
        other => other.into(),
    }
}
