//! Request-wide middleware: the request id, the request's span and access log line, metrics,
//! and rate limiting.

use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use tracing::field::Empty;
use tracing::Instrument;

use crate::auth::{Claims, VerifiedClaims};
use crate::error::ApiError;
use crate::request_id::{self, RequestId};
use crate::state::AppState;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives each request an id, a span, an access log line and its metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = RequestId::from_header(
        req.headers()
            .get(&X_REQUEST_ID)
            .and_then(|v| v.to_str().ok()),
    );
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %req.path(),
        tenant_id = Empty,
        principal_id = Empty,
    );
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let start = Instant::now();
    let mut res = request_id::scope(id.clone(), next.call(req).instrument(span.clone())).await?;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    if let Some(state) = state {
        state
            .metrics
            .observe(&method, &route, status, elapsed.as_secs_f64());
    }
    if let Ok(v) = HeaderValue::from_str(id.as_str()) {
        res.headers_mut().insert(X_REQUEST_ID, v);
    }
    span.in_scope(|| {
        tracing::info!(status, route = %route, latency_ms = elapsed.as_secs_f64() * 1000.0, "request finished")
    });
    Ok(res)
}

/// The rate-limit window.
const WINDOW: Duration = Duration::from_secs(60);

fn is_exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Limits requests per client (token subject, or peer address) and per tenant, with
/// `RateLimit-*` headers on every response and 429 + `Retry-After` past the limit. Counters live
/// in Redis when configured (shared by instances) and fall back to in-process.
pub async fn rate_limit<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    if is_exempt(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let claims = token.and_then(|t| state.keys.verify::<Claims>(&t).ok());
    let client_key = match &claims {
        Some(c) => format!("{}:rl:sub:{}", state.settings.cache_prefix, c.sub),
        None => format!(
            "{}:rl:ip:{}",
            state.settings.cache_prefix,
            req.peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default()
        ),
    };
    let tenant = claims.as_ref().and_then(|c| c.tid.clone());
    if let Some(c) = claims {
        req.extensions_mut().insert(VerifiedClaims(c));
    }
    let limit = u64::from(state.settings.rate_limit_per_minute);
    let (count, reset) = state.cache.hit(&client_key, WINDOW).await;
    let mut over = (count > limit).then_some(reset);
    if let (None, Some(t)) = (over, tenant) {
        let tenant_limit = u64::from(state.settings.tenant_rate_limit_per_minute);
        let (n, r) = state
            .cache
            .hit(
                &format!("{}:rl:ten:{t}", state.settings.cache_prefix),
                WINDOW,
            )
            .await;
        if n > tenant_limit {
            over = Some(r);
        }
    }
    let remaining = limit.saturating_sub(count);
    let headers = [
        ("ratelimit-limit", limit.to_string()),
        ("ratelimit-remaining", remaining.to_string()),
        ("ratelimit-reset", reset.to_string()),
    ];
    let mut res = match over {
        Some(retry_after) => {
            let resp = ApiError::TooManyRequests { retry_after }.error_response();
            req.into_response(resp).map_into_right_body()
        }
        None => next.call(req).await?.map_into_left_body(),
    };
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    Ok(res)
}
