//! Concord's domain: the types and rules that do not depend on how Concord is stored or served.
//!
//! Nothing in this crate performs I/O. Values are parsed once at the edge ("parse, don't
//! validate") and then carried as types that cannot hold an invalid value; the visibility rules
//! live in [`authz`] as one pure function so that they can be tested as a table.

pub mod agreement;
pub mod authz;
pub mod consent;
pub mod evaluation;
pub mod framework;
pub mod ids;
pub mod organisation;
pub mod partnership;
pub mod tenant;
pub mod user;
pub mod validation;
pub mod values;

pub use ids::*;
pub use validation::{FieldError, Validation};
