//! Data-sharing consents, each school's published data, and "who viewed our data".

mod access;
mod data;
pub mod dto;
mod grant;
mod list;
mod revoke;

pub use access::AccessQuery;
pub use list::DirectionQuery;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(grant::grant_consent)
        .service(revoke::revoke_consent)
        .service(list::get_consent)
        .service(list::school_consents)
        .service(list::partnership_consents)
        .service(list::sharing_matrix)
        .service(data::publish_school_data)
        .service(data::read_school_data)
        .service(access::access_log);
}
