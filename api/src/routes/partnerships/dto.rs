//! Partnership request and response bodies.

use chrono::{DateTime, Utc};
use domain::partnership::{Member, MemberRole, Partnership, PartnershipKind, PartnershipStatus};
use domain::values::Name;
use domain::{OrganisationId, UserId, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest vision, and the most and longest aims, accepted.
const MAX_VISION: usize = 4000;
const MAX_AIMS: usize = 20;
const MAX_AIM: usize = 500;

fn text(v: &mut Validation, pointer: &str, raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    if t.chars().count() > max {
        v.push(
            pointer,
            "too_long",
            format!("must be at most {max} characters"),
        );
        return None;
    }
    Some(t.to_owned())
}

fn aims(v: &mut Validation, raw: &[String]) -> Option<Vec<String>> {
    if raw.len() > MAX_AIMS {
        v.push("/aims", "too_many", format!("at most {MAX_AIMS} aims"));
        return None;
    }
    let mut out = Vec::new();
    for (i, a) in raw.iter().enumerate() {
        let t = a.trim();
        if t.is_empty() {
            v.push(format!("/aims/{i}"), "required", "an aim must not be empty");
        } else if let Some(t) = text(v, &format!("/aims/{i}"), t, MAX_AIM) {
            out.push(t);
        }
    }
    Some(out)
}

fn id<T>(
    v: &mut Validation,
    pointer: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Result<T, domain::ids::InvalidId>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(r) => match parse(r) {
            Ok(x) => Some(Some(x)),
            Err(e) => {
                v.push(pointer, "invalid_id", e);
                None
            }
        },
    }
}

/// Broker a partnership (tenant admin) or propose one with your school as its lead (head).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "learning_partnership", "name": "Northern Lights Partnership",
    "vision": "Every child in our four schools reads with confidence by age 11.",
    "aims": ["Share reading leadership", "Moderate writing together"],
    "coordinator_id": "usr_01jd3k6q9y2m8x4n7v5b0c1t2r"
}))]
pub struct CreatePartnershipRequest {
    /// `cluster`, `multi_academy_trust`, `federation`, `teaching_school_alliance`,
    /// `learning_partnership`, `university_partnership`, `independent_state_partnership`, `other`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// What the partnership is for (up to 4,000 characters).
    pub vision: Option<String>,
    /// What it sets out to do (up to 20 aims of 500 characters).
    #[serde(default)]
    pub aims: Vec<String>,
    /// The tenant organisation that brokered it.
    pub broker_organisation_id: Option<String>,
    /// The user who coordinates it.
    pub coordinator_id: Option<String>,
    /// The user who chairs it.
    pub chair_id: Option<String>,
    /// The school that leads it, joining at once as its `lead` member. Required when a head
    /// (rather than the tenant admin) proposes a partnership; it must be their school.
    pub lead_organisation_id: Option<String>,
}

/// A validated new partnership.
pub struct NewPartnership {
    /// Kind.
    pub kind: PartnershipKind,
    /// Name.
    pub name: Name,
    /// Vision.
    pub vision: Option<String>,
    /// Aims.
    pub aims: Vec<String>,
    /// Broker.
    pub broker: Option<OrganisationId>,
    /// Coordinator.
    pub coordinator: Option<UserId>,
    /// Chair.
    pub chair: Option<UserId>,
    /// Lead school.
    pub lead: Option<OrganisationId>,
}

impl CreatePartnershipRequest {
    /// Validates every field.
    pub fn try_into_domain(self) -> Result<NewPartnership, Validation> {
        let mut v = Validation::default();
        let kind = v.check("/kind", PartnershipKind::parse(&self.kind));
        let name = v.check("/name", Name::parse(&self.name));
        let vision = match &self.vision {
            Some(t) => text(&mut v, "/vision", t, MAX_VISION).map(Some),
            None => Some(None),
        };
        let aims = aims(&mut v, &self.aims);
        let broker = id(
            &mut v,
            "/broker_organisation_id",
            &self.broker_organisation_id,
            OrganisationId::parse,
        );
        let coordinator = id(
            &mut v,
            "/coordinator_id",
            &self.coordinator_id,
            UserId::parse,
        );
        let chair = id(&mut v, "/chair_id", &self.chair_id, UserId::parse);
        let lead = id(
            &mut v,
            "/lead_organisation_id",
            &self.lead_organisation_id,
            OrganisationId::parse,
        );
        v.finish(|| {
            Some(NewPartnership {
                kind: kind?,
                name: name?,
                vision: vision?.filter(|s| !s.is_empty()),
                aims: aims?,
                broker: broker?,
                coordinator: coordinator?,
                chair: chair?,
                lead: lead?,
            })
        })
    }
}

