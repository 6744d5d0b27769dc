//! The OpenAPI 3.1 document, built from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{Problem, ProblemField};

/// The parts of the document that are not a route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Concord",
        description = "Open, multi-tenant REST backend for school-to-school partnerships. \
            Errors are RFC 9457 problem+json with a stable `code`; lists use cursor pagination; \
            updates need `If-Match`; POSTs honour `Idempotency-Key`. See API-DESIGN.md.",
        license(name = "Apache-2.0")
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Tokens and keys"),
        (name = "me", description = "Who the caller is"),
        (name = "tenants", description = "Platform admins: tenants and their first admins"),
        (name = "organisations", description = "Schools and partner organisations"),
        (name = "users", description = "Users, tenant roles and organisation roles"),
        (name = "api-clients", description = "Client credentials for third-party frontends"),
        (name = "partnerships", description = "Partnerships, membership by invitation, overviews"),
        (name = "agreements", description = "MOUs, terms of reference and data-sharing agreements: versions and signatures"),
        (name = "consents", description = "Data-sharing consents, school data and who viewed it"),
        (name = "evaluations", description = "Frameworks, termly cycles, submissions and the analysis"),
        (name = "audit", description = "The append-only change audit"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /v1/auth/token"))
                    .build(),
            ),
        );
    }
}

/// The whole document: the base above plus every registered route.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = crate::startup::app_parts();
    doc
}

/// The document as pretty JSON with a trailing newline, as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// The answers every authenticated operation may give besides its own: 401 and 429.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Gatekeeping {
    /// No valid credential.
    #[response(
        status = 401,
        description = "Not authenticated",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    /// Too many requests.
    #[response(
        status = 429,
        description = "Rate limited",
        content_type = "application/problem+json"
    )]
    RateLimited(Problem),
}

/// The answers every operation with a JSON body may give about the body itself: 413 and 415.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyLimits {
    /// Larger than the limit.
    #[response(
        status = 413,
        description = "Body too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    /// Sent too slowly.
    #[response(
        status = 408,
        description = "The body did not arrive in time",
        content_type = "application/problem+json"
    )]
    TooSlow(Problem),
    /// Not JSON.
    #[response(
        status = 415,
        description = "Not JSON",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
}
