//! Organisations of a tenant.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::organisation::{
    NewOrganisation, Organisation, OrganisationKind, OrganisationStatus, PartnerKind, Phase,
    SchoolDetails, SchoolType,
};
use domain::values::{LaCode, Name, Urn};
use domain::OrganisationId;

use crate::error::{parse, StoreError, StoreResult};
use crate::schema::organisations;
use crate::store::{now, Page, Tx};

#[derive(Queryable, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
struct OrganisationRow {
    tenant_id: String,
    id: String,
    name: String,
    kind: String,
    urn: Option<String>,
    phase: Option<String>,
    school_type: Option<String>,
    la_code: Option<String>,
    partner_kind: Option<String>,
    status: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn required<'a>(what: &str, v: &'a Option<String>) -> StoreResult<&'a str> {
    v.as_deref()
        .ok_or_else(|| StoreError::Corrupt(format!("organisations.{what} is missing")))
}

impl OrganisationRow {
    fn into_domain(self) -> StoreResult<Organisation> {
        let kind = match self.kind.as_str() {
            "school" => OrganisationKind::School(SchoolDetails {
                urn: parse("urn", Urn::parse(required("urn", &self.urn)?))?,
                phase: parse("phase", Phase::parse(required("phase", &self.phase)?))?,
                school_type: parse(
                    "school_type",
                    SchoolType::parse(required("school_type", &self.school_type)?),
                )?,
                la_code: parse(
                    "la_code",
                    LaCode::parse(required("la_code", &self.la_code)?),
                )?,
            }),
            _ => OrganisationKind::Partner(parse(
                "partner_kind",
                PartnerKind::parse(required("partner_kind", &self.partner_kind)?),
            )?),
        };
        Ok(Organisation {
            id: parse("organisations.id", OrganisationId::parse(&self.id))?,
            name: parse("organisations.name", Name::parse(&self.name))?,
            kind,
            status: parse(
                "organisations.status",
                OrganisationStatus::parse(&self.status),
            )?,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }

    fn from_domain(tenant: &str, o: &Organisation) -> Self {
        let (kind, urn, phase, school_type, la_code, partner_kind) = match &o.kind {
            OrganisationKind::School(s) => (
                "school",
                Some(s.urn.to_string()),
                Some(s.phase.as_str().to_owned()),
                Some(s.school_type.as_str().to_owned()),
                Some(s.la_code.to_string()),
                None,
            ),
            OrganisationKind::Partner(k) => (
                "partner",
                None,
                None,
                None,
                None,
                Some(k.as_str().to_owned()),
            ),
        };
        OrganisationRow {
            tenant_id: tenant.to_owned(),
            id: o.id.to_string(),
            name: o.name.to_string(),
            kind: kind.to_owned(),
            urn,
            phase,
            school_type,
            la_code,
            partner_kind,
            status: o.status.as_str().to_owned(),
            version: o.version,
            created_at: o.created_at.naive_utc(),
            updated_at: o.updated_at.naive_utc(),
        }
    }
}

/// Narrows a list of organisations.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    /// Only schools (`Some(true)`) or only partners (`Some(false)`).
    pub schools: Option<bool>,
    /// Only this status.
    pub status: Option<OrganisationStatus>,
    /// Only the school with this URN.
    pub urn: Option<String>,
}

impl Tx<'_> {
    /// Creates an organisation; a URN already in the tenant is a conflict on
    /// `organisations_urn_key`.
    pub fn insert_organisation(&mut self, new: NewOrganisation) -> StoreResult<Organisation> {
        let at = now().and_utc();
        let org = Organisation {
            id: OrganisationId::new(),
            name: new.name,
            kind: new.kind,
            status: OrganisationStatus::Active,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let row = OrganisationRow::from_domain(self.tenant.as_str(), &org);
        diesel::insert_into(organisations::table)
            .values(&row)
            .execute(self.conn)?;
        Ok(org)
    }

    /// One organisation of this tenant; `None` also for another tenant's id.
    pub fn organisation(&mut self, id: &OrganisationId) -> StoreResult<Option<Organisation>> {
        let row: Option<OrganisationRow> = organisations::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        row.map(OrganisationRow::into_domain).transpose()
    }

    /// Organisations in id order.
    pub fn list_organisations(
        &mut self,
        filter: &OrganisationFilter,
        page: &Page,
    ) -> StoreResult<Vec<Organisation>> {
        let mut q = organisations::table
            .filter(organisations::tenant_id.eq(self.tenant.as_str()))
            .order(organisations::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(organisations::id.gt(after.clone()));
        }
        if let Some(schools) = filter.schools {
            q = q.filter(organisations::kind.eq(if schools { "school" } else { "partner" }));
        }
        if let Some(status) = filter.status {
            q = q.filter(organisations::status.eq(status.as_str()));
        }
        if let Some(urn) = &filter.urn {
            q = q.filter(organisations::urn.eq(urn.clone()));
        }
        q.load::<OrganisationRow>(self.conn)?
            .into_iter()
            .map(OrganisationRow::into_domain)
            .collect()
    }

    /// Saves `org` if it is still at `expected_version`, bumping its version; `false` if another
    /// write got there first.
    pub fn update_organisation(
        &mut self,
        org: &mut Organisation,
        expected_version: i32,
    ) -> StoreResult<bool> {
        org.version = expected_version + 1;
        org.updated_at = now().and_utc();
        let row = OrganisationRow::from_domain(self.tenant.as_str(), org);
        let n = diesel::update(
            organisations::table
                .find((self.tenant.as_str(), org.id.as_str()))
                .filter(organisations::version.eq(expected_version)),
        )
        .set(&row)
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Which of `ids` are active organisations of this tenant.
    pub fn existing_organisations(
        &mut self,
        ids: &[&OrganisationId],
    ) -> StoreResult<Vec<OrganisationId>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let found: Vec<String> = organisations::table
            .filter(organisations::tenant_id.eq(self.tenant.as_str()))
            .filter(organisations::id.eq_any(ids))
            .filter(organisations::status.eq(OrganisationStatus::Active.as_str()))
            .select(organisations::id)
            .load(self.conn)?;
        found
            .iter()
            .map(|i| parse("organisations.id", OrganisationId::parse(i)))
            .collect()
    }
}
