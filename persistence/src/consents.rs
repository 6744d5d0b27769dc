//! Consents, published school data, and the access audit.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::consent::{Consent, DataCategory, Grantee, GranteeKind, Revocation};
use domain::{AccessId, AgreementId, ConsentId, OrganisationId, PartnershipId, UserId};

use crate::error::{parse, StoreError, StoreResult};
use crate::schema::{access_events, consents, school_profiles};
use crate::store::{now, Page, Tx};

#[derive(Queryable, Insertable)]
#[diesel(table_name = consents)]
struct ConsentRow {
    tenant_id: String,
    id: String,
    grantor_id: String,
    grantee_kind: String,
    grantee_id: Option<String>,
    categories: String,
    purpose: String,
    dsa_id: Option<String>,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    granted_by: String,
    granted_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
    revoked_by: Option<String>,
    revoke_reason: Option<String>,
    expiry_recorded: bool,
}

impl ConsentRow {
    fn into_domain(self) -> StoreResult<Consent> {
        let kind = parse(
            "consents.grantee_kind",
            GranteeKind::parse(&self.grantee_kind),
        )?;
        let gid = || {
            self.grantee_id
                .clone()
                .ok_or_else(|| StoreError::Corrupt("consents.grantee_id is missing".into()))
        };
        let grantee = match kind {
            GranteeKind::Partnership => {
                Grantee::Partnership(parse("consents.grantee_id", PartnershipId::parse(&gid()?))?)
            }
            GranteeKind::Organisation => Grantee::Organisation(parse(
                "consents.grantee_id",
                OrganisationId::parse(&gid()?),
            )?),
            GranteeKind::Tenant => Grantee::TenantAdmins,
        };
        let categories: Vec<String> = parse(
            "consents.categories",
            serde_json::from_str(&self.categories),
        )?;
        Ok(Consent {
            id: parse("consents.id", ConsentId::parse(&self.id))?,
            grantor: parse(
                "consents.grantor_id",
                OrganisationId::parse(&self.grantor_id),
            )?,
            grantee,
            categories: categories
                .iter()
                .map(|c| parse("consents.categories", DataCategory::parse(c)))
                .collect::<StoreResult<_>>()?,
            purpose: self.purpose,
            dsa: self
                .dsa_id
                .map(|d| parse("consents.dsa_id", AgreementId::parse(&d)))
                .transpose()?,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            granted_by: parse("consents.granted_by", UserId::parse(&self.granted_by))?,
            granted_at: self.granted_at.and_utc(),
            revoked: match (self.revoked_at, self.revoked_by) {
                (Some(at), Some(by)) => Some(Revocation {
                    at: at.and_utc(),
                    by: parse("consents.revoked_by", UserId::parse(&by))?,
                    reason: self.revoke_reason.unwrap_or_default(),
                }),
                _ => None,
            },
        })
    }
}

/// Narrows a list of consents.
#[derive(Debug, Clone, Default)]
pub struct ConsentFilter {
    /// Given by this school.
    pub grantor: Option<OrganisationId>,
    /// Given by any of these schools.
    pub grantors: Option<Vec<OrganisationId>>,
    /// Granted to this organisation.
    pub grantee_organisation: Option<OrganisationId>,
    /// Granted to this partnership.
    pub grantee_partnership: Option<PartnershipId>,
    /// Granted to these partnerships (a school's received consents through its partnerships).
    pub grantee_partnerships: Option<Vec<PartnershipId>>,
    /// Granted to the tenant's admins.
    pub grantee_tenant: bool,
}

/// One recorded read of another school's named data.
#[derive(Debug, Clone)]
pub struct AccessEvent {
    /// Its id.
    pub id: AccessId,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `api_client` or `platform_admin`.
    pub viewer_kind: String,
    /// Who read.
    pub viewer_id: String,
    /// The viewer's organisation the consent reached.
    pub viewer_organisation: Option<String>,
    /// Whose data.
    pub owner: String,
    /// Which category.
    pub category: String,
    /// Which resource (a path).
    pub resource: String,
    /// The consent that allowed it.
    pub consent: Option<String>,
    /// The request.
    pub request_id: Option<String>,
}

