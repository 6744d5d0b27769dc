#!/usr/bin/env bash
# Fault checks (docs/faults.md): Redis killed under a mixed load, PostgreSQL stopped with
# `-m immediate` under a write load, 50 concurrent POSTs with one Idempotency-Key, and If-Match
# races. Builds Concord, makes a fresh PostgreSQL database, starts two servers on it and runs
# scripts/faults.py against them; loopback only, a few minutes at most.
#
#   bash scripts/faults.sh        # needs cargo, PostgreSQL 15+ and Redis running locally, python3
#
# It STOPS AND RESTARTS the local PostgreSQL and Redis (a few seconds each) and starts both
# again on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --bin concord

PG_VERSION=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
RUN_ID=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
DB=concord_faults_$RUN_ID
PREFIX=faults-$RUN_ID
PORT_A=18190
PORT_B=18191
LIMIT_B=30
PASSWORD=faults-admin-pass-1
DATA_DIR=$(mktemp -d)
PIDS=()
DB_MADE=

ensure_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "faults: starting PostgreSQL"
    # syncfs: see PG_START_OPTS in faults.py (crash recovery in seconds, not minutes)
    pg_ctlcluster --skip-systemctl-redirect -o "-c recovery_init_sync_method=syncfs" "$PG_VERSION" main start || true
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  if [[ "$(redis-cli -p 6379 ping 2>/dev/null)" != PONG ]]; then
    echo "faults: starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 20); do [[ "$(redis-cli -p 6379 ping 2>/dev/null)" == PONG ]] && break; sleep 0.5; done
  fi
}

cleanup() {
  local rc=$?
  set +e
  ensure_services
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if ((rc != 0)); then
    for log in "$DATA_DIR"/server-*.log; do
      [[ -f "$log" ]] && { echo "--- last lines of $log"; tail -n 20 "$log"; }
    done
  fi
  redis-cli -p 6379 --scan --pattern "$PREFIX*" 2>/dev/null | xargs -r redis-cli -p 6379 del >/dev/null
  [[ -n "$DB_MADE" ]] && dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
  rm -rf "$DATA_DIR"
  exit "$rc"
}
trap cleanup EXIT

ensure_services
createdb -h 127.0.0.1 -U postgres "$DB"
DB_MADE=1
psql -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -f deploy/postgres-roles.sql >/dev/null

# Both servers share the database and the data directory (so the signing key: a token from one
# is valid at the other); B has a low per-client rate limit for the fallback check.
start_server() { # name port per-client-limit
  CONCORD_DATABASE_URL="postgres://concord_api:concord-api@127.0.0.1:5432/$DB" \
    CONCORD_DATABASE_MIGRATION_URL="postgres://postgres@127.0.0.1:5432/$DB" \
    CONCORD_REDIS_URL=redis://127.0.0.1:6379/ CONCORD_CACHE_PREFIX="$PREFIX-$1" \
    CONCORD_DATA_DIR="$DATA_DIR" CONCORD_BIND="127.0.0.1:$2" CONCORD_LOG_LEVEL=warn \
    CONCORD_RATE_LIMIT_PER_MINUTE="$3" CONCORD_TENANT_RATE_LIMIT_PER_MINUTE=10000000 \
    CONCORD_BOOTSTRAP_ADMIN_PASSWORD=$PASSWORD \
    target/debug/concord >"$DATA_DIR/server-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -fsS -o /dev/null "http://127.0.0.1:$2/healthz" 2>/dev/null && return; sleep 0.5; done
  echo "server $1 did not start"; exit 1
}
start_server a "$PORT_A" 10000000
start_server b "$PORT_B" "$LIMIT_B"

FAULTS_PREFIX=$PREFIX timeout 300 python3 scripts/faults.py --base "http://127.0.0.1:$PORT_A" \
  --base-b "http://127.0.0.1:$PORT_B" --limit-b "$LIMIT_B" --admin-password "$PASSWORD" "$@"

# Neither server was restarted: both are the processes started above.
for pid in "${PIDS[@]}"; do
  kill -0 "$pid" || { echo "a Concord server died during the faults"; exit 1; }
done
echo "both Concord servers ran throughout (pids ${PIDS[*]})"
