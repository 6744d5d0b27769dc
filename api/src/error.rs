//! The one place where errors become HTTP responses: RFC 9457 `application/problem+json`.
//!
//! Every error has a stable machine `code`. 5xx bodies carry no internal detail; the cause
//! chain is logged instead, with the request id that the body carries.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::authz::Decision;
use domain::FieldError;
use persistence::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id;

/// The problem document every error response carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:concord:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// An explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A stable machine-readable code, e.g. `invalid_urn`, `not_found`, `etag_mismatch`.
    pub code: String,
    /// The request id (also in the `X-Request-Id` header), for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For 422: every invalid field, each with an RFC 6901 JSON pointer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemField>)]
    pub errors: Vec<FieldError>,
    /// For `illegal_transition`: the resource's current status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    /// For the token endpoint: the OAuth 2.0 error code (RFC 6749 §5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One invalid field of a 422 response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// RFC 6901 pointer into the request body (or `/query/<name>`), e.g. `/urn`.
    pub pointer: String,
    /// Stable machine code, e.g. `invalid_urn`, `required`.
    pub code: String,
    /// A sentence for a person.
    pub detail: String,
}

/// Every error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be parsed.
    #[error("{detail}")]
    BadRequest {
        /// Machine code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 401: no valid credential.
    #[error("{0}")]
    Unauthenticated(String),
    /// 401/400 from the token endpoint, with an OAuth 2.0 error code.
    #[error("{detail}")]
    OAuth {
        /// HTTP status.
        status: StatusCode,
        /// e.g. `invalid_grant`.
        error: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 403: known to the caller, not allowed.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// 404: missing, or another tenant's.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 405.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    /// 409: conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        /// Machine code.
        code: &'static str,
        /// What conflicts.
        detail: String,
    },
    /// 409: a status change the lifecycle does not allow; names the current status.
    #[error("cannot move from {from} to {to}")]
    IllegalTransition {
        /// The current status.
        from: String,
        /// The status asked for.
        to: String,
    },
    /// 412: `If-Match` does not match the current `ETag`.
    #[error("the resource has changed since it was read")]
    PreconditionFailed,
    /// 428: `If-Match` is required.
    #[error("this update requires an If-Match header with the resource's ETag")]
    PreconditionRequired,
    /// 413.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 408: the client did not send its body within the time allowed.
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    /// 422 with a pointer per invalid field.
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    /// 422 that is not about one field.
    #[error("{detail}")]
    Unprocessable {
        /// Machine code.
        code: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 429.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the window resets.
        retry_after: u64,
    },
    /// 503: a dependency is down.
    #[error("a dependency is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a bug or an unexpected failure. Never shown to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// Shorthand for a 422 on one field.
    pub fn invalid(pointer: &str, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            pointer: pointer.into(),
            code,
            detail: detail.into(),
        }])
    }

    /// Shorthand for a 500 from anything.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    fn parts(&self) -> (&'static str, &'static str, Option<String>) {
        use ApiError::*;
        match self {
            BadRequest { code, detail } => (code, "Bad request", Some(detail.clone())),
            Unauthenticated(d) => ("unauthenticated", "Unauthenticated", Some(d.clone())),
            OAuth { error, detail, .. } => (error, "Token request refused", Some(detail.clone())),
            Forbidden(code) => (code, "Forbidden", Some(forbidden_detail(code))),
            NotFound(what) => ("not_found", "Not found", Some(format!("{what} not found"))),
            MethodNotAllowed(_) => ("method_not_allowed", "Method not allowed", None),
            Conflict { code, detail } => (code, "Conflict", Some(detail.clone())),
            IllegalTransition { .. } => ("illegal_transition", "Conflict", Some(self.to_string())),
            PreconditionFailed => (
                "etag_mismatch",
                "Precondition failed",
                Some(self.to_string()),
            ),
            PreconditionRequired => (
                "if_match_required",
                "Precondition required",
                Some(self.to_string()),
            ),
            PayloadTooLarge(_) => (
                "payload_too_large",
                "Payload too large",
                Some(self.to_string()),
            ),
            UnsupportedMediaType(d) => (
                "unsupported_media_type",
                "Unsupported media type",
                Some(d.clone()),
            ),
            RequestTimeout(_) => ("request_timeout", "Request timeout", Some(self.to_string())),
            Validation(_) => (
                "validation_failed",
                "Validation failed",
                Some(self.to_string()),
            ),
            Unprocessable { code, detail } => (code, "Unprocessable request", Some(detail.clone())),
            TooManyRequests { .. } => (
                "rate_limited",
                "Too many requests",
                Some("slow down: see the Retry-After header".into()),
            ),
            Unavailable(_) => (
                "service_unavailable",
                "Service unavailable",
                Some("a dependency is unavailable; retry shortly".into()),
            ),
            Internal(_) => ("internal_error", "Internal server error", None),
        }
    }
}

