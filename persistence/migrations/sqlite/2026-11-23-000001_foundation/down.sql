DROP TABLE idempotency_keys;
DROP TABLE refresh_tokens;
DROP TABLE api_clients;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisations;
DROP TABLE platform_admins;
DROP TABLE tenants;
