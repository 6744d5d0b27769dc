//! User request and response bodies.

use chrono::{DateTime, Utc};
use domain::user::{Membership, NewUser, OrgRole, User, UserChanges};
use domain::values::{EmailAddress, Name, Password};
use domain::{OrganisationId, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role in an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipDto {
    /// The organisation, `org_…`.
    pub organisation_id: String,
    /// `head`, `leader`, `staff` or `governor`.
    pub role: String,
}

/// Create a user: with a password (active at once) or without (invited: the response carries an
/// `invitation_token` to pass on, which they redeem at `POST /v1/auth/invitations/accept`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "head@hill.example", "name": "Harriet Head", "password": "correct horse battery",
    "memberships": [{ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "role": "head" }]
}))]
pub struct CreateUserRequest {
    /// Sign-in email, unique in the tenant.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Grant the tenant-level `tenant_admin` role.
    #[serde(default)]
    pub tenant_admin: bool,
    /// Roles in organisations (one per organisation).
    #[serde(default)]
    pub memberships: Vec<MembershipDto>,
    /// At least 12 characters; omit to invite instead.
    pub password: Option<String>,
}

/// Validates memberships: each organisation id well-formed and named once, each role known.
pub fn parse_memberships(v: &mut Validation, raw: &[MembershipDto]) -> Option<Vec<Membership>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, m) in raw.iter().enumerate() {
        let org = v.check(
            &format!("/memberships/{i}/organisation_id"),
            OrganisationId::parse(&m.organisation_id)
                .map_err(|e| domain::values::InvalidChoice(e.to_string())),
        );
        let role = v.check(&format!("/memberships/{i}/role"), OrgRole::parse(&m.role));
        match (org, role) {
            (Some(organisation_id), Some(role)) => {
                if out
                    .iter()
                    .any(|x: &Membership| x.organisation_id == organisation_id)
                {
                    v.push(
                        format!("/memberships/{i}/organisation_id"),
                        "duplicate",
                        "one role per organisation",
                    );
                    ok = false;
                } else {
                    out.push(Membership {
                        organisation_id,
                        role,
                    });
                }
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

impl CreateUserRequest {
    /// Validates every field.
    pub fn try_into_domain(self) -> Result<(NewUser, Option<Password>), Validation> {
        let mut v = Validation::default();
        let email = v.check("/email", EmailAddress::parse(&self.email));
        let name = v.check("/name", Name::parse(&self.name));
        let memberships = parse_memberships(&mut v, &self.memberships);
        let password = match &self.password {
            Some(p) => v.check("/password", Password::parse(p)).map(Some),
            None => Some(None),
        };
        v.finish(|| {
            Some((
                NewUser {
                    email: email?,
                    name: name?,
                    tenant_admin: self.tenant_admin,
                    memberships: memberships?,
                },
                password?,
            ))
        })
    }
}

/// Change a user's name, tenant role or organisation roles (`memberships` replaces them all).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "memberships": [{ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "role": "leader" }] }))]
pub struct UpdateUserRequest {
    /// New display name.
    pub name: Option<String>,
    /// Grant or remove `tenant_admin`.
    pub tenant_admin: Option<bool>,
    /// The user's complete set of organisation roles.
    pub memberships: Option<Vec<MembershipDto>>,
}

impl UpdateUserRequest {
    /// Validates every present field.
    pub fn try_into_domain(self) -> Result<UserChanges, Validation> {
        let mut v = Validation::default();
        let name = self
            .name
            .as_deref()
            .map(|n| v.check("/name", Name::parse(n)));
        let memberships = self
            .memberships
            .as_deref()
            .map(|m| parse_memberships(&mut v, m));
        v.finish(|| {
            Some(UserChanges {
                name: name.flatten(),
                tenant_admin: self.tenant_admin,
                memberships: memberships.flatten(),
            })
        })
    }
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Opaque id, `usr_…`.
    pub id: String,
    /// Sign-in email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Holds `tenant_admin`.
    pub tenant_admin: bool,
    /// `invited`, `active` or `deactivated`.
    pub status: String,
    /// Roles in organisations.
    pub memberships: Vec<MembershipDto>,
    /// Increases at every change; the `ETag` is `"v<version>"`.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id.to_string(),
            email: u.email.to_string(),
            name: u.name.to_string(),
            tenant_admin: u.tenant_admin,
            status: u.status.as_str().into(),
            memberships: u
                .memberships
                .iter()
                .map(|m| MembershipDto {
                    organisation_id: m.organisation_id.to_string(),
                    role: m.role.as_str().into(),
                })
                .collect(),
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A user just created; an invited user's `invitation_token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserDto {
    /// The user.
    #[serde(flatten)]
    pub user: UserDto,
    /// For an invited user: pass it on; it is redeemed at `POST /v1/auth/invitations/accept`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_token: Option<String>,
}
