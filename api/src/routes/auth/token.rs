use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use domain::tenant::TenantStatus;
use domain::user::UserStatus;
use domain::{ApiClientId, TenantId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::secrets::{constant_time_eq, sha256_hex, verify_dummy, verify_password};
use crate::auth::tokens::{access_token, parse_refresh_token, store_refresh_token, TokenResponse};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::form_or_json;
use crate::state::AppState;

/// A token request (RFC 6749), as `application/x-www-form-urlencoded` or JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({
    "grant_type": "password", "username": "head@hill.example",
    "password": "correct horse battery", "tenant": "north-shire"
}))]
pub struct TokenRequest {
    /// `password`, `refresh_token` or `client_credentials`.
    pub grant_type: Option<String>,
    /// Password grant: the email.
    pub username: Option<String>,
    /// Password grant: the password.
    pub password: Option<String>,
    /// Password grant: the tenant's slug. Omit it to sign in as a platform admin.
    pub tenant: Option<String>,
    /// Refresh grant: the refresh token.
    pub refresh_token: Option<String>,
    /// Client credentials: the client id (or use HTTP Basic).
    pub client_id: Option<String>,
    /// Client credentials: the secret (or use HTTP Basic).
    pub client_secret: Option<String>,
}

fn oauth(status: StatusCode, error: &'static str, detail: &str) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        detail: detail.into(),
    }
}

fn invalid_grant(detail: &str) -> ApiError {
    oauth(StatusCode::UNAUTHORIZED, "invalid_grant", detail)
}

fn invalid_request(detail: &str) -> ApiError {
    oauth(StatusCode::BAD_REQUEST, "invalid_request", detail)
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Exchange a password, a refresh token or client credentials for tokens.
///
/// Refused credentials are 401 with the OAuth `error` (`invalid_grant`, `invalid_client`);
/// a malformed request is 400 (`invalid_request`, `unsupported_grant_type`).
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 400, description = "Malformed request or unsupported grant", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Credentials refused", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither form nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let mut form: TokenRequest = form_or_json(&req, &mut payload, 16 * 1024).await?;
    if let Some((id, secret)) = basic_credentials(req.headers()) {
        form.client_id = Some(id);
        form.client_secret = Some(secret);
    }
    let response = match form.grant_type.as_deref() {
        Some("password") => password_grant(&state, form).await?,
        Some("refresh_token") => refresh_grant(&state, form).await?,
        Some("client_credentials") => client_grant(&state, form).await?,
        Some(_) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be password, refresh_token or client_credentials",
            ))
        }
        None => return Err(invalid_request("grant_type is required")),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}

async fn password_grant(
    state: &web::Data<AppState>,
    form: TokenRequest,
) -> ApiResult<TokenResponse> {
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return Err(invalid_request("username and password are required"));
    };
    let email = username.trim().to_lowercase();
    let refused = || invalid_grant("the email, password or tenant is not right");
    let (subject, tenant) = match form.tenant {
        None => {
            let cred = state
                .db
                .platform(move |tx| Ok(tx.platform_admin_by_email(&email)?))
                .await?;
            let ok = web::block(move || match cred {
                Some(c) if verify_password(&password, &c.password_hash) => Some(c.id),
                _ => {
                    verify_dummy(&password);
                    None
                }
            })
            .await?;
            (ok.ok_or_else(refused)?.to_string(), None)
        }
        Some(slug) => {
            let tenant = state
                .db
                .platform(move |tx| Ok(tx.tenant_by_slug(&slug)?))
                .await?;
            let found = match &tenant {
                Some(t) => {
                    let email = email.clone();
                    state
                        .db
                        .read(&t.id, move |tx| Ok(tx.user_credential(&email)?))
                        .await?
                }
                None => None,
            };
            let user: Option<UserId> = web::block(move || match found {
                Some(c)
                    if c.password_hash
                        .as_deref()
                        .is_some_and(|h| verify_password(&password, h)) =>
                {
                    Some((c.id, c.status))
                }
                _ => {
                    verify_dummy(&password);
                    None
                }
            })
            .await?
            .map(|(id, status)| (status == UserStatus::Active).then_some(id).ok_or(()))
            .transpose()
            .map_err(|()| invalid_grant("the user is deactivated"))?;
            let (user, tenant) = (user.ok_or_else(refused)?, tenant.ok_or_else(refused)?);
            if tenant.status != TenantStatus::Active {
                return Err(invalid_grant("the tenant is suspended"));
            }
            (user.to_string(), Some(tenant.id))
        }
    };
    issue_pair(state, subject, tenant, None).await
}

