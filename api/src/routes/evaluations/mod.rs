//! Evaluation: frameworks, termly cycles, each school's submission, and the partnership
//! analysis with suppression and consent.

mod analysis;
mod cycles;
pub mod dto;
mod frameworks;
mod submissions;

use domain::evaluation::FrameworkVersion;
use domain::framework::{
    default_framework, FrameworkStatus, DEFAULT_FRAMEWORK_ID, DEFAULT_FRAMEWORK_NAME,
};
use persistence::Tx;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};

/// Registers the routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(frameworks::list_frameworks)
        .service(frameworks::get_framework_version)
        .service(frameworks::create_framework)
        .service(frameworks::update_framework_version)
        .service(frameworks::publish_framework_version)
        .service(frameworks::new_framework_version)
        .service(cycles::create_cycle)
        .service(cycles::list_cycles)
        .service(cycles::get_cycle)
        .service(cycles::change_cycle_status)
        .service(cycles::extend_deadline)
        .service(cycles::participation)
        .service(submissions::get_submission)
        .service(submissions::save_submission)
        .service(submissions::submit)
        .service(submissions::reopen_submission)
        .service(analysis::cycle_analysis)
        .service(analysis::cycle_analysis_csv)
        .service(analysis::cycle_analysis_svg);
}

/// The built-in default framework's only version.
pub fn builtin() -> FrameworkVersion {
    FrameworkVersion {
        framework_id: DEFAULT_FRAMEWORK_ID.into(),
        number: 1,
        status: FrameworkStatus::Published,
        name: DEFAULT_FRAMEWORK_NAME.into(),
        definition: default_framework(),
        carried_over: Vec::new(),
        version: 1,
    }
}

/// One version of the built-in framework or of a tenant framework; 404 if none.
pub fn framework_version(tx: &mut Tx<'_>, id: &str, n: i32) -> ApiResult<FrameworkVersion> {
    if id == DEFAULT_FRAMEWORK_ID {
        return if n == 1 {
            Ok(builtin())
        } else {
            Err(ApiError::NotFound("framework version"))
        };
    }
    tx.framework_versions(Some(id))?
        .into_iter()
        .find(|v| v.number == n)
        .ok_or(ApiError::NotFound("framework version"))
}
