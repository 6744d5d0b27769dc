//! `/v1/api-clients`: client credentials for third-party frontends, issued by tenant admins.

mod create;
pub mod dto;
mod get;
mod list;
mod revoke;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_api_client)
        .service(list::list_api_clients)
        .service(get::get_api_client)
        .service(revoke::revoke_api_client);
}
