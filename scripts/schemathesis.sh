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

schemathesis run "$BASE/openapi.json" -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance \
  --max-examples 25 --seed 42 -w 1 --max-response-time 5
