//! The change audit: append-only rows of who did what to which resource, when, and in which
//! request. Only inserts and reads exist here; the database refuses updates and deletes.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::{AuditId, TenantId};

use crate::error::{parse, StoreResult};
use crate::schema::audit_events;
use crate::store::{now, set_local, Page, PlatformTx, Tx, TENANT_SETTING};

/// A change to record.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    /// `user`, `api_client` or `platform_admin`.
    pub actor_kind: &'static str,
    /// Who made the change.
    pub actor_id: String,
    /// What they did, e.g. `partnership.created`.
    pub action: &'static str,
    /// The kind of resource changed, e.g. `partnership`.
    pub resource_type: &'static str,
    /// Its id.
    pub resource_id: String,
    /// The partnership the change belongs to, if any (lets a coordinator see it).
    pub partnership_id: Option<String>,
    /// The request that made it.
    pub request_id: Option<String>,
    /// Anything else worth keeping (never secrets).
    pub details: serde_json::Value,
}

/// A recorded change.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Its id.
    pub id: AuditId,
    /// When.
    pub at: DateTime<Utc>,
    /// `user`, `api_client` or `platform_admin`.
    pub actor_kind: String,
    /// Who made the change.
    pub actor_id: String,
    /// What they did.
    pub action: String,
    /// The kind of resource changed.
    pub resource_type: String,
    /// Its id.
    pub resource_id: String,
    /// The partnership the change belongs to, if any.
    pub partnership_id: Option<String>,
    /// The request that made it.
    pub request_id: Option<String>,
    /// Anything else kept.
    pub details: serde_json::Value,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = audit_events)]
struct AuditRow {
    tenant_id: String,
    id: String,
    at: NaiveDateTime,
    actor_kind: String,
    actor_id: String,
    action: String,
    resource_type: String,
    resource_id: String,
    partnership_id: Option<String>,
    request_id: Option<String>,
    details: String,
}

/// Narrows the audit listing.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this partnership's changes.
    pub partnership_id: Option<String>,
    /// Only this kind of resource.
    pub resource_type: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this actor.
    pub actor_id: Option<String>,
}

fn insert(
    conn: &mut crate::DbConnection,
    tenant: &TenantId,
    e: NewAuditEvent,
) -> StoreResult<AuditId> {
    let id = AuditId::new();
    let row = AuditRow {
        tenant_id: tenant.to_string(),
        id: id.to_string(),
        at: now(),
        actor_kind: e.actor_kind.into(),
        actor_id: e.actor_id,
        action: e.action.into(),
        resource_type: e.resource_type.into(),
        resource_id: e.resource_id,
        partnership_id: e.partnership_id,
        request_id: e.request_id,
        details: e.details.to_string(),
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(id)
}

impl PlatformTx<'_> {
    /// Appends a platform admin's change to a tenant's audit (the tenant's creation, say).
    pub fn record_for(&mut self, tenant: &TenantId, e: NewAuditEvent) -> StoreResult<AuditId> {
        // Row-level security admits the row only in a transaction scoped to its tenant.
        set_local(self.conn, TENANT_SETTING, tenant.as_str())?;
        insert(self.conn, tenant, e)
    }
}

impl Tx<'_> {
    /// Appends one change to the audit.
    pub fn record(&mut self, e: NewAuditEvent) -> StoreResult<AuditId> {
        insert(self.conn, self.tenant, e)
    }

    /// Audit rows in the order they were written.
    pub fn list_audit(
        &mut self,
        filter: &AuditFilter,
        page: &Page,
    ) -> StoreResult<Vec<AuditEvent>> {
        let mut q = audit_events::table
            .filter(audit_events::tenant_id.eq(self.tenant.as_str()))
            .order(audit_events::id.asc())
            .limit(page.limit + 1)
            .into_boxed();
        if let Some(after) = &page.after {
            q = q.filter(audit_events::id.gt(after.clone()));
        }
        if let Some(p) = &filter.partnership_id {
            q = q.filter(audit_events::partnership_id.eq(p.clone()));
        }
        if let Some(r) = &filter.resource_type {
            q = q.filter(audit_events::resource_type.eq(r.clone()));
        }
        if let Some(a) = &filter.action {
            q = q.filter(audit_events::action.eq(a.clone()));
        }
        if let Some(a) = &filter.actor_id {
            q = q.filter(audit_events::actor_id.eq(a.clone()));
        }
        q.load::<AuditRow>(self.conn)?
            .into_iter()
            .map(|r| {
                Ok(AuditEvent {
                    id: parse("audit_events.id", AuditId::parse(&r.id))?,
                    at: r.at.and_utc(),
                    actor_kind: r.actor_kind,
                    actor_id: r.actor_id,
                    action: r.action,
                    resource_type: r.resource_type,
                    resource_id: r.resource_id,
                    partnership_id: r.partnership_id,
                    request_id: r.request_id,
                    details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
                })
            })
            .collect()
    }
}
