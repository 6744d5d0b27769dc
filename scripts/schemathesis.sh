#!/usr/bin/env bash
# Runs schemathesis against a fresh server, authenticated as a tenant admin, with a fixed seed
# and a bounded budget: no 5xx, every response matching the documented schema, no undocumented
# status code. (Stricter checks — refused schema-valid input — wait for the schemas to carry
# every validation rule.)
#
#   bash scripts/schemathesis.sh        # needs cargo, curl, jq and python3 with pip
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v schemathesis >/dev/null; then
  python3 -m pip install --quiet schemathesis
fi
cargo build --bin concord

PORT=18090
BASE=http://127.0.0.1:$PORT
DATA_DIR=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

CONCORD_DATA_DIR="$DATA_DIR" CONCORD_BIND="127.0.0.1:$PORT" CONCORD_LOG_LEVEL=error \
  CONCORD_RATE_LIMIT_PER_MINUTE=10000000 CONCORD_TENANT_RATE_LIMIT_PER_MINUTE=10000000 \
  CONCORD_BOOTSTRAP_ADMIN_PASSWORD=schemathesis-admin-1 \
  target/debug/concord >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break; sleep 0.5; done

token() { jq -r .access_token; }
ADMIN=$(curl -fsS "$BASE/v1/auth/token" -d grant_type=password -d username=admin@concord.local \
  -d password=schemathesis-admin-1 | token)
TENANT=$(curl -fsS "$BASE/v1/tenants" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"slug":"schemathesis","name":"Schemathesis"}' | jq -r .id)
curl -fsS "$BASE/v1/tenants/$TENANT/admins" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"email":"admin@schemathesis.example","name":"Admin","password":"schemathesis-pass-2"}' >/dev/null
TOKEN=$(curl -fsS "$BASE/v1/auth/token" -d grant_type=password -d tenant=schemathesis \
  -d username=admin@schemathesis.example -d password=schemathesis-pass-2 | token)

# Real objects for the path parameters, so that operations reach their handlers' logic instead of
# answering 404 for generated ids.
post() { curl -fsS "$BASE$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }
export ST_TENANT=$TENANT
ST_SCHOOL=$(post /v1/organisations '{"name":"Hill Primary","kind":"school","urn":"137220","phase":"primary","school_type":"academy","la_code":"202"}' | jq -r .id)
ST_OTHER=$(post /v1/organisations '{"name":"Dale Primary","kind":"school","urn":"137221","phase":"primary","school_type":"state","la_code":"202"}' | jq -r .id)
ST_USER=$(post /v1/users "$(jq -n --arg org "$ST_SCHOOL" '{email: "head@hill.example", name: "Harriet Head",
  password: "head-passphrase-22", memberships: [{organisation_id: $org, role: "head"}]}')" | jq -r .id)
ST_CLIENT=$(post /v1/api-clients '{"name":"Dashboard","scopes":["organisations:read"]}' | jq -r .id)
ST_PARTNERSHIP=$(post /v1/partnerships '{"kind":"learning_partnership","name":"Hill and Dale","aims":["Reading"]}' | jq -r .id)
for org in "$ST_SCHOOL" "$ST_OTHER"; do
  post "/v1/partnerships/$ST_PARTNERSHIP/invitations" "{\"organisation_id\":\"$org\",\"role\":\"member\"}" >/dev/null
done
ST_AGREEMENT=$(post "/v1/partnerships/$ST_PARTNERSHIP/agreements" "$(jq -n --arg a "$ST_SCHOOL" --arg b "$ST_OTHER" \
  '{kind: "mou", title: "MOU", body: {aims: ["Reading"], parties: [$a, $b],
    contributions: [{party: $a, gives: "Staff time", category: "staff_time"}],
    start_date: "2026-09-01", end_date: "2027-08-31", review_date: "2027-06-30"}}')" | jq -r .id)
ST_CYCLE=$(post "/v1/partnerships/$ST_PARTNERSHIP/cycles" '{"title":"Autumn","framework_id":"fwk_00000000000000000000000001",
  "framework_version":1,"opens_at":"2026-09-01T08:00:00Z","closes_at":"2030-12-11T17:00:00Z"}' | jq -r .id)
export ST_SCHOOL ST_USER ST_CLIENT ST_PARTNERSHIP ST_AGREEMENT ST_CYCLE
for v in ST_SCHOOL ST_USER ST_CLIENT ST_PARTNERSHIP ST_AGREEMENT ST_CYCLE; do
  [[ "${!v}" =~ ^[a-z]{3}_ ]] || { echo "seeding $v failed: ${!v}"; exit 1; }
done

schemathesis --config-file scripts/schemathesis.toml run "$BASE/openapi.json" -H "Authorization: Bearer $TOKEN" \
  --phases examples,coverage,fuzzing,stateful \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,ignored_auth \
  --max-examples 25 --seed 42 -w 1 --max-response-time 5
