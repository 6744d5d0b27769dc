//! The collection-level permissions handlers ask for by type.

use domain::authz::{Action, Resource};

use super::Permission;

macro_rules! permission {
    ($(#[$doc:meta])* $name:ident = $action:ident on $resource:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl Permission for $name {
            const ACTION: Action = Action::$action;
            fn resource() -> Resource<'static> {
                $resource
            }
        }
    };
}

permission!(
    /// Manage tenants (platform admins).
    ManageTenants = Update on Resource::Tenants
);
permission!(
    /// List organisations.
    ListOrganisations = List on Resource::Organisation(None)
);
permission!(
    /// Register an organisation.
    CreateOrganisation = Create on Resource::Organisation(None)
);
permission!(
    /// List users.
    ListUsers = List on Resource::User(None)
);
permission!(
    /// Create or invite a user.
    CreateUser = Create on Resource::User(None)
);
permission!(
    /// List the tenant's API clients.
    ListApiClients = List on Resource::ApiClients
);
permission!(
    /// Create or revoke an API client.
    ManageApiClients = Create on Resource::ApiClients
);
permission!(
    /// List partnerships (filtered to the caller's own unless they may see all).
    ListPartnerships = List on Resource::Partnership(None)
);
permission!(
    /// Broker or propose a partnership.
    CreatePartnership = Create on Resource::Partnership(None)
);
