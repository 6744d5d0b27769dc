//! Data-sharing consents: what a school lets others see of its named data, and the one rule
//! that decides whether a consent allows a read (DESIGN §3 rules 5–7).
//!
//! A consent is history: it is granted, and later revoked or left to expire; it is never
//! edited. [`allowing_consent`] is pure: the caller loads every fact it needs in the same
//! transaction as the data, so a revocation that has committed is seen by the very next read.

use chrono::NaiveDate;

use crate::ids::{ConsentId, OrganisationId, PartnershipId};

crate::choice!(
    /// The kinds of named school data a consent can cover.
    DataCategory {
        /// Evaluation scores.
        EvaluationScores = "evaluation_scores",
        /// Evaluation narrative: strengths and areas for development.
        EvaluationNarrative = "evaluation_narrative",
        /// Attendance.
        Attendance = "attendance",
        /// Attainment.
        Attainment = "attainment",
    }
);

crate::choice!(
    /// Who a consent is granted to.
    GranteeKind {
        /// Every qualifying member of one partnership.
        Partnership = "partnership",
        /// One organisation in the tenant.
        Organisation = "organisation",
        /// The tenant's admins.
        Tenant = "tenant",
    }
);

/// Who a consent is granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    /// A partnership the grantor is in.
    Partnership(PartnershipId),
    /// One organisation.
    Organisation(OrganisationId),
    /// The tenant's admins.
    TenantAdmins,
}

impl Grantee {
    /// Its kind.
    pub fn kind(&self) -> GranteeKind {
        match self {
            Grantee::Partnership(_) => GranteeKind::Partnership,
            Grantee::Organisation(_) => GranteeKind::Organisation,
            Grantee::TenantAdmins => GranteeKind::Tenant,
        }
    }

    /// The grantee's id, if it has one.
    pub fn id(&self) -> Option<String> {
        match self {
            Grantee::Partnership(p) => Some(p.to_string()),
            Grantee::Organisation(o) => Some(o.to_string()),
            Grantee::TenantAdmins => None,
        }
    }
}

/// A consent as granted (and perhaps revoked).
#[derive(Debug, Clone)]
pub struct Consent {
    /// Its id.
    pub id: ConsentId,
    /// The school that shares.
    pub grantor: OrganisationId,
    /// With whom.
    pub grantee: Grantee,
    /// Which categories.
    pub categories: Vec<DataCategory>,
    /// Why.
    pub purpose: String,
    /// The data-sharing agreement it rests on.
    pub dsa: Option<crate::AgreementId>,
    /// From when.
    pub valid_from: NaiveDate,
    /// Until when (inclusive).
    pub valid_until: Option<NaiveDate>,
    /// The head who granted it.
    pub granted_by: crate::UserId,
    /// When.
    pub granted_at: chrono::DateTime<chrono::Utc>,
    /// When it was revoked, by whom and why.
    pub revoked: Option<Revocation>,
}

/// The end of a consent.
#[derive(Debug, Clone)]
pub struct Revocation {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// By whom.
    pub by: crate::UserId,
    /// Why.
    pub reason: String,
}

/// What the sharing rule knows about one consent, loaded with the data it guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentFact {
    /// The consent.
    pub id: ConsentId,
    /// To whom.
    pub grantee: Grantee,
    /// Which categories.
    pub categories: Vec<DataCategory>,
    /// From when.
    pub valid_from: NaiveDate,
    /// Until when (inclusive).
    pub valid_until: Option<NaiveDate>,
    /// Whether it was revoked.
    pub revoked: bool,
    /// The DSA it rests on, if any, is in force and signed by the grantor (true when it rests on none).
    pub dsa_ok: bool,
    /// For a partnership grantee: the grantor is an active member that has signed the
    /// partnership's current terms of reference and data-sharing agreement.
    pub grantor_qualified: bool,
    /// For a partnership grantee: the members that are active and have signed the current
    /// terms of reference and data-sharing agreement (the grantee's qualified members).
    pub qualified_members: Vec<OrganisationId>,
}

/// Who is reading.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    /// The organisations the viewer holds a role in.
    pub organisations: &'a [OrganisationId],
    /// The viewer is a tenant admin.
    pub tenant_admin: bool,
}

impl ConsentFact {
    /// Whether the consent is in effect on `today`, whoever reads.
    pub fn is_active(&self, today: NaiveDate) -> bool {
        !self.revoked
            && self.valid_from <= today
            && self.valid_until.is_none_or(|u| today <= u)
            && self.dsa_ok
            && (!matches!(self.grantee, Grantee::Partnership(_)) || self.grantor_qualified)
    }

