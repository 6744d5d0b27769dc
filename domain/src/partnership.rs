//! Partnerships: their kinds, the status lifecycle, and membership by invitation.

use chrono::{DateTime, Utc};

use crate::ids::{MemberId, OrganisationId, PartnershipId, UserId};
use crate::values::Name;

crate::choice!(
    /// The kinds of school-to-school partnership.
    PartnershipKind {
        /// A local cluster of schools.
        Cluster = "cluster",
        /// A multi-academy trust.
        MultiAcademyTrust = "multi_academy_trust",
        /// A federation under one governing board.
        Federation = "federation",
        /// A teaching school alliance or hub.
        TeachingSchoolAlliance = "teaching_school_alliance",
        /// A learning partnership.
        LearningPartnership = "learning_partnership",
        /// A school–university partnership.
        UniversityPartnership = "university_partnership",
        /// An independent–state school partnership.
        IndependentStatePartnership = "independent_state_partnership",
        /// Anything else.
        Other = "other",
    }
);

crate::choice!(
    /// Where a partnership is in its life.
    PartnershipStatus {
        /// Created; nobody invited yet.
        Proposed = "proposed",
        /// Invitations are out.
        Forming = "forming",
        /// Every invited school has answered; working.
        Active = "active",
        /// Paused.
        Suspended = "suspended",
        /// Ended. Kept for history; nothing changes any more.
        Dissolved = "dissolved",
    }
);

impl PartnershipStatus {
    /// Whether a person may move a partnership from `self` to `to`. `proposed → forming` and
    /// `forming → active` are not on this list: invitations drive them (see [`after_invitations`]).
    pub fn can_move_to(self, to: PartnershipStatus) -> bool {
        use PartnershipStatus::*;
        matches!(
            (self, to),
            (Proposed, Dissolved)
                | (Forming, Dissolved)
                | (Active, Suspended)
                | (Active, Dissolved)
                | (Suspended, Active)
                | (Suspended, Dissolved)
        )
    }

    /// Whether members may still be invited and the partnership changed.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            PartnershipStatus::Proposed | PartnershipStatus::Forming | PartnershipStatus::Active
        )
    }
}

/// The status after an invitation was sent or answered: `proposed` becomes `forming` once
/// somebody is invited; a forming partnership becomes `active` once nobody is left to answer and
/// at least two organisations are in it. Any other status is left alone.
pub fn after_invitations(
    status: PartnershipStatus,
    pending: usize,
    active: usize,
) -> PartnershipStatus {
    use PartnershipStatus::*;
    match status {
        Proposed | Forming if pending == 0 && active >= 2 => Active,
        Proposed if pending > 0 => Forming,
        other => other,
    }
}

crate::choice!(
    /// An organisation's role in a partnership.
    MemberRole {
        /// Leads the partnership.
        Lead = "lead",
        /// A full member.
        Member = "member",
        /// Sponsors it (e.g. a trust or business).
        Sponsor = "sponsor",
        /// Associated without full membership.
        Associate = "associate",
    }
);

crate::choice!(
    /// Where one stint of membership stands.
    MemberStatus {
        /// Invited; the organisation's head has not answered.
        Invited = "invited",
        /// In the partnership.
        Active = "active",
        /// The head declined the invitation.
        Declined = "declined",
        /// The organisation left.
        Left = "left",
        /// The partnership removed it (or withdrew its invitation).
        Removed = "removed",
    }
);

impl MemberStatus {
    /// Invited or active: the stint is current.
    pub fn is_current(self) -> bool {
        matches!(self, MemberStatus::Invited | MemberStatus::Active)
    }
}

/// A partnership.
#[derive(Debug, Clone)]
pub struct Partnership {
    /// Its id.
    pub id: PartnershipId,
    /// Its kind.
    pub kind: PartnershipKind,
    /// Display name.
    pub name: Name,
    /// What the partnership is for.
    pub vision: Option<String>,
    /// What it sets out to do.
    pub aims: Vec<String>,
    /// Where it is in its life.
    pub status: PartnershipStatus,
    /// The tenant organisation that brokered it.
    pub broker: Option<OrganisationId>,
    /// The user who coordinates it.
    pub coordinator: Option<UserId>,
    /// The user who chairs it (may be independent of the member schools).
    pub chair: Option<UserId>,
    /// Who created it.
    pub created_by: String,
    /// Increases at every change; the ETag.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// One stint of an organisation in a partnership.
#[derive(Debug, Clone)]
pub struct Member {
    /// The stint's id.
    pub id: MemberId,
    /// The partnership.
    pub partnership: PartnershipId,
    /// The organisation.
    pub organisation: OrganisationId,
    /// Its role.
    pub role: MemberRole,
    /// Where the stint stands.
    pub status: MemberStatus,
    /// The organisation's contact for the partnership.
    pub point_person: Option<UserId>,
    /// When invited.
    pub invited_at: DateTime<Utc>,
    /// When the invitation was accepted.
    pub joined_at: Option<DateTime<Utc>>,
    /// When it left, was removed, or declined.
    pub left_at: Option<DateTime<Utc>>,
    /// Why it declined, left or was removed.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::PartnershipStatus::*;
    use super::*;

    #[test]
    fn only_the_listed_manual_transitions_are_legal() {
        let legal = [
            (Proposed, Dissolved),
            (Forming, Dissolved),
            (Active, Suspended),
            (Active, Dissolved),
            (Suspended, Active),
            (Suspended, Dissolved),
        ];
        for from in PartnershipStatus::ALL {
            for to in PartnershipStatus::ALL {
                assert_eq!(
                    from.can_move_to(*to),
                    legal.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn invitations_drive_forming_and_activation() {
        assert_eq!(after_invitations(Proposed, 0, 1), Proposed);
        assert_eq!(after_invitations(Proposed, 1, 0), Forming);
        assert_eq!(after_invitations(Forming, 1, 3), Forming);
        assert_eq!(after_invitations(Forming, 0, 4), Active);
        assert_eq!(
            after_invitations(Forming, 0, 1),
            Forming,
            "one school is not a partnership"
        );
        assert_eq!(
            after_invitations(Active, 2, 4),
            Active,
            "a later invitation leaves it active"
        );
        assert_eq!(after_invitations(Suspended, 0, 4), Suspended);
    }
}