fn forbidden_detail(code: &str) -> String {
    match code {
        "tenant_admin_required" => "this needs the tenant_admin role".into(),
        "platform_admin_required" => "this needs a platform admin".into(),
        "platform_admin_has_no_tenant_data" => "platform admins see no tenant data".into(),
        "insufficient_scope" => "the API client lacks the scope this needs".into(),
        other => format!("not allowed ({other})"),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        use ApiError::*;
        match self {
            BadRequest { .. } => StatusCode::BAD_REQUEST,
            Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            OAuth { status, .. } => *status,
            Forbidden(_) => StatusCode::FORBIDDEN,
            NotFound(_) => StatusCode::NOT_FOUND,
            MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Conflict { .. } | IllegalTransition { .. } => StatusCode::CONFLICT,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Validation(_) | Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            let cause = match self {
                ApiError::Unavailable(e) | ApiError::Internal(e) => format!("{e:#}"),
                other => other.to_string(),
            };
            tracing::error!(status = status.as_u16(), cause = %cause, "request failed");
        }
        let (code, title, detail) = self.parts();
        let problem = Problem {
            type_: format!("urn:concord:problem:{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code: code.into(),
            request_id: request_id::current().map(|r| r.to_string()),
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            error: match self {
                ApiError::OAuth { error, .. } => Some((*error).into()),
                _ => None,
            },
            current_status: match self {
                ApiError::IllegalTransition { from, .. } => Some(from.clone()),
                _ => None,
            },
        };
        let mut resp = HttpResponse::build(status);
        resp.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::Unauthenticated(_) => {
                resp.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"concord\""));
            }
            ApiError::OAuth {
                error: "invalid_client",
                ..
            } => {
                resp.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"concord\""));
            }
            ApiError::TooManyRequests { retry_after } => {
                resp.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unavailable(_) => {
                resp.insert_header((header::RETRY_AFTER, "2"));
            }
            ApiError::MethodNotAllowed(allow) => {
                if let Ok(v) = HeaderValue::from_str(allow) {
                    resp.insert_header((header::ALLOW, v));
                }
            }
            _ => {}
        }
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        resp.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::Unavailable(e.into()),
            StoreError::Conflict(ref c) => ApiError::Conflict {
                code: "conflict",
                detail: format!(
                    "the change conflicts with existing data ({})",
                    conflict_hint(c)
                ),
            },
            other => ApiError::Internal(other.into()),
        }
    }
}

/// Names the table a constraint belongs to, without leaking SQL.
fn conflict_hint(constraint: &str) -> &'static str {
    if constraint.contains("organisations") {
        "organisation"
    } else if constraint.contains("users") {
        "user"
    } else if constraint.contains("tenants") {
        "tenant"
    } else {
        "record"
    }
}

impl From<Decision> for ApiError {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Forbidden(code) => ApiError::Forbidden(code),
            Decision::Hidden | Decision::Allow => ApiError::NotFound("resource"),
        }
    }
}

impl From<domain::Validation> for ApiError {
    fn from(v: domain::Validation) -> Self {
        ApiError::Validation(v.0)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// Result of a handler or service.
pub type ApiResult<T> = Result<T, ApiError>;
