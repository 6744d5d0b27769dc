//! Collecting every validation failure of a request, each with a JSON pointer to its field.

use std::fmt;

/// One invalid field: where it is (an RFC 6901 JSON pointer) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field, e.g. `/urn` or `/memberships/0/role`.
    pub pointer: String,
    /// A stable machine code, e.g. `invalid_urn`, `required`.
    pub code: &'static str,
    /// A sentence for a person.
    pub detail: String,
}

/// Every field error found in one input. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation(pub Vec<FieldError>);

impl Validation {
    /// Records an error at `pointer`.
    pub fn push(
        &mut self,
        pointer: impl Into<String>,
        code: &'static str,
        detail: impl fmt::Display,
    ) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            code,
            detail: detail.to_string(),
        });
    }

    /// Parses `raw` with `parse`, recording the failure at `pointer`; `None` if it failed.
    pub fn check<T, E: ValueError>(&mut self, pointer: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(pointer, e.code(), &e);
                None
            }
        }
    }

    /// `Ok(value)` if nothing was recorded, else every error.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Validation> {
        if self.0.is_empty() {
            value().ok_or(self)
        } else {
            Err(self)
        }
    }

    /// True when no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An error from a value type's constructor, with a stable machine code.
pub trait ValueError: fmt::Display {
    /// e.g. `invalid_urn`.
    fn code(&self) -> &'static str;
}