async fn issue_pair(
    state: &web::Data<AppState>,
    subject: String,
    tenant: Option<TenantId>,
    family: Option<String>,
) -> ApiResult<TokenResponse> {
    let (access, expires_in) = access_token(state, &subject, tenant.as_ref())?;
    let ttl = state.settings.refresh_token_ttl_secs;
    let refresh = state
        .db
        .platform(move |tx| store_refresh_token(tx, ttl, &subject, tenant.as_ref(), family))
        .await?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in,
        refresh_token: Some(refresh),
        scope: None,
    })
}

/// Whether the subject of a refresh token may still act.
async fn subject_active(
    state: &web::Data<AppState>,
    subject: &str,
    tenant: Option<&TenantId>,
) -> ApiResult<bool> {
    match tenant {
        None => {
            let id = domain::PlatformAdminId::parse(subject)
                .map_err(|_| invalid_grant("invalid token"))?;
            state
                .db
                .platform(move |tx| Ok(tx.platform_admin_exists(&id)?))
                .await
        }
        Some(t) => {
            let id = UserId::parse(subject).map_err(|_| invalid_grant("invalid token"))?;
            let facts = state
                .db
                .read(t, move |tx| Ok(tx.user_principal(&id)?))
                .await?;
            Ok(facts.is_some_and(|f| f.tenant_status == TenantStatus::Active))
        }
    }
}

async fn refresh_grant(
    state: &web::Data<AppState>,
    form: TokenRequest,
) -> ApiResult<TokenResponse> {
    let raw = form
        .refresh_token
        .ok_or_else(|| invalid_request("refresh_token is required"))?;
    let (id, secret) =
        parse_refresh_token(&raw).ok_or_else(|| invalid_grant("the refresh token is not valid"))?;
    let hash = sha256_hex(secret.as_bytes());
    let lookup = id.clone();
    let stored = state
        .db
        .platform(move |tx| Ok(tx.refresh_token(&lookup)?))
        .await?;
    let token = stored
        .filter(|t| constant_time_eq(&t.token_hash, &hash))
        .ok_or_else(|| invalid_grant("the refresh token is not valid"))?;
    if token.revoked {
        return Err(invalid_grant("the refresh token was revoked"));
    }
    if token.used {
        // A second use means the token leaked: end every token of this sign-in.
        let family = token.family_id.clone();
        state
            .db
            .platform(move |tx| Ok(tx.revoke_refresh_family(&family)?))
            .await?;
        tracing::warn!(family = %token.family_id, "refresh token reused; family revoked");
        return Err(invalid_grant("the refresh token was already used"));
    }
    if token.expires_at <= chrono::Utc::now() {
        return Err(invalid_grant("the refresh token has expired"));
    }
    if !subject_active(state, &token.subject_id, token.tenant.as_ref()).await? {
        return Err(invalid_grant(
            "the account is deactivated or its tenant suspended",
        ));
    }
    let won = state
        .db
        .platform(move |tx| Ok(tx.use_refresh_token(&id)?))
        .await?;
    if !won {
        let family = token.family_id.clone();
        state
            .db
            .platform(move |tx| Ok(tx.revoke_refresh_family(&family)?))
            .await?;
        return Err(invalid_grant("the refresh token was already used"));
    }
    issue_pair(state, token.subject_id, token.tenant, Some(token.family_id)).await
}

async fn client_grant(state: &web::Data<AppState>, form: TokenRequest) -> ApiResult<TokenResponse> {
    let invalid_client = || {
        oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "the client credentials are not right",
        )
    };
    let (Some(client_id), Some(secret)) = (form.client_id, form.client_secret) else {
        return Err(invalid_request("client_id and client_secret are required"));
    };
    let id = ApiClientId::parse(&client_id).map_err(|_| invalid_client())?;
    let lookup = id.clone();
    let cred = state
        .db
        .platform(move |tx| Ok(tx.client_credential(&lookup)?))
        .await?;
    let cred = web::block(move || match cred {
        Some(c) if verify_password(&secret, &c.secret_hash) => Some(c),
        _ => {
            verify_dummy(&secret);
            None
        }
    })
    .await?
    .ok_or_else(invalid_client)?;
    if !cred.usable {
        return Err(oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "the client is revoked or its tenant suspended",
        ));
    }
    let (access, expires_in) = access_token(state, id.as_str(), Some(&cred.tenant))?;
    let scope = cred
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in,
        refresh_token: None,
        scope: Some(scope),
    })
}
