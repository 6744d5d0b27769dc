//! Agreements, their versions and signatures.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::agreement::{
    Agreement, AgreementKind, Body, Capacity, Decision, Signature, Version, VersionStatus,
};
use domain::{AgreementId, OrganisationId, PartnershipId, UserId};

use crate::error::{parse, StoreError, StoreResult};
use crate::schema::{agreement_signatures, agreement_versions, agreements};
use crate::store::Tx;

#[derive(Queryable, Insertable, AsChangeset)]
#[diesel(table_name = agreement_versions, treat_none_as_null = true)]
struct VersionRow {
    tenant_id: String,
    agreement_id: String,
    number: i32,
    status: String,
    title: String,
    body: String,
    review_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    version: i32,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The body as stored: the kind's own JSON.
pub fn body_json(body: &Body) -> String {
    let r = match body {
        Body::Mou(b) => serde_json::to_string(b),
        Body::Tor(b) => serde_json::to_string(b),
        Body::Dsa(b) => serde_json::to_string(b),
    };
    r.unwrap_or_else(|_| "{}".into())
}

fn parse_body(kind: AgreementKind, raw: &str) -> StoreResult<Body> {
    let b = match kind {
        AgreementKind::Mou => serde_json::from_str(raw).map(Body::Mou),
        AgreementKind::TermsOfReference => serde_json::from_str(raw).map(Body::Tor),
        AgreementKind::DataSharingAgreement => serde_json::from_str(raw).map(Body::Dsa),
    };
    b.map_err(|e| StoreError::Corrupt(format!("agreement_versions.body: {e}")))
}

impl VersionRow {
    fn from_domain(tenant: &str, v: &Version) -> Self {
        VersionRow {
            tenant_id: tenant.into(),
            agreement_id: v.agreement.to_string(),
            number: v.number,
            status: v.status.as_str().into(),
            title: v.title.clone(),
            body: body_json(&v.body),
            review_date: v.body.review_date(),
            end_date: v.body.end_date(),
            effective_from: v.effective_from,
            version: v.version,
            created_by: v.created_by.clone(),
            created_at: v.created_at.naive_utc(),
            updated_at: v.updated_at.naive_utc(),
        }
    }

