//! Recording changes in the audit: who (the principal), in which request, did what to what.
//!
//! Handlers capture an [`Actor`] before they leave the async task (the request id lives in a
//! task-local) and record inside the same transaction as the change, so a change and its audit
//! row commit or fail together.

use domain::authz::Principal;
use persistence::NewAuditEvent;
use serde_json::Value;

use crate::request_id;

/// `user`, `api_client` or `platform_admin`: how audit and access rows name a principal's kind.
pub fn principal_kind(principal: &Principal) -> &'static str {
    match principal {
        Principal::PlatformAdmin { .. } => "platform_admin",
        Principal::User(_) => "user",
        Principal::ApiClient(_) => "api_client",
    }
}

/// Who is making a change, and in which request.
#[derive(Debug, Clone)]
pub struct Actor {
    kind: &'static str,
    id: String,
    request_id: Option<String>,
}

impl Actor {
    /// The authenticated principal making the current request.
    pub fn of(principal: &Principal) -> Actor {
        Actor::new(principal_kind(principal), principal.id_str())
    }

    /// Concord itself (e.g. recording that a consent expired).
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: "concord".into(),
            request_id: None,
        }
    }

    /// A user acting without a token (accepting an invitation).
    pub fn user(id: &domain::UserId) -> Actor {
        Actor::new("user", id.as_str())
    }

    fn new(kind: &'static str, id: &str) -> Actor {
        Actor {
            kind,
            id: id.to_owned(),
            request_id: request_id::current().map(|r| r.to_string()),
        }
    }

    /// The audit row for `action` on a resource.
    pub fn event(
        &self,
        action: &'static str,
        resource_type: &'static str,
        resource_id: impl ToString,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor_kind: self.kind,
            actor_id: self.id.clone(),
            action,
            resource_type,
            resource_id: resource_id.to_string(),
            partnership_id: None,
            request_id: self.request_id.clone(),
            details: Value::Object(Default::default()),
        }
    }
}

/// Builder-style additions to an audit row.
pub trait EventExt {
    /// Files the change under a partnership (so its coordinator sees it).
    fn in_partnership(self, id: &domain::PartnershipId) -> Self;
    /// Adds details.
    fn with(self, details: Value) -> Self;
}

impl EventExt for NewAuditEvent {
    fn in_partnership(mut self, id: &domain::PartnershipId) -> Self {
        self.partnership_id = Some(id.to_string());
        self
    }

    fn with(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}
