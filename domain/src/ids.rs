//! Opaque, time-sortable identifiers with a type prefix (`org_01j…`).
//!
//! Each kind of id is its own type, so a user id can never be passed where an organisation id is
//! expected. The textual form is the prefix, an underscore and a lower-case ULID: sorting the
//! strings sorts by creation time, which gives lists a stable order for cursor pagination.

use std::fmt;
use std::str::FromStr;

/// The reason an id failed to parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id")]
pub struct InvalidId {
    /// The kind of id that was expected, e.g. `organisation`.
    pub kind: &'static str,
}

/// The next ULID from a process-wide monotonic generator: within one millisecond ids still sort
/// in the order they were made, so lists in id order (audit entries above all) are in creation
/// order. Should the random part overflow within a millisecond, a fresh random ULID is used.
fn next_ulid() -> ulid::Ulid {
    use std::sync::{Mutex, OnceLock};
    static GENERATOR: OnceLock<Mutex<ulid::Generator>> = OnceLock::new();
    let generator = GENERATOR.get_or_init(|| Mutex::new(ulid::Generator::new()));
    let mut g = generator.lock().unwrap_or_else(|p| p.into_inner());
    g.generate().unwrap_or_else(|_| ulid::Ulid::new())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix that marks this kind of id.
            pub const PREFIX: &'static str = $prefix;

            /// A new id, unique and later-sorting than ids made before it in this process.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(format!("{}_{}", $prefix, next_ulid().to_string().to_lowercase()))
            }

            /// Parses the textual form, rejecting any other prefix or a malformed ULID.
            pub fn parse(s: &str) -> Result<Self, InvalidId> {
                let err = InvalidId { kind: $kind };
                let rest = s
                    .strip_prefix($prefix)
                    .and_then(|r| r.strip_prefix('_'))
                    .ok_or(err.clone())?;
                if rest.len() != 26 || rest.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(err);
                }
                ulid::Ulid::from_string(rest).map_err(|_| err)?;
                Ok(Self(s.to_owned()))
            }

            /// The textual form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A tenant: a local authority, trust or hub. The data boundary.
    TenantId, "ten", "tenant"
);
id_type!(
    /// A school or another partner organisation.
    OrganisationId, "org", "organisation"
);
id_type!(
    /// A person who signs in to one tenant.
    UserId, "usr", "user"
);
id_type!(
    /// A third-party frontend's client credential.
    ApiClientId, "cli", "API client"
);
id_type!(
    /// An operator of the whole platform.
    PlatformAdminId, "pad", "platform admin"
);
id_type!(
    /// A refresh token (the id half; the secret half is never stored).
    RefreshTokenId, "rtk", "refresh token"
);
id_type!(
    /// A partnership of schools and partners.
    PartnershipId, "prt", "partnership"
);
id_type!(
    /// One stint of an organisation in a partnership, from invitation to leaving.
    MemberId, "mem", "membership"
);
id_type!(
    /// An agreement (MOU, terms of reference or data-sharing agreement).
    AgreementId, "agr", "agreement"
);
id_type!(
    /// A school's data-sharing consent.
    ConsentId, "cns", "consent"
);
id_type!(
    /// One read of another school's named data.
    AccessId, "acc", "access record"
);
id_type!(
    /// An evaluation framework.
    FrameworkId, "fwk", "framework"
);
id_type!(
    /// One evaluation cycle (a term) of a partnership.
    CycleId, "cyc", "cycle"
);
id_type!(
    /// One change-audit entry.
    AuditId, "aud", "audit entry"
);
id_type!(
    /// One HTTP request, for logs and audit.
    RequestId, "req", "request"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_round_trip_and_sort_by_creation() {
        let a = OrganisationId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = OrganisationId::new();
        assert!(a.as_str().starts_with("org_"));
        assert_eq!(OrganisationId::parse(a.as_str()), Ok(a.clone()));
        assert!(a < b);
    }

    #[test]
    fn ids_made_in_one_millisecond_still_sort_in_order() {
        let ids: Vec<AuditId> = (0..1000).map(|_| AuditId::new()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids sort in the order they were made"
        );
    }

    #[test]
    fn wrong_prefix_or_malformed_is_rejected() {
        let user = UserId::new();
        assert!(OrganisationId::parse(user.as_str()).is_err());
        assert!(OrganisationId::parse("org_").is_err());
        assert!(OrganisationId::parse("org_not-a-ulid-at-all-0000000").is_err());
        assert!(OrganisationId::parse(&user.as_str().to_uppercase()).is_err());
        assert!(OrganisationId::parse("").is_err());
    }
}
