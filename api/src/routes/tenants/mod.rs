//! `/v1/tenants`: platform admins provision, suspend and reactivate tenants and create each
//! tenant's first admin. They see tenant metadata only.

mod admins;
mod create;
pub mod dto;
mod get;
mod list;
mod status;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create::create_tenant)
        .service(list::list_tenants)
        .service(get::get_tenant)
        .service(status::suspend_tenant)
        .service(status::reactivate_tenant)
        .service(admins::create_tenant_admin);
}
