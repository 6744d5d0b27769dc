//! Organisations: schools and the other partners of a partnership.

use chrono::{DateTime, Utc};

use crate::ids::OrganisationId;
use crate::values::{LaCode, Name, Urn};

crate::choice!(
    /// A school's phase of education.
    Phase {
        /// Nursery.
        Nursery = "nursery",
        /// Primary (including infant and junior).
        Primary = "primary",
        /// Middle (deemed primary or secondary).
        Middle = "middle",
        /// Secondary.
        Secondary = "secondary",
        /// All-through.
        AllThrough = "all_through",
        /// Sixteen plus.
        SixteenPlus = "sixteen_plus",
        /// Not applicable (e.g. some special schools).
        NotApplicable = "not_applicable",
    }
);

crate::choice!(
    /// A school's type, in the DfE's broad groups.
    SchoolType {
        /// Local-authority maintained.
        State = "state",
        /// Academy.
        Academy = "academy",
        /// Independent.
        Independent = "independent",
        /// Special school.
        Special = "special",
        /// Free school.
        Free = "free",
    }
);

crate::choice!(
    /// What kind of partner a non-school organisation is.
    PartnerKind {
        /// A university.
        University = "university",
        /// A business.
        Business = "business",
        /// A local authority.
        LocalAuthority = "local_authority",
        /// A charity.
        Charity = "charity",
        /// A further-education college.
        College = "college",
        /// Anything else.
        Other = "other",
    }
);

crate::choice!(
    /// Whether an organisation is in use.
    OrganisationStatus {
        /// In use.
        Active = "active",
        /// Kept for history; cannot join new partnerships.
        Archived = "archived",
    }
);

/// The facts that make a school a school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolDetails {
    /// Unique in the tenant.
    pub urn: Urn,
    /// Phase of education.
    pub phase: Phase,
    /// Broad type.
    pub school_type: SchoolType,
    /// The local authority it sits in.
    pub la_code: LaCode,
}

/// A school, or another kind of partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationKind {
    /// A school.
    School(SchoolDetails),
    /// A non-school partner.
    Partner(PartnerKind),
}

/// An organisation as stored.
#[derive(Debug, Clone)]
pub struct Organisation {
    /// Its id.
    pub id: OrganisationId,
    /// Display name.
    pub name: Name,
    /// School or partner, with the facts of each.
    pub kind: OrganisationKind,
    /// Active or archived.
    pub status: OrganisationStatus,
    /// Increases by one at every change; the ETag.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new organisation, validated.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    /// Display name.
    pub name: Name,
    /// School or partner.
    pub kind: OrganisationKind,
}

/// A change to an organisation; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganisationChanges {
    /// New name.
    pub name: Option<Name>,
    /// New phase (schools only).
    pub phase: Option<Phase>,
    /// New type (schools only).
    pub school_type: Option<SchoolType>,
    /// New LA code (schools only).
    pub la_code: Option<LaCode>,
    /// New partner kind (partners only).
    pub partner_kind: Option<PartnerKind>,
}

impl Organisation {
    /// Applies `changes`, refusing school fields on a partner and the reverse.
    pub fn apply(&mut self, changes: OrganisationChanges) -> Result<(), crate::Validation> {
        let mut v = crate::Validation::default();
        match &mut self.kind {
            OrganisationKind::School(s) => {
                if changes.partner_kind.is_some() {
                    v.push(
                        "/partner_kind",
                        "not_applicable",
                        "a school has no partner kind",
                    );
                }
                if let Some(p) = changes.phase {
                    s.phase = p;
                }
                if let Some(t) = changes.school_type {
                    s.school_type = t;
                }
                if let Some(la) = changes.la_code {
                    s.la_code = la;
                }
            }
            OrganisationKind::Partner(k) => {
                for (field, set) in [
                    ("/phase", changes.phase.is_some()),
                    ("/school_type", changes.school_type.is_some()),
                    ("/la_code", changes.la_code.is_some()),
                ] {
                    if set {
                        v.push(field, "not_applicable", "only a school has this field");
                    }
                }
                if let Some(pk) = changes.partner_kind {
                    *k = pk;
                }
            }
        }
        if let Some(n) = changes.name {
            self.name = n;
        }
        if v.is_empty() {
            Ok(())
        } else {
            Err(v)
        }
    }
}
