//! `GET /v1/me`: who the caller is.

use actix_web::{get, web, HttpResponse};
use domain::authz::Principal;
use domain::user::User;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The caller's tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeTenant {
    /// Tenant id.
    pub id: String,
    /// Sign-in slug.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// A role the caller holds in an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeMembership {
    /// The organisation.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// `head`, `leader`, `staff` or `governor`.
    pub role: String,
}

/// Who the caller is, with their tenant and roles.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "kind": "user", "id": "usr_01jd3k6q9y2m8x4n7v5b0c1t2r",
    "tenant": { "id": "ten_01jd3k6q9y2m8x4n7v5b0c1t2s", "slug": "north-shire", "name": "North Shire Council" },
    "email": "head@hill.example", "name": "Harriet Head", "tenant_admin": false,
    "memberships": [{ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "organisation_name": "Hill Primary School", "role": "head" }]
}))]
pub struct Me {
    /// `user`, `api_client` or `platform_admin`.
    pub kind: &'static str,
    /// The principal's id.
    pub id: String,
    /// The tenant (absent for a platform admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<MeTenant>,
    /// Users: sign-in email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Users and clients: display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Users: holds `tenant_admin`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_admin: Option<bool>,
    /// Users: roles in organisations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memberships: Option<Vec<MeMembership>>,
    /// API clients: granted scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

fn user_me(user: User, tenant: MeTenant, names: Vec<(String, String)>) -> Me {
    let name_of = |id: &str| crate::routes::name_in(&names, id);
    Me {
        kind: "user",
        id: user.id.to_string(),
        tenant: Some(tenant),
        email: Some(user.email.to_string()),
        name: Some(user.name.to_string()),
        tenant_admin: Some(user.tenant_admin),
        memberships: Some(
            user.memberships
                .iter()
                .map(|m| MeMembership {
                    organisation_id: m.organisation_id.to_string(),
                    organisation_name: name_of(m.organisation_id.as_str()),
                    role: m.role.as_str().into(),
                })
                .collect(),
        ),
        scopes: None,
    }
}

/// Who am I: my identity, my tenant and my roles.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, description = "The caller", body = Me),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    auth.authorize(domain::authz::Action::Read, domain::authz::Resource::Me)?;
    let me = match auth.0 {
        Principal::PlatformAdmin { id } => Me {
            kind: "platform_admin",
            id: id.to_string(),
            tenant: None,
            email: None,
            name: None,
            tenant_admin: None,
            memberships: None,
            scopes: None,
        },
        Principal::User(u) => {
            let id = u.id.clone();
            state
                .db
                .read(&u.tenant, move |tx| {
                    let t = tx.current_tenant()?;
                    let user = tx.user(&id)?.ok_or(ApiError::Unauthenticated(
                        "the user no longer exists".into(),
                    ))?;
                    let mut names = Vec::new();
                    for m in &user.memberships {
                        if let Some(o) = tx.organisation(&m.organisation_id)? {
                            names.push((o.id.to_string(), o.name.to_string()));
                        }
                    }
                    let tenant = MeTenant {
                        id: t.id.to_string(),
                        slug: t.slug.to_string(),
                        name: t.name.to_string(),
                    };
                    Ok(user_me(user, tenant, names))
                })
                .await?
        }
        Principal::ApiClient(c) => {
            let id = c.id.clone();
            let scopes = c.scopes.iter().map(|s| s.as_str().to_owned()).collect();
            state
                .db
                .read(&c.tenant, move |tx| {
                    let t = tx.current_tenant()?;
                    let client = tx.api_client(&id)?.ok_or(ApiError::Unauthenticated(
                        "the client no longer exists".into(),
                    ))?;
                    Ok(Me {
                        kind: "api_client",
                        id: id.to_string(),
                        tenant: Some(MeTenant {
                            id: t.id.to_string(),
                            slug: t.slug.to_string(),
                            name: t.name.to_string(),
                        }),
                        email: None,
                        name: Some(client.name.to_string()),
                        tenant_admin: None,
                        memberships: None,
                        scopes: Some(scopes),
                    })
                })
                .await?
        }
    };
    Ok(HttpResponse::Ok().json(me))
}