/// Narrows the access log.
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    /// Only reads at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Only reads before this time.
    pub until: Option<NaiveDateTime>,
    /// Only this viewer's reads.
    pub viewer_id: Option<String>,
}

impl Tx<'_> {
    /// Stores a new consent.
    pub fn insert_consent(&mut self, c: &Consent) -> StoreResult<()> {
        let cats: Vec<&str> = c.categories.iter().map(|c| c.as_str()).collect();
        let row = ConsentRow {
            tenant_id: self.tenant.to_string(),
            id: c.id.to_string(),
            grantor_id: c.grantor.to_string(),
            grantee_kind: c.grantee.kind().as_str().into(),
            grantee_id: c.grantee.id(),
            categories: serde_json::to_string(&cats).unwrap_or_else(|_| "[]".into()),
            purpose: c.purpose.clone(),
            dsa_id: c.dsa.as_ref().map(|d| d.to_string()),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            granted_by: c.granted_by.to_string(),
            granted_at: c.granted_at.naive_utc(),
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            expiry_recorded: false,
        };
        diesel::insert_into(consents::table)
            .values(&row)
            .execute(self.conn)?;
        Ok(())
    }

    /// One consent of this tenant.
    pub fn consent(&mut self, id: &ConsentId) -> StoreResult<Option<Consent>> {
        let row: Option<ConsentRow> = consents::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        row.map(ConsentRow::into_domain).transpose()
    }

    /// Revokes a consent; `false` if it was already revoked.
    pub fn revoke_consent(
        &mut self,
        id: &ConsentId,
        by: &UserId,
        reason: &str,
    ) -> StoreResult<bool> {
        let n = diesel::update(
            consents::table
                .find((self.tenant.as_str(), id.as_str()))
                .filter(consents::revoked_at.is_null()),
        )
        .set((
            consents::revoked_at.eq(now()),
            consents::revoked_by.eq(by.as_str()),
            consents::revoke_reason.eq(reason),
        ))
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Consents matching any of the filter's grantees (or given by its grantor), oldest first.
    pub fn list_consents(&mut self, f: &ConsentFilter) -> StoreResult<Vec<Consent>> {
        let mut q = consents::table
            .filter(consents::tenant_id.eq(self.tenant.as_str()))
            .order(consents::id.asc())
            .into_boxed();
        if let Some(g) = &f.grantor {
            q = q.filter(consents::grantor_id.eq(g.to_string()));
        }
        if let Some(gs) = &f.grantors {
            q = q.filter(consents::grantor_id.eq_any(gs.iter().map(|g| g.to_string())));
        }
        if let Some(o) = &f.grantee_organisation {
            let mut cond: Box<
                dyn BoxableExpression<
                    consents::table,
                    _,
                    SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
                >,
            > = Box::new(
                consents::grantee_kind
                    .eq("organisation")
                    .and(consents::grantee_id.eq(o.to_string())),
            );
            if let Some(ps) = &f.grantee_partnerships {
                let ids: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
                cond = Box::new(
                    cond.or(consents::grantee_kind
                        .eq("partnership")
                        .and(consents::grantee_id.eq_any(ids))),
                );
            }
            q = q.filter(cond);
        }
        if let Some(p) = &f.grantee_partnership {
            q = q
                .filter(consents::grantee_kind.eq("partnership"))
                .filter(consents::grantee_id.eq(p.to_string()));
        }
        if f.grantee_tenant {
            q = q.filter(consents::grantee_kind.eq("tenant"));
        }
        q.load::<ConsentRow>(self.conn)?
            .into_iter()
            .map(ConsentRow::into_domain)
            .collect()
    }

    /// Consents that ended by date and whose expiry is not yet recorded; marks them recorded.
    /// Concurrent sweepers each claim a consent once.
    pub fn claim_expired_consents(&mut self, today: NaiveDate) -> StoreResult<Vec<Consent>> {
        let rows: Vec<ConsentRow> = consents::table
            .filter(consents::tenant_id.eq(self.tenant.as_str()))
            .filter(consents::expiry_recorded.eq(false))
            .filter(consents::revoked_at.is_null())
            .filter(consents::valid_until.lt(today))
            .load(self.conn)?;
        let mut claimed = Vec::new();
        for r in rows {
            let n = diesel::update(
                consents::table
                    .find((self.tenant.as_str(), r.id.as_str()))
                    .filter(consents::expiry_recorded.eq(false)),
            )
            .set(consents::expiry_recorded.eq(true))
            .execute(self.conn)?;
            if n == 1 {
                claimed.push(r.into_domain()?);
            }
        }
        Ok(claimed)
    }

    /// A school's published data in one category, with when it was updated.
    pub fn school_profile(
        &mut self,
        org: &OrganisationId,
        category: DataCategory,
    ) -> StoreResult<Option<(String, DateTime<Utc>)>> {
        let row: Option<(String, NaiveDateTime)> = school_profiles::table
            .find((self.tenant.as_str(), org.as_str(), category.as_str()))
            .select((school_profiles::content, school_profiles::updated_at))
            .first(self.conn)
            .optional()?;
        Ok(row.map(|(c, at)| (c, at.and_utc())))
    }

    /// Publishes (replaces) a school's data in one category.
    pub fn put_school_profile(
        &mut self,
        org: &OrganisationId,
        category: DataCategory,
        content: &str,
        by: &str,
    ) -> StoreResult<DateTime<Utc>> {
        let at = now();
        let n = diesel::update(school_profiles::table.find((
            self.tenant.as_str(),
            org.as_str(),
            category.as_str(),
        )))
        .set((
            school_profiles::content.eq(content),
            school_profiles::updated_by.eq(by),
            school_profiles::updated_at.eq(at),
        ))
        .execute(self.conn)?;
        if n == 0 {
            diesel::insert_into(school_profiles::table)
                .values((
                    school_profiles::tenant_id.eq(self.tenant.as_str()),
                    school_profiles::organisation_id.eq(org.as_str()),
                    school_profiles::category.eq(category.as_str()),
                    school_profiles::content.eq(content),
                    school_profiles::updated_by.eq(by),
                    school_profiles::updated_at.eq(at),
                ))
                .execute(self.conn)?;
        }
        Ok(at.and_utc())
    }

    /// Records a read of another school's named data, in the reading transaction.
    pub fn record_access(&mut self, e: &AccessEvent) -> StoreResult<()> {
        diesel::insert_into(access_events::table)
            .values((
                access_events::tenant_id.eq(self.tenant.as_str()),
                access_events::id.eq(e.id.as_str()),
                access_events::at.eq(e.at.naive_utc()),
                access_events::viewer_kind.eq(&e.viewer_kind),
                access_events::viewer_id.eq(&e.viewer_id),
                access_events::viewer_organisation_id.eq(&e.viewer_organisation),
                access_events::owner_organisation_id.eq(&e.owner),
                access_events::category.eq(&e.category),
                access_events::resource.eq(&e.resource),
                access_events::consent_id.eq(&e.consent),
                access_events::request_id.eq(&e.request_id),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Who read a school's data, oldest first.
    pub fn list_access(
        &mut self,
        owner: &OrganisationId,
        f: &AccessFilter,
        page: &Page,
    ) -> StoreResult<Vec<AccessEvent>> {
        let mut q = access_events::table
            .filter(access_events::tenant_id.eq(self.tenant.as_str()))
            .filter(access_events::owner_organisation_id.eq(owner.as_str()))
            .order(access_events::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(access_events::id.gt(after.clone()));
        }
        if let Some(s) = f.since {
            q = q.filter(access_events::at.ge(s));
        }
        if let Some(u) = f.until {
            q = q.filter(access_events::at.lt(u));
        }
        if let Some(v) = &f.viewer_id {
            q = q.filter(access_events::viewer_id.eq(v.clone()));
        }
        type Row = (
            String,
            String,
            NaiveDateTime,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = q.load(self.conn)?;
        rows.into_iter()
            .map(|(_, id, at, vk, vid, vorg, owner, cat, res, cns, req)| {
                Ok(AccessEvent {
                    id: parse("access_events.id", AccessId::parse(&id))?,
                    at: at.and_utc(),
                    viewer_kind: vk,
                    viewer_id: vid,
                    viewer_organisation: vorg,
                    owner,
                    category: cat,
                    resource: res,
                    consent: cns,
                    request_id: req,
                })
            })
            .collect()
    }
}