    /// The viewer's organisation this consent lets read, if any (`Some(None)` for a tenant admin).
    fn reaches(&self, viewer: &Viewer<'_>) -> Option<Option<OrganisationId>> {
        match &self.grantee {
            Grantee::Partnership(_) => viewer
                .organisations
                .iter()
                .find(|o| self.qualified_members.contains(o))
                .map(|o| Some(o.clone())),
            Grantee::Organisation(g) => viewer
                .organisations
                .iter()
                .find(|o| *o == g)
                .map(|o| Some(o.clone())),
            Grantee::TenantAdmins => viewer.tenant_admin.then_some(None),
        }
    }
}

/// The consent that lets `viewer` read `category` of the grantor's named data on `today`, and the
/// viewer's organisation it reaches (none for a tenant admin); `None` when no consent does.
pub fn allowing_consent(
    consents: &[ConsentFact],
    viewer: &Viewer<'_>,
    category: DataCategory,
    today: NaiveDate,
) -> Option<(ConsentId, Option<OrganisationId>)> {
    consents
        .iter()
        .filter(|c| c.categories.contains(&category) && c.is_active(today))
        .find_map(|c| c.reaches(viewer).map(|org| (c.id.clone(), org)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(n: u8) -> OrganisationId {
        OrganisationId::parse(&format!("org_01hx00000000000000000000{n:02}")).expect("id")
    }
    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }
    fn partnership_consent() -> ConsentFact {
        ConsentFact {
            id: ConsentId::parse("cns_01hx0000000000000000000001").expect("id"),
            grantee: Grantee::Partnership(
                PartnershipId::parse("prt_01hx0000000000000000000001").expect("id"),
            ),
            categories: vec![DataCategory::EvaluationScores],
            valid_from: day(1),
            valid_until: Some(day(30)),
            revoked: false,
            dsa_ok: true,
            grantor_qualified: true,
            qualified_members: vec![org(1), org(2)],
        }
    }

    #[test]
    fn a_qualified_partner_reads_the_covered_category_while_the_consent_lasts() {
        let viewer = Viewer {
            organisations: &[org(2)],
            tenant_admin: false,
        };
        let c = partnership_consent();
        let allowed = allowing_consent(
            std::slice::from_ref(&c),
            &viewer,
            DataCategory::EvaluationScores,
            day(23),
        );
        assert_eq!(allowed, Some((c.id.clone(), Some(org(2)))));
        for (why, fact, category, today) in [
            (
                "another category",
                c.clone(),
                DataCategory::EvaluationNarrative,
                day(23),
            ),
            (
                "before it starts",
                ConsentFact {
                    valid_from: day(24),
                    ..c.clone()
                },
                DataCategory::EvaluationScores,
                day(23),
            ),
            (
                "after it ends",
                c.clone(),
                DataCategory::EvaluationScores,
                NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            ),
            (
                "revoked",
                ConsentFact {
                    revoked: true,
                    ..c.clone()
                },
                DataCategory::EvaluationScores,
                day(23),
            ),
            (
                "its DSA is not in force",
                ConsentFact {
                    dsa_ok: false,
                    ..c.clone()
                },
                DataCategory::EvaluationScores,
                day(23),
            ),
            (
                "the grantor left or has not signed",
                ConsentFact {
                    grantor_qualified: false,
                    ..c.clone()
                },
                DataCategory::EvaluationScores,
                day(23),
            ),
            (
                "the viewer has not signed",
                ConsentFact {
                    qualified_members: vec![org(1)],
                    ..c.clone()
                },
                DataCategory::EvaluationScores,
                day(23),
            ),
        ] {
            assert_eq!(
                allowing_consent(&[fact], &viewer, category, today),
                None,
                "{why}"
            );
        }
    }

    #[test]
    fn organisation_and_tenant_grantees_reach_only_themselves() {
        let to_org = ConsentFact {
            grantee: Grantee::Organisation(org(3)),
            qualified_members: vec![],
            ..partnership_consent()
        };
        let three = Viewer {
            organisations: &[org(3)],
            tenant_admin: false,
        };
        let two = Viewer {
            organisations: &[org(2)],
            tenant_admin: false,
        };
        let admin = Viewer {
            organisations: &[],
            tenant_admin: true,
        };
        let cat = DataCategory::EvaluationScores;
        assert!(allowing_consent(std::slice::from_ref(&to_org), &three, cat, day(23)).is_some());
        assert!(allowing_consent(std::slice::from_ref(&to_org), &two, cat, day(23)).is_none());
        assert!(allowing_consent(std::slice::from_ref(&to_org), &admin, cat, day(23)).is_none());
        let to_tenant = ConsentFact {
            grantee: Grantee::TenantAdmins,
            ..to_org
        };
        assert_eq!(
            allowing_consent(std::slice::from_ref(&to_tenant), &admin, cat, day(23)).map(|a| a.1),
            Some(None)
        );
        assert!(allowing_consent(&[to_tenant], &three, cat, day(23)).is_none());
    }
}
