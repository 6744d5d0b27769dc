-- The roles Concord uses on PostgreSQL. Run once per server, as a superuser (the Docker image
-- runs it on first start from /docker-entrypoint-initdb.d).
--
--   concord_app   owns nothing and may only read and write rows; row-level security holds it.
--   concord_api   the login Concord serves with (CONCORD_DATABASE_URL): a member of concord_app.
--
-- The tables belong to the role that runs the migrations (CONCORD_DATABASE_MIGRATION_URL).
-- Change the password before anything real.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'concord_app') THEN
        CREATE ROLE concord_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'concord_api') THEN
        CREATE ROLE concord_api LOGIN PASSWORD 'concord-api' IN ROLE concord_app;
    END IF;
END
$$;