/// Change a partnership. Absent fields stay as they are; `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "vision": "Every child reads with confidence by age 11.", "chair_id": "usr_01jd3k6q9y2m8x4n7v5b0c1t2s" }))]
pub struct UpdatePartnershipRequest {
    /// New name.
    pub name: Option<String>,
    /// New vision (`null` clears it).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub vision: Option<Option<String>>,
    /// New aims (replaces them all).
    pub aims: Option<Vec<String>>,
    /// New broker (`null` clears it).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub broker_organisation_id: Option<Option<String>>,
    /// New coordinator (`null` clears it).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub coordinator_id: Option<Option<String>>,
    /// New chair (`null` clears it).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub chair_id: Option<Option<String>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// A validated change.
#[derive(Default)]
pub struct PartnershipChanges {
    /// Name.
    pub name: Option<Name>,
    /// Vision.
    pub vision: Option<Option<String>>,
    /// Aims.
    pub aims: Option<Vec<String>>,
    /// Broker.
    pub broker: Option<Option<OrganisationId>>,
    /// Coordinator.
    pub coordinator: Option<Option<UserId>>,
    /// Chair.
    pub chair: Option<Option<UserId>>,
}

impl UpdatePartnershipRequest {
    /// Validates every present field.
    pub fn try_into_domain(self) -> Result<PartnershipChanges, Validation> {
        let mut v = Validation::default();
        let name = self
            .name
            .as_deref()
            .map(|n| v.check("/name", Name::parse(n)));
        let vision = self.vision.map(|o| match o {
            Some(t) => {
                text(&mut v, "/vision", &t, MAX_VISION).map(|s| Some(s).filter(|s| !s.is_empty()))
            }
            None => Some(None),
        });
        let aims = self.aims.as_deref().map(|a| aims(&mut v, a));
        let broker = self
            .broker_organisation_id
            .map(|o| id(&mut v, "/broker_organisation_id", &o, OrganisationId::parse));
        let coordinator = self
            .coordinator_id
            .map(|o| id(&mut v, "/coordinator_id", &o, UserId::parse));
        let chair = self
            .chair_id
            .map(|o| id(&mut v, "/chair_id", &o, UserId::parse));
        v.finish(|| {
            Some(PartnershipChanges {
                name: name.flatten(),
                vision: vision.flatten(),
                aims: aims.flatten(),
                broker: broker.flatten(),
                coordinator: coordinator.flatten(),
                chair: chair.flatten(),
            })
        })
    }
}

/// A partnership.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "prt_01jd3k6q9y2m8x4n7v5b0c1t2p", "kind": "learning_partnership", "name": "Northern Lights Partnership",
    "vision": "Every child reads with confidence by age 11.", "aims": ["Share reading leadership"],
    "status": "active", "broker_organisation_id": null, "coordinator_id": "usr_01jd3k6q9y2m8x4n7v5b0c1t2r",
    "chair_id": null, "created_by": "usr_01jd3k6q9y2m8x4n7v5b0c1t2q", "version": 3,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T10:00:00Z"
}))]
pub struct PartnershipDto {
    /// Opaque id, `prt_…`.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Vision.
    pub vision: Option<String>,
    /// Aims.
    pub aims: Vec<String>,
    /// `proposed`, `forming`, `active`, `suspended` or `dissolved`.
    pub status: String,
    /// The brokering organisation.
    pub broker_organisation_id: Option<String>,
    /// The coordinator.
    pub coordinator_id: Option<String>,
    /// The chair.
    pub chair_id: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Increases at every change; the `ETag` is `"v<version>"`.
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Partnership> for PartnershipDto {
    fn from(p: &Partnership) -> Self {
        PartnershipDto {
            id: p.id.to_string(),
            kind: p.kind.as_str().into(),
            name: p.name.to_string(),
            vision: p.vision.clone(),
            aims: p.aims.clone(),
            status: p.status.as_str().into(),
            broker_organisation_id: p.broker.as_ref().map(|o| o.to_string()),
            coordinator_id: p.coordinator.as_ref().map(|u| u.to_string()),
            chair_id: p.chair.as_ref().map(|u| u.to_string()),
            created_by: p.created_by.clone(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Change a partnership's status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "status": "suspended", "reason": "Paused while two heads are replaced" }))]
pub struct StatusRequest {
    /// The new status: `suspended`, `active` (from suspended) or `dissolved`.
    pub status: String,
    /// Why (kept in the audit).
    pub reason: Option<String>,
}

/// Invite an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "role": "member" }))]
pub struct InviteRequest {
    /// The organisation, `org_…`.
    pub organisation_id: String,
    /// `lead`, `member`, `sponsor` or `associate`.
    pub role: String,
    /// The organisation's contact for the partnership.
    pub point_person_id: Option<String>,
}

/// A validated invitation.
pub struct NewInvitation {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Its role.
    pub role: MemberRole,
    /// Its contact.
    pub point_person: Option<UserId>,
}

impl InviteRequest {
    /// Validates every field.
    pub fn try_into_domain(self) -> Result<NewInvitation, Validation> {
        let mut v = Validation::default();
        let organisation = id(
            &mut v,
            "/organisation_id",
            &Some(self.organisation_id),
            OrganisationId::parse,
        );
        let role = v.check("/role", MemberRole::parse(&self.role));
        let point_person = id(
            &mut v,
            "/point_person_id",
            &self.point_person_id,
            UserId::parse,
        );
        v.finish(|| {
            Some(NewInvitation {
                organisation: organisation??,
                role: role?,
                point_person: point_person?,
            })
        })
    }
}

/// A reason, optional or required depending on the route.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "reason": "Our governors asked us to focus on our own inspection this year." }))]
pub struct ReasonRequest {
    /// Why (up to 1,000 characters).
    pub reason: Option<String>,
}

impl ReasonRequest {
    /// The trimmed reason; 422 if `required` and absent, or too long.
    pub fn reason(&self, required: bool) -> Result<Option<String>, Validation> {
        let mut v = Validation::default();
        let r = self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        match r {
            None if required => v.push("/reason", "required", "say why"),
            Some(t) if t.chars().count() > 1000 => {
                v.push("/reason", "too_long", "must be at most 1000 characters")
            }
            _ => {}
        }
        v.finish(|| Some(r.map(str::to_owned)))
    }
}

/// One stint of an organisation in a partnership.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    /// The organisation.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// `lead`, `member`, `sponsor` or `associate`.
    pub role: String,
    /// `invited`, `active`, `declined`, `left` or `removed`.
    pub status: String,
    /// Its contact for the partnership.
    pub point_person_id: Option<String>,
    /// When invited.
    pub invited_at: DateTime<Utc>,
    /// When it joined.
    pub joined_at: Option<DateTime<Utc>>,
    /// When it left, was removed or declined.
    pub left_at: Option<DateTime<Utc>>,
    /// Why it declined, left or was removed.
    pub reason: Option<String>,
}

impl MemberDto {
    /// The DTO, with the organisation's name from `names` (`(id, name)` pairs).
    pub fn new(m: &Member, names: &[(String, String)]) -> Self {
        MemberDto {
            organisation_id: m.organisation.to_string(),
            organisation_name: crate::routes::name_in(names, m.organisation.as_str()),
            role: m.role.as_str().into(),
            status: m.status.as_str().into(),
            point_person_id: m.point_person.as_ref().map(|u| u.to_string()),
            invited_at: m.invited_at,
            joined_at: m.joined_at,
            left_at: m.left_at,
            reason: m.reason.clone(),
        }
    }
}

/// A list of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    /// The members, oldest stint first.
    pub items: Vec<MemberDto>,
}

/// A person named on a partnership.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    /// User id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// How many of each.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewCounts {
    /// Organisations in the partnership now.
    pub active_members: usize,
    /// Invitations not yet answered.
    pub pending_invitations: usize,
    /// Organisations that declined, left or were removed.
    pub former_members: usize,
    /// Agreements (MOUs, terms of reference, data-sharing agreements).
    pub agreements: usize,
    /// Evaluation cycles.
    pub cycles: usize,
}

/// Everything a dashboard needs about a partnership, in one call.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewDto {
    /// The partnership.
    pub partnership: PartnershipDto,
    /// Current members and pending invitations.
    pub members: Vec<MemberDto>,
    /// The coordinator.
    pub coordinator: Option<PersonDto>,
    /// The chair.
    pub chair: Option<PersonDto>,
    /// Counts.
    pub counts: OverviewCounts,
}

/// A pending invitation to one of your organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    /// The partnership.
    pub partnership_id: String,
    /// Its name.
    pub partnership_name: String,
    /// Its kind.
    pub partnership_kind: String,
    /// Your organisation.
    pub organisation_id: String,
    /// Its name.
    pub organisation_name: String,
    /// The role offered.
    pub role: String,
    /// When invited.
    pub invited_at: DateTime<Utc>,
}

/// Pending invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    /// Oldest first.
    pub items: Vec<InvitationDto>,
}

/// The status a partnership may be moved to by hand.
pub fn parse_status(raw: &str) -> Result<PartnershipStatus, Validation> {
    let mut v = Validation::default();
    let s = v.check("/status", PartnershipStatus::parse(raw));
    v.finish(|| s)
}
