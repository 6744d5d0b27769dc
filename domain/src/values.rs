//! Small value types with private fields and fallible constructors.

use std::fmt;

use crate::validation::ValueError;

macro_rules! value_error {
    ($name:ident, $code:literal) => {
        #[doc = concat!("Why a value was refused (`", $code, "`).")]
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{0}")]
        pub struct $name(pub String);
        impl ValueError for $name {
            fn code(&self) -> &'static str {
                $code
            }
        }
    };
}

value_error!(InvalidName, "invalid_name");
value_error!(InvalidUrn, "invalid_urn");
value_error!(InvalidLaCode, "invalid_la_code");
value_error!(InvalidEmail, "invalid_email");
value_error!(InvalidSlug, "invalid_slug");
value_error!(InvalidPassword, "weak_password");
value_error!(InvalidChoice, "invalid_choice");

macro_rules! string_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);
        impl $name {
            /// The value as text.
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
                fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

string_value!(
    /// A display name: trimmed, 1–200 characters, no control characters.
    Name
);
impl Name {
    /// The longest name accepted, in characters.
    pub const MAX: usize = 200;
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(InvalidName("must not be empty".into()));
        }
        if t.chars().count() > Self::MAX {
            return Err(InvalidName(format!(
                "must be at most {} characters",
                Self::MAX
            )));
        }
        if t.chars().any(char::is_control) {
            return Err(InvalidName("must not contain control characters".into()));
        }
        Ok(Self(t.to_owned()))
    }
}

string_value!(
    /// A school's Unique Reference Number from the DfE's register (GIAS): six digits, 100000–999999.
    Urn
);
impl Urn {
    /// Parses a URN.
    pub fn parse(raw: &str) -> Result<Self, InvalidUrn> {
        let t = raw.trim();
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) || t.starts_with('0') {
            return Err(InvalidUrn("must be six digits, 100000 to 999999".into()));
        }
        Ok(Self(t.to_owned()))
    }
}

string_value!(
    /// A local authority code as the DfE numbers them: three digits (e.g. `202`).
    LaCode
);
impl LaCode {
    /// Parses a local authority code.
    pub fn parse(raw: &str) -> Result<Self, InvalidLaCode> {
        let t = raw.trim();
        if t.len() != 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidLaCode("must be three digits".into()));
        }
        Ok(Self(t.to_owned()))
    }
}

string_value!(
    /// An email address, lower-cased. Checked for shape only; delivery is not Concord's concern.
    EmailAddress
);
impl EmailAddress {
    /// Parses an email address.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let t = raw.trim().to_lowercase();
        let bad = || InvalidEmail("must be an email address such as head@school.example".into());
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|l| !l.is_empty() && l.len() <= 63);
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(t))
    }
}

string_value!(
    /// A tenant's short name, used to sign in: `a-z`, `0-9` and `-`, 3–63 characters.
    Slug
);
impl Slug {
    /// Parses a slug.
    pub fn parse(raw: &str) -> Result<Self, InvalidSlug> {
        let t = raw.trim();
        let ok = (3..=63).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !t.starts_with('-')
            && !t.ends_with('-');
        if !ok {
            return Err(InvalidSlug(
                "must be 3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
                    .into(),
            ));
        }
        Ok(Self(t.to_owned()))
    }
}

/// A password a person chose: 12 to 1024 characters. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);
impl Password {
    /// The fewest characters accepted.
    pub const MIN: usize = 12;
    /// Parses a new password.
    pub fn parse(raw: &str) -> Result<Self, InvalidPassword> {
        let n = raw.chars().count();
        if n < Self::MIN {
            return Err(InvalidPassword(format!(
                "must be at least {} characters",
                Self::MIN
            )));
        }
        if n > 1024 {
            return Err(InvalidPassword("must be at most 1024 characters".into()));
        }
        Ok(Self(raw.to_owned()))
    }
    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Declares a closed set of snake_case choices with parsing and text conversion.
#[macro_export]
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // utoipa cannot read a `serde(rename)` whose value comes from a macro argument; every
        // choice that appears in a schema is the snake_case of its variant.
        #[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }
        impl $name {
            /// Every choice, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stored and serialised text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Parses the text form.
            pub fn parse(raw: &str) -> Result<Self, $crate::values::InvalidChoice> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::values::InvalidChoice(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_is_six_digits_without_leading_zero() {
        assert_eq!(
            Urn::parse(" 137220 ").map(|u| u.to_string()),
            Ok("137220".into())
        );
        for bad in ["", "12345", "1234567", "012345", "13722a", "１３７２２０"] {
            assert!(Urn::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn la_code_is_three_digits() {
        assert!(LaCode::parse("202").is_ok());
        assert!(LaCode::parse("20").is_err());
        assert!(LaCode::parse("2021").is_err());
        assert!(LaCode::parse("abc").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  Hill Primary ").map(|n| n.to_string()),
            Ok("Hill Primary".into())
        );
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
        assert!(Name::parse("a\u{0}b").is_err());
        assert!(Name::parse(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn emails_are_lowercased_and_shape_checked() {
        assert_eq!(
            EmailAddress::parse("Head@Hill.Sch.UK").map(|e| e.to_string()),
            Ok("head@hill.sch.uk".into())
        );
        for bad in [
            "",
            "head",
            "head@",
            "@hill.uk",
            "head@hill",
            "he ad@hill.uk",
            "a@b@c.uk",
            "a@.uk",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn slugs_are_lowercase_words() {
        assert!(Slug::parse("north-shire").is_ok());
        for bad in ["ab", "North", "-north", "north-", "nor th", "nörth"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_never_print() {
        assert!(Password::parse("short").is_err());
        let p = Password::parse("correct horse battery").expect("valid");
        assert_eq!(format!("{p:?}"), "Password(***)");
    }

    choice!(Colour { Red = "red", DarkBlue = "dark_blue" });

    #[test]
    fn choices_parse_their_text_only() {
        assert_eq!(Colour::parse("dark_blue"), Ok(Colour::DarkBlue));
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::DarkBlue]);
        let err = Colour::parse("DarkBlue").expect_err("not a choice");
        assert!(err.0.contains("red, dark_blue"));
    }
}
