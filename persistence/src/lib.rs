//! Concord's storage: one diesel code base over PostgreSQL and SQLite.
//!
//! The schema and row structs are private to this crate; callers see domain types. Tenant data
//! is reached only through [`Store::read`]/[`Store::write`], which scope every query to one
//! tenant (see [`store`]).

mod connection;
mod error;
mod schema;
pub mod seed;
pub mod store;

mod agreements;
mod api_clients;
mod audit;
mod consents;
mod evaluations;
mod idempotency;
mod organisations;
mod partnerships;
mod platform;
mod refresh_tokens;
mod users;

pub use agreements::AgreementFilter;
pub use api_clients::{ApiClient, ClientCredential, NewApiClient};
pub use audit::{AuditEvent, AuditFilter, NewAuditEvent};
pub use connection::{
    establish, migrate, revert_all, sqlite_path, with_database, with_user, Backend, DbConnection,
};
pub use consents::{AccessEvent, AccessFilter, ConsentFilter};
pub use error::{StoreError, StoreResult};
pub use idempotency::{is_key_conflict, IdempotencyRecord, Prior, StoredResponse};
pub use organisations::OrganisationFilter;
pub use partnerships::{Invitation, PartnershipFilter};
pub use platform::PlatformAdminCredential;
pub use refresh_tokens::RefreshToken;
pub use store::{now, Page, PlatformTx, Store, StoreOptions, Tx};
pub use users::{PrincipalFacts, UserCredential, UserFilter};

#[cfg(feature = "test-support")]
pub mod test_support;
