//! Background upkeep: records in the change audit each consent that has reached its end date.
//! Consents stop allowing reads at their end date whether or not this has run (the rule checks
//! dates on every read); the sweep only makes the expiry visible in the audit. Several
//! instances may sweep at once: each expiry is claimed, and recorded, once.

use std::time::Duration;

use domain::consent::Grantee;
use persistence::{Page, Store};

use crate::audit::{Actor, EventExt};
use crate::error::ApiError;

/// Sweeps every tenant once; returns how many expiries were recorded.
pub fn sweep_once(store: &Store) -> Result<usize, ApiError> {
    let today = chrono::Utc::now().date_naive();
    let mut recorded = 0;
    let mut after = None;
    loop {
        let page = Page {
            after: after.clone(),
            limit: 100,
        };
        let tenants = store.platform(|tx| Ok::<_, ApiError>(tx.list_tenants(&page)?))?;
        let more = tenants.len() > 100;
        for t in tenants.iter().take(100) {
            recorded += store.write(&t.id, |tx| {
                let expired = tx.claim_expired_consents(today)?;
                let actor = Actor::system();
                for c in &expired {
                    let mut e = actor
                        .event("consent.expired", "consent", &c.id)
                        .with(serde_json::json!({ "grantor_id": c.grantor, "valid_until": c.valid_until }));
                    if let Grantee::Partnership(p) = &c.grantee {
                        e = e.in_partnership(p);
                    }
                    tx.record(e)?;
                }
                Ok::<_, ApiError>(expired.len())
            })?;
        }
        if !more {
            return Ok(recorded);
        }
        after = tenants.get(99).map(|t| t.id.to_string());
    }
}

/// Runs [`sweep_once`] every `every`, for as long as the runtime lives.
pub fn spawn(store: Store, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let s = store.clone();
            match tokio::task::spawn_blocking(move || sweep_once(&s)).await {
                Ok(Ok(n)) if n > 0 => tracing::info!(expired = n, "recorded expired consents"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "consent sweep failed"),
                Err(e) => tracing::warn!(error = %e, "consent sweep panicked"),
            }
        }
    });
}
