//! What can go wrong in the store, in terms the API can map to a status.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or a connection could not be had in time (503).
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A uniqueness or foreign-key constraint refused the write; names the constraint.
    #[error("the write conflicts with existing data ({0})")]
    Conflict(String),
    /// A stored value could not be read back as a domain value.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database role could escape row-level security; says why and what to do.
    #[error("unsafe database role: {0}")]
    Insecure(String),
    /// Any other database error.
    #[error("database error")]
    Query(#[source] DieselError),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(constraint(&*info))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StoreError::Conflict(constraint(&*info))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                StoreError::Unavailable(Box::new(e))
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if is_connection_failure(info.message()) =>
            {
                StoreError::Unavailable(Box::new(e))
            }
            other => StoreError::Query(other),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(Box::new(e))
    }
}

/// PostgreSQL names the constraint; SQLite only says which columns, in the message.
fn constraint(info: &dyn diesel::result::DatabaseErrorInformation) -> String {
    info.constraint_name()
        .map(str::to_owned)
        .unwrap_or_else(|| info.message().to_owned())
}

fn is_connection_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "server closed the connection",
        "connection to server",
        "terminating connection",
        "could not connect",
        "no connection to the server",
        "the database system is",
        "database is locked",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// Shorthand for results of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Turns a stored text back into a domain value, or reports corruption.
pub(crate) fn parse<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
