//! Partnerships and their members.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::authz::MemberFact;
use domain::partnership::{
    Member, MemberRole, MemberStatus, Partnership, PartnershipKind, PartnershipStatus,
};
use domain::values::Name;
use domain::{MemberId, OrganisationId, PartnershipId, UserId};

use crate::error::{parse, StoreResult};
use crate::schema::{organisations, partnership_members, partnerships, users};
use crate::store::{Page, Tx};

#[derive(Queryable, Insertable, AsChangeset)]
#[diesel(table_name = partnerships, treat_none_as_null = true)]
struct PartnershipRow {
    tenant_id: String,
    id: String,
    kind: String,
    name: String,
    vision: Option<String>,
    aims: String,
    status: String,
    broker_organisation_id: Option<String>,
    coordinator_id: Option<String>,
    chair_id: Option<String>,
    created_by: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl PartnershipRow {
    fn from_domain(tenant: &str, p: &Partnership) -> Self {
        PartnershipRow {
            tenant_id: tenant.into(),
            id: p.id.to_string(),
            kind: p.kind.as_str().into(),
            name: p.name.to_string(),
            vision: p.vision.clone(),
            aims: serde_json::to_string(&p.aims).unwrap_or_else(|_| "[]".into()),
            status: p.status.as_str().into(),
            broker_organisation_id: p.broker.as_ref().map(|b| b.to_string()),
            coordinator_id: p.coordinator.as_ref().map(|u| u.to_string()),
            chair_id: p.chair.as_ref().map(|u| u.to_string()),
            created_by: p.created_by.clone(),
            version: p.version,
            created_at: p.created_at.naive_utc(),
            updated_at: p.updated_at.naive_utc(),
        }
    }

    fn into_domain(self) -> StoreResult<Partnership> {
        let user =
            |v: Option<String>, what: &str| v.map(|u| parse(what, UserId::parse(&u))).transpose();
        Ok(Partnership {
            id: parse("partnerships.id", PartnershipId::parse(&self.id))?,
            kind: parse("partnerships.kind", PartnershipKind::parse(&self.kind))?,
            name: parse("partnerships.name", Name::parse(&self.name))?,
            vision: self.vision,
            aims: parse("partnerships.aims", serde_json::from_str(&self.aims))?,
            status: parse(
                "partnerships.status",
                PartnershipStatus::parse(&self.status),
            )?,
            broker: self
                .broker_organisation_id
                .map(|o| parse("partnerships.broker", OrganisationId::parse(&o)))
                .transpose()?,
            coordinator: user(self.coordinator_id, "partnerships.coordinator_id")?,
            chair: user(self.chair_id, "partnerships.chair_id")?,
            created_by: self.created_by,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = partnership_members)]
struct MemberRow {
    tenant_id: String,
    id: String,
    partnership_id: String,
    organisation_id: String,
    role: String,
    status: String,
    point_person_id: Option<String>,
    invited_by: String,
    invited_at: NaiveDateTime,
    joined_at: Option<NaiveDateTime>,
    left_at: Option<NaiveDateTime>,
    reason: Option<String>,
}

impl MemberRow {
    fn into_domain(self) -> StoreResult<Member> {
        Ok(Member {
            id: parse("partnership_members.id", MemberId::parse(&self.id))?,
            partnership: parse(
                "partnership_members.partnership_id",
                PartnershipId::parse(&self.partnership_id),
            )?,
            organisation: parse(
                "partnership_members.organisation_id",
                OrganisationId::parse(&self.organisation_id),
            )?,
            role: parse("partnership_members.role", MemberRole::parse(&self.role))?,
            status: parse(
                "partnership_members.status",
                MemberStatus::parse(&self.status),
            )?,
            point_person: self
                .point_person_id
                .map(|u| parse("partnership_members.point_person_id", UserId::parse(&u)))
                .transpose()?,
            invited_at: self.invited_at.and_utc(),
            joined_at: self.joined_at.map(|t| t.and_utc()),
            left_at: self.left_at.map(|t| t.and_utc()),
            reason: self.reason,
        })
    }
}

/// Narrows a list of partnerships.
#[derive(Debug, Clone, Default)]
pub struct PartnershipFilter {
    /// Only this status.
    pub status: Option<PartnershipStatus>,
    /// Only this kind.
    pub kind: Option<PartnershipKind>,
    /// Only partnerships this user coordinates or chairs, or in which one of these organisations
    /// is an active member. `None`: every partnership of the tenant.
    pub visible_to: Option<(UserId, Vec<OrganisationId>)>,
}

/// A pending invitation with the partnership's name and kind.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The stint.
    pub member: Member,
    /// The partnership's name.
    pub partnership_name: String,
    /// The partnership's kind.
    pub partnership_kind: String,
}

impl Tx<'_> {
    /// Stores a new partnership.
    pub fn insert_partnership(&mut self, p: &Partnership) -> StoreResult<()> {
        let row = PartnershipRow::from_domain(self.tenant.as_str(), p);
        diesel::insert_into(partnerships::table)
            .values(&row)
            .execute(self.conn)?;
        Ok(())
    }

    /// One partnership of this tenant.
    pub fn partnership(&mut self, id: &PartnershipId) -> StoreResult<Option<Partnership>> {
        let row: Option<PartnershipRow> = partnerships::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        row.map(PartnershipRow::into_domain).transpose()
    }

    /// Partnerships in id order.
    pub fn list_partnerships(
        &mut self,
        filter: &PartnershipFilter,
        page: &Page,
    ) -> StoreResult<Vec<Partnership>> {
        let tenant = self.tenant.as_str();
        let mut q = partnerships::table
            .filter(partnerships::tenant_id.eq(tenant))
            .order(partnerships::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(partnerships::id.gt(after.clone()));
        }
        if let Some(s) = filter.status {
            q = q.filter(partnerships::status.eq(s.as_str()));
        }
        if let Some(k) = filter.kind {
            q = q.filter(partnerships::kind.eq(k.as_str()));
        }
        if let Some((user, orgs)) = &filter.visible_to {
            let orgs: Vec<String> = orgs.iter().map(|o| o.to_string()).collect();
            let member_of = partnership_members::table
                .filter(partnership_members::tenant_id.eq(tenant))
                .filter(partnership_members::organisation_id.eq_any(orgs))
                .filter(partnership_members::status.eq(MemberStatus::Active.as_str()))
                .select(partnership_members::partnership_id);
            q = q.filter(
                partnerships::id
                    .eq_any(member_of)
                    .or(partnerships::coordinator_id.eq(user.to_string()))
                    .or(partnerships::chair_id.eq(user.to_string())),
            );
        }
        q.load::<PartnershipRow>(self.conn)?
            .into_iter()
            .map(PartnershipRow::into_domain)
            .collect()
    }

    /// Locks a partnership's row until the transaction ends, so that concurrent changes to its
    /// members are applied one after another (PostgreSQL; SQLite's write transactions are
    /// serial anyway). `false` if there is no such partnership.
    pub fn lock_partnership(&mut self, id: &PartnershipId) -> StoreResult<bool> {
        let n = diesel::update(partnerships::table.find((self.tenant.as_str(), id.as_str())))
            .set(partnerships::version.eq(partnerships::version))
            .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Saves a partnership if it is still at `expected_version`; `false` if another write won.
    pub fn update_partnership(
        &mut self,
        p: &mut Partnership,
        expected_version: i32,
    ) -> StoreResult<bool> {
        p.version = expected_version + 1;
        p.updated_at = crate::store::now().and_utc();
        let row = PartnershipRow::from_domain(self.tenant.as_str(), p);
        let n = diesel::update(
            partnerships::table
                .find((self.tenant.as_str(), p.id.as_str()))
                .filter(partnerships::version.eq(expected_version)),
        )
        .set(&row)
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Every stint of a partnership, oldest first; only current ones unless `history`.
    pub fn members(
        &mut self,
        partnership: &PartnershipId,
        history: bool,
    ) -> StoreResult<Vec<Member>> {
        let mut q = partnership_members::table
            .filter(partnership_members::tenant_id.eq(self.tenant.as_str()))
            .filter(partnership_members::partnership_id.eq(partnership.as_str()))
            .order(partnership_members::id.asc())
            .into_boxed();
        if !history {
            q = q.filter(partnership_members::status.eq_any([
                MemberStatus::Invited.as_str(),
                MemberStatus::Active.as_str(),
            ]));
        }
        q.load::<MemberRow>(self.conn)?
            .into_iter()
            .map(MemberRow::into_domain)
            .collect()
    }

    /// What the visibility rules need: every stint's organisation, role and status.
    pub fn member_facts(&mut self, partnership: &PartnershipId) -> StoreResult<Vec<MemberFact>> {
        Ok(self
            .members(partnership, true)?
            .into_iter()
            .map(|m| MemberFact {
                organisation: m.organisation,
                role: m.role,
                status: m.status,
            })
            .collect())
    }

    /// The current (invited or active) stint of an organisation in a partnership.
    pub fn current_member(
        &mut self,
        partnership: &PartnershipId,
        org: &OrganisationId,
    ) -> StoreResult<Option<Member>> {
        let row: Option<MemberRow> = partnership_members::table
            .filter(partnership_members::tenant_id.eq(self.tenant.as_str()))
            .filter(partnership_members::partnership_id.eq(partnership.as_str()))
            .filter(partnership_members::organisation_id.eq(org.as_str()))
            .filter(partnership_members::status.eq_any([
                MemberStatus::Invited.as_str(),
                MemberStatus::Active.as_str(),
            ]))
            .first(self.conn)
            .optional()?;
        row.map(MemberRow::into_domain).transpose()
    }

    /// Stores a new stint (an invitation, or a proposer's lead membership).
    pub fn insert_member(&mut self, m: &Member, invited_by: &str) -> StoreResult<()> {
        let row = MemberRow {
            tenant_id: self.tenant.to_string(),
            id: m.id.to_string(),
            partnership_id: m.partnership.to_string(),
            organisation_id: m.organisation.to_string(),
            role: m.role.as_str().into(),
            status: m.status.as_str().into(),
            point_person_id: m.point_person.as_ref().map(|u| u.to_string()),
            invited_by: invited_by.into(),
            invited_at: m.invited_at.naive_utc(),
            joined_at: m.joined_at.map(|t| t.naive_utc()),
            left_at: m.left_at.map(|t| t.naive_utc()),
            reason: m.reason.clone(),
        };
        diesel::insert_into(partnership_members::table)
            .values(&row)
            .execute(self.conn)?;
        Ok(())
    }

    /// Saves a stint's status, dates and reason.
    pub fn update_member(&mut self, m: &Member) -> StoreResult<()> {
        diesel::update(partnership_members::table.find((self.tenant.as_str(), m.id.as_str())))
            .set((
                partnership_members::status.eq(m.status.as_str()),
                partnership_members::joined_at.eq(m.joined_at.map(|t| t.naive_utc())),
                partnership_members::left_at.eq(m.left_at.map(|t| t.naive_utc())),
                partnership_members::reason.eq(m.reason.clone()),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// The partnerships in which `org` is an active member.
    pub fn partnerships_of(&mut self, org: &OrganisationId) -> StoreResult<Vec<PartnershipId>> {
        let ids: Vec<String> = partnership_members::table
            .filter(partnership_members::tenant_id.eq(self.tenant.as_str()))
            .filter(partnership_members::organisation_id.eq(org.as_str()))
            .filter(partnership_members::status.eq(MemberStatus::Active.as_str()))
            .select(partnership_members::partnership_id)
            .load(self.conn)?;
        ids.iter()
            .map(|i| {
                parse(
                    "partnership_members.partnership_id",
                    PartnershipId::parse(i),
                )
            })
            .collect()
    }

    /// Pending invitations to any of these organisations, oldest first.
    pub fn invitations_for(&mut self, orgs: &[OrganisationId]) -> StoreResult<Vec<Invitation>> {
        let orgs: Vec<&str> = orgs.iter().map(|o| o.as_str()).collect();
        let rows: Vec<(MemberRow, (String, String))> = partnership_members::table
            .inner_join(
                partnerships::table.on(partnerships::tenant_id
                    .eq(partnership_members::tenant_id)
                    .and(partnerships::id.eq(partnership_members::partnership_id))),
            )
            .filter(partnership_members::tenant_id.eq(self.tenant.as_str()))
            .filter(partnership_members::organisation_id.eq_any(orgs))
            .filter(partnership_members::status.eq(MemberStatus::Invited.as_str()))
            .order(partnership_members::id.asc())
            .select((
                partnership_members::all_columns,
                (partnerships::name, partnerships::kind),
            ))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(m, (name, kind))| {
                Ok(Invitation {
                    member: m.into_domain()?,
                    partnership_name: name,
                    partnership_kind: kind,
                })
            })
            .collect()
    }

    /// The names of these organisations of the tenant.
    pub fn organisation_names(
        &mut self,
        ids: &[&OrganisationId],
    ) -> StoreResult<Vec<(String, String)>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        Ok(organisations::table
            .filter(organisations::tenant_id.eq(self.tenant.as_str()))
            .filter(organisations::id.eq_any(ids))
            .select((organisations::id, organisations::name))
            .load(self.conn)?)
    }

    /// The names of these users of the tenant.
    pub fn user_names(&mut self, ids: &[&UserId]) -> StoreResult<Vec<(String, String)>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        Ok(users::table
            .filter(users::tenant_id.eq(self.tenant.as_str()))
            .filter(users::id.eq_any(ids))
            .select((users::id, users::name))
            .load(self.conn)?)
    }

    /// Which of these users exist in the tenant and are not deactivated.
    pub fn existing_users(&mut self, ids: &[&UserId]) -> StoreResult<Vec<UserId>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let found: Vec<String> = users::table
            .filter(users::tenant_id.eq(self.tenant.as_str()))
            .filter(users::id.eq_any(ids))
            .filter(users::status.ne("deactivated"))
            .select(users::id)
            .load(self.conn)?;
        found
            .iter()
            .map(|u| parse("users.id", UserId::parse(u)))
            .collect()
    }
}
