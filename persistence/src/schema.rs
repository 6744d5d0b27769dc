//! The one schema both backends share. Kept by hand: see `migrations/README.md`.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        status -> Text,
        suppression_k -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    platform_admins (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisations (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        kind -> Text,
        urn -> Nullable<Text>,
        phase -> Nullable<Text>,
        school_type -> Nullable<Text>,
        la_code -> Nullable<Text>,
        partner_kind -> Nullable<Text>,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email -> Text,
        name -> Text,
        tenant_admin -> Bool,
        status -> Text,
        password_hash -> Nullable<Text>,
        invitation_hash -> Nullable<Text>,
        invitation_expires_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    memberships (tenant_id, user_id, organisation_id) {
        tenant_id -> Text,
        user_id -> Text,
        organisation_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        tenant_id -> Nullable<Text>,
        subject_id -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, principal_id, route, idem_key) {
        scope -> Text,
        principal_id -> Text,
        route -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        response_body -> Text,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agreements (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        partnership_id -> Text,
        kind -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agreement_versions (tenant_id, agreement_id, number) {
        tenant_id -> Text,
        agreement_id -> Text,
        number -> Integer,
        status -> Text,
        title -> Text,
        body -> Text,
        review_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        effective_from -> Nullable<Date>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreement_signatures (tenant_id, agreement_id, number, organisation_id, at) {
        tenant_id -> Text,
        agreement_id -> Text,
        number -> Integer,
        organisation_id -> Text,
        decision -> Text,
        user_id -> Text,
        capacity -> Text,
        reason -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    consents (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        grantor_id -> Text,
        grantee_kind -> Text,
        grantee_id -> Nullable<Text>,
        categories -> Text,
        purpose -> Text,
        dsa_id -> Nullable<Text>,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        granted_by -> Text,
        granted_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
        expiry_recorded -> Bool,
    }
}

diesel::table! {
    school_profiles (tenant_id, organisation_id, category) {
        tenant_id -> Text,
        organisation_id -> Text,
        category -> Text,
        content -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    access_events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        at -> Timestamp,
        viewer_kind -> Text,
        viewer_id -> Text,
        viewer_organisation_id -> Nullable<Text>,
        owner_organisation_id -> Text,
        category -> Text,
        resource -> Text,
        consent_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    frameworks (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    framework_versions (tenant_id, framework_id, number) {
        tenant_id -> Text,
        framework_id -> Text,
        number -> Integer,
        status -> Text,
        name -> Text,
        definition -> Text,
        carried_over -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cycles (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        partnership_id -> Text,
        title -> Text,
        framework_id -> Text,
        framework_version -> Integer,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cycle_extensions (tenant_id, cycle_id, organisation_id) {
        tenant_id -> Text,
        cycle_id -> Text,
        organisation_id -> Text,
        closes_at -> Timestamp,
    }
}

diesel::table! {
    submissions (tenant_id, cycle_id, organisation_id) {
        tenant_id -> Text,
        cycle_id -> Text,
        organisation_id -> Text,
        status -> Text,
        narratives -> Text,
        version -> Integer,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    submission_scores (tenant_id, cycle_id, organisation_id, criterion) {
        tenant_id -> Text,
        cycle_id -> Text,
        organisation_id -> Text,
        criterion -> Text,
        school_score -> Nullable<Integer>,
        partnership_score -> Nullable<Integer>,
        not_yet_evidenced -> Bool,
        evidence -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    platform_admins,
    organisations,
    users,
    memberships,
    api_clients,
    refresh_tokens,
    idempotency_keys,
    partnerships,
    partnership_members,
    audit_events,
    agreements,
    agreement_versions,
    agreement_signatures,
    consents,
    school_profiles,
    access_events,
    frameworks,
    framework_versions,
    cycles,
    cycle_extensions,
    submissions,
    submission_scores,
);

diesel::table! {
    partnerships (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        name -> Text,
        vision -> Nullable<Text>,
        aims -> Text,
        status -> Text,
        broker_organisation_id -> Nullable<Text>,
        coordinator_id -> Nullable<Text>,
        chair_id -> Nullable<Text>,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partnership_members (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        partnership_id -> Text,
        organisation_id -> Text,
        role -> Text,
        status -> Text,
        point_person_id -> Nullable<Text>,
        invited_by -> Text,
        invited_at -> Timestamp,
        joined_at -> Nullable<Timestamp>,
        left_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        partnership_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Text,
    }
}
