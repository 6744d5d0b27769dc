DROP TABLE access_events;
DROP FUNCTION access_events_append_only();
DROP TABLE school_profiles;
DROP TABLE consents;
