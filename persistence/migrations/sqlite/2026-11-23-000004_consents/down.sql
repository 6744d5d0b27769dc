DROP TRIGGER access_events_no_delete;
DROP TRIGGER access_events_no_update;
DROP TABLE access_events;
DROP TABLE school_profiles;
DROP TABLE consents;
