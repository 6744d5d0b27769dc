//! Authentication and authorisation at the edge.
//!
//! [`Auth`] authenticates: it verifies the bearer token and loads the principal's current facts
//! (tenant status, user status, roles, client scopes) from the database on every request, so a
//! suspended tenant, a deactivated user or a revoked client stops working at once. It records
//! the tenant and principal on the request's span. [`Authorized`] then asks
//! [`domain::authz::decide`] about a collection-level permission; item-level questions go
//! through [`Auth::authorize`] once the item is known. No handler inspects roles itself.

pub mod keys;
pub mod permissions;
pub mod secrets;
pub mod tokens;

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use domain::authz::{
    decide, Action, ClientPrincipal, Decision, Principal, Resource, UserPrincipal,
};
use domain::tenant::TenantStatus;
use domain::{ApiClientId, PlatformAdminId, TenantId, UserId};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The claims of a Concord access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Subject: a user (`usr_…`), API client (`cli_…`) or platform admin (`pad_…`) id.
    pub sub: String,
    /// The subject's tenant; absent for a platform admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Claims already verified by the rate-limit middleware, so the extractor needn't verify again.
#[derive(Debug, Clone)]
pub struct VerifiedClaims(pub Claims);

/// The authenticated principal.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl Auth {
    /// Asks the visibility function; `Err` is 403 (or 404 when the rule hides the resource).
    pub fn authorize(&self, action: Action, resource: Resource<'_>) -> ApiResult<()> {
        match decide(&self.0, action, resource) {
            Decision::Allow => Ok(()),
            other => Err(other.into()),
        }
    }

    /// The principal's tenant; 403 for a platform admin.
    pub fn tenant(&self) -> ApiResult<&TenantId> {
        self.0
            .tenant()
            .ok_or(ApiError::Forbidden("platform_admin_has_no_tenant_data"))
    }
}

/// The token of an `Authorization: Bearer <token>` header; 401 when absent or malformed.
pub fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthenticated("an Authorization: Bearer token is required".into())
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is malformed".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::Unauthenticated(
            "the Authorization header must be 'Bearer <token>'".into(),
        )),
    }
}

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::Unauthenticated(detail.into())
}

async fn load_principal(state: &AppState, claims: Claims) -> ApiResult<Principal> {
    let tenant = claims
        .tid
        .as_deref()
        .map(TenantId::parse)
        .transpose()
        .map_err(|_| unauthenticated("the token names no valid tenant"))?;
    let sub = claims.sub;
    if sub.starts_with(PlatformAdminId::PREFIX) {
        let id = PlatformAdminId::parse(&sub).map_err(|_| unauthenticated("invalid subject"))?;
        if tenant.is_some() {
            return Err(unauthenticated("invalid subject"));
        }
        let check = id.clone();
        let exists = state
            .db
            .platform(move |tx| Ok(tx.platform_admin_exists(&check)?))
            .await?;
        return if exists {
            Ok(Principal::PlatformAdmin { id })
        } else {
            Err(unauthenticated("the platform admin no longer exists"))
        };
    }
    let tenant = tenant.ok_or_else(|| unauthenticated("the token names no tenant"))?;
    if sub.starts_with(UserId::PREFIX) {
        let id = UserId::parse(&sub).map_err(|_| unauthenticated("invalid subject"))?;
        let check = id.clone();
        let facts = state
            .db
            .read(&tenant, move |tx| Ok(tx.user_principal(&check)?))
            .await?;
        match facts {
            Some(f) if f.tenant_status == TenantStatus::Active => {
                Ok(Principal::User(UserPrincipal {
                    tenant,
                    id,
                    tenant_admin: f.tenant_admin,
                    memberships: f.memberships,
                }))
            }
            Some(_) => Err(unauthenticated("the tenant is suspended")),
            None => Err(unauthenticated("the user is not active")),
        }
    } else if sub.starts_with(ApiClientId::PREFIX) {
        let id = ApiClientId::parse(&sub).map_err(|_| unauthenticated("invalid subject"))?;
        let check = id.clone();
        let scopes = state
            .db
            .read(&tenant, move |tx| Ok(tx.client_principal(&check)?))
            .await?;
        match scopes {
            Some(scopes) => Ok(Principal::ApiClient(ClientPrincipal { tenant, id, scopes })),
            None => Err(unauthenticated(
                "the API client is revoked or its tenant suspended",
            )),
        }
    } else {
        Err(unauthenticated("invalid subject"))
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = req.extensions().get::<VerifiedClaims>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let claims = match verified {
                Some(VerifiedClaims(c)) => c,
                None => state
                    .keys
                    .verify::<Claims>(&token?)
                    .map_err(ApiError::Unauthenticated)?,
            };
            let principal = load_principal(&state, claims).await?;
            let span = tracing::Span::current();
            span.record("principal_id", principal.id_str());
            if let Some(t) = principal.tenant() {
                span.record("tenant_id", t.as_str());
            }
            Ok(Auth(principal))
        })
    }
}

/// A collection-level permission, decided before the handler runs.
pub trait Permission {
    /// The action.
    const ACTION: Action;
    /// The resource kind.
    fn resource() -> Resource<'static>;
}

/// An authenticated principal that holds permission `P`.
pub struct Authorized<P> {
    /// Who.
    pub auth: Auth,
    _p: PhantomData<P>,
}

impl<P> std::ops::Deref for Authorized<P> {
    type Target = Auth;
    fn deref(&self) -> &Auth {
        &self.auth
    }
}

impl<P: Permission + 'static> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Auth::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            auth.authorize(P::ACTION, P::resource())?;
            Ok(Authorized {
                auth,
                _p: PhantomData,
            })
        })
    }
}