    fn into_domain(self, kind: AgreementKind) -> StoreResult<Version> {
        Ok(Version {
            agreement: parse(
                "agreement_versions.agreement_id",
                AgreementId::parse(&self.agreement_id),
            )?,
            number: self.number,
            status: parse(
                "agreement_versions.status",
                VersionStatus::parse(&self.status),
            )?,
            title: self.title,
            body: parse_body(kind, &self.body)?,
            effective_from: self.effective_from,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

type AgreementRow = (String, String, String, String, String, NaiveDateTime);

fn agreement(row: AgreementRow) -> StoreResult<Agreement> {
    let (_, id, partnership, kind, created_by, created_at) = row;
    Ok(Agreement {
        id: parse("agreements.id", AgreementId::parse(&id))?,
        partnership: parse(
            "agreements.partnership_id",
            PartnershipId::parse(&partnership),
        )?,
        kind: parse("agreements.kind", AgreementKind::parse(&kind))?,
        created_by,
        created_at: created_at.and_utc(),
    })
}

/// Narrows a list of agreements.
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    /// Only this partnership's.
    pub partnership: Option<PartnershipId>,
    /// Only these partnerships' (`None`: any in the tenant).
    pub partnerships: Option<Vec<PartnershipId>>,
    /// Only this kind.
    pub kind: Option<AgreementKind>,
}

impl Tx<'_> {
    /// Stores a new agreement with its first version.
    pub fn insert_agreement(&mut self, a: &Agreement, first: &Version) -> StoreResult<()> {
        diesel::insert_into(agreements::table)
            .values((
                agreements::tenant_id.eq(self.tenant.as_str()),
                agreements::id.eq(a.id.as_str()),
                agreements::partnership_id.eq(a.partnership.as_str()),
                agreements::kind.eq(a.kind.as_str()),
                agreements::created_by.eq(&a.created_by),
                agreements::created_at.eq(a.created_at.naive_utc()),
            ))
            .execute(self.conn)?;
        self.insert_version(first)
    }

    /// Stores a new version.
    pub fn insert_version(&mut self, v: &Version) -> StoreResult<()> {
        let row = VersionRow::from_domain(self.tenant.as_str(), v);
        diesel::insert_into(agreement_versions::table)
            .values(&row)
            .execute(self.conn)?;
        Ok(())
    }

    /// One agreement of this tenant.
    pub fn agreement(&mut self, id: &AgreementId) -> StoreResult<Option<Agreement>> {
        let row: Option<AgreementRow> = agreements::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        row.map(agreement).transpose()
    }

    /// Locks an agreement's row until the transaction ends, so that concurrent signatures are
    /// counted one after another. `false` if there is no such agreement.
    pub fn lock_agreement(&mut self, id: &AgreementId) -> StoreResult<bool> {
        let n = diesel::update(agreements::table.find((self.tenant.as_str(), id.as_str())))
            .set(agreements::kind.eq(agreements::kind))
            .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Every version of an agreement, oldest first.
    pub fn versions(&mut self, a: &Agreement) -> StoreResult<Vec<Version>> {
        let rows: Vec<VersionRow> = agreement_versions::table
            .filter(agreement_versions::tenant_id.eq(self.tenant.as_str()))
            .filter(agreement_versions::agreement_id.eq(a.id.as_str()))
            .order(agreement_versions::number.asc())
            .load(self.conn)?;
        rows.into_iter().map(|r| r.into_domain(a.kind)).collect()
    }

    /// Saves a version if it is still at `expected`, bumping its ETag version.
    pub fn update_version(&mut self, v: &mut Version, expected: i32) -> StoreResult<bool> {
        v.version = expected + 1;
        v.updated_at = crate::store::now().and_utc();
        let row = VersionRow::from_domain(self.tenant.as_str(), v);
        let n = diesel::update(
            agreement_versions::table
                .find((self.tenant.as_str(), v.agreement.as_str(), v.number))
                .filter(agreement_versions::version.eq(expected)),
        )
        .set(&row)
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Every answer to one version.
    pub fn signatures(&mut self, a: &AgreementId, number: i32) -> StoreResult<Vec<Signature>> {
        let rows: Vec<(
            String,
            String,
            String,
            String,
            Option<String>,
            NaiveDateTime,
        )> = agreement_signatures::table
            .filter(agreement_signatures::tenant_id.eq(self.tenant.as_str()))
            .filter(agreement_signatures::agreement_id.eq(a.as_str()))
            .filter(agreement_signatures::number.eq(number))
            .order(agreement_signatures::at.asc())
            .select((
                agreement_signatures::organisation_id,
                agreement_signatures::decision,
                agreement_signatures::user_id,
                agreement_signatures::capacity,
                agreement_signatures::reason,
                agreement_signatures::at,
            ))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(org, decision, user, capacity, reason, at)| {
                Ok(Signature {
                    organisation: parse(
                        "agreement_signatures.organisation_id",
                        OrganisationId::parse(&org),
                    )?,
                    decision: parse("agreement_signatures.decision", Decision::parse(&decision))?,
                    user: parse("agreement_signatures.user_id", UserId::parse(&user))?,
                    capacity: parse("agreement_signatures.capacity", Capacity::parse(&capacity))?,
                    reason,
                    at: at.and_utc(),
                })
            })
            .collect()
    }

    /// Records a party's answer to a version; a second answer is a conflict.
    pub fn insert_signature(
        &mut self,
        a: &AgreementId,
        number: i32,
        s: &Signature,
    ) -> StoreResult<()> {
        diesel::insert_into(agreement_signatures::table)
            .values((
                agreement_signatures::tenant_id.eq(self.tenant.as_str()),
                agreement_signatures::agreement_id.eq(a.as_str()),
                agreement_signatures::number.eq(number),
                agreement_signatures::organisation_id.eq(s.organisation.as_str()),
                agreement_signatures::decision.eq(s.decision.as_str()),
                agreement_signatures::user_id.eq(s.user.as_str()),
                agreement_signatures::capacity.eq(s.capacity.as_str()),
                agreement_signatures::reason.eq(&s.reason),
                agreement_signatures::at.eq(s.at.naive_utc()),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Agreements with all their versions, oldest agreement first.
    pub fn list_agreements(
        &mut self,
        filter: &AgreementFilter,
    ) -> StoreResult<Vec<(Agreement, Vec<Version>)>> {
        let mut q = agreements::table
            .filter(agreements::tenant_id.eq(self.tenant.as_str()))
            .order(agreements::id.asc())
            .into_boxed();
        if let Some(p) = &filter.partnership {
            q = q.filter(agreements::partnership_id.eq(p.to_string()));
        }
        if let Some(ps) = &filter.partnerships {
            q = q.filter(
                agreements::partnership_id
                    .eq_any(ps.iter().map(|p| p.to_string()).collect::<Vec<_>>()),
            );
        }
        if let Some(k) = filter.kind {
            q = q.filter(agreements::kind.eq(k.as_str()));
        }
        let found: Vec<Agreement> = q
            .load::<AgreementRow>(self.conn)?
            .into_iter()
            .map(agreement)
            .collect::<StoreResult<_>>()?;
        let ids: Vec<&str> = found.iter().map(|a| a.id.as_str()).collect();
        let rows: Vec<VersionRow> = agreement_versions::table
            .filter(agreement_versions::tenant_id.eq(self.tenant.as_str()))
            .filter(agreement_versions::agreement_id.eq_any(ids))
            .order((
                agreement_versions::agreement_id.asc(),
                agreement_versions::number.asc(),
            ))
            .load(self.conn)?;
        let mut out: Vec<(Agreement, Vec<Version>)> =
            found.into_iter().map(|a| (a, Vec::new())).collect();
        for r in rows {
            if let Some((a, vs)) = out
                .iter_mut()
                .find(|(a, _)| a.id.as_str() == r.agreement_id)
            {
                let kind = a.kind;
                vs.push(r.into_domain(kind)?);
            }
        }
        Ok(out)
    }

    /// How many agreements a partnership has.
    pub fn count_agreements(&mut self, p: &PartnershipId) -> StoreResult<i64> {
        Ok(agreements::table
            .filter(agreements::tenant_id.eq(self.tenant.as_str()))
            .filter(agreements::partnership_id.eq(p.as_str()))
            .count()
            .get_result(self.conn)?)
    }

    /// The signatures of the in-force version of the partnership's `kind` agreement, with that
    /// version's number (`None` when none is in force).
    pub fn in_force_signers(
        &mut self,
        p: &PartnershipId,
        kind: AgreementKind,
    ) -> StoreResult<Option<(AgreementId, i32, Vec<Signature>)>> {
        let row: Option<(String, i32)> = agreement_versions::table
            .inner_join(
                agreements::table.on(agreements::tenant_id
                    .eq(agreement_versions::tenant_id)
                    .and(agreements::id.eq(agreement_versions::agreement_id))),
            )
            .filter(agreements::tenant_id.eq(self.tenant.as_str()))
            .filter(agreements::partnership_id.eq(p.as_str()))
            .filter(agreements::kind.eq(kind.as_str()))
            .filter(agreement_versions::status.eq(VersionStatus::InForce.as_str()))
            .order(agreement_versions::effective_from.desc())
            .select((agreement_versions::agreement_id, agreement_versions::number))
            .first(self.conn)
            .optional()?;
        let Some((id, number)) = row else {
            return Ok(None);
        };
        let id = parse("agreement_versions.agreement_id", AgreementId::parse(&id))?;
        let signed = self
            .signatures(&id, number)?
            .into_iter()
            .filter(|s| s.decision == Decision::Signed)
            .collect();
        Ok(Some((id, number, signed)))
    }
}
