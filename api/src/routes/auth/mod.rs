//! `/v1/auth`: the token endpoint, refresh-token revocation and invitation acceptance.

mod accept;
mod revoke;
mod token;

// Request bodies, public for the fuzz targets (fuzz/).
pub use accept::AcceptInvitationRequest;
pub use revoke::RevokeRequest;
pub use token::TokenRequest;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(token::issue_token)
        .service(revoke::revoke_token)
        .service(accept::accept_user_invitation);
}
