#!/usr/bin/env bash
# Runs the README's five-minute walk-through against a fresh server, so that the README stays
# true. The commands between the ">>> walkthrough" and "<<< walkthrough" lines below are the
# README's, line for line: keep them identical (this script checks, and fails on any drift).
#
#   bash scripts/walkthrough.sh        # from anywhere; needs cargo, curl and jq
set -euo pipefail

cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "walkthrough: jq is required" >&2; exit 1; }

# The README's walk-through commands must be this script's: compare the two (blank lines aside).
readme_block=$(awk '
  /<!-- walkthrough:begin -->/ { on = 1; next }
  /<!-- walkthrough:end -->/   { on = 0 }
  on && /^```/ { fenced = !fenced; next }
  on && fenced { print }
' README.md | grep -v '^[[:space:]]*$' || true)
script_block=$(sed -n '/^# >>> walkthrough$/,/^# <<< walkthrough$/p' scripts/walkthrough.sh |
  sed '1d;$d' | grep -v '^[[:space:]]*$' || true)
if [[ -z "$readme_block" || "$readme_block" != "$script_block" ]]; then
  echo "walkthrough: README.md and scripts/walkthrough.sh disagree (README < > script):" >&2
  diff <(printf '%s\n' "$readme_block") <(printf '%s\n' "$script_block") >&2 || true
  exit 1
fi

echo "walkthrough: building"
cargo build --bin concord

PORT=18080
BASE=http://127.0.0.1:$PORT
PASSWORD='walkthrough-admin-pass-2026'
DATA_DIR=$(mktemp -d)
SERVER_PID=
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap stop_server EXIT

if curl -s -o /dev/null "$BASE/healthz"; then
  echo "walkthrough: something already listens on port $PORT" >&2
  exit 1
fi
CONCORD_DATA_DIR="$DATA_DIR" \
  CONCORD_BIND="127.0.0.1:$PORT" \
  CONCORD_BOOTSTRAP_ADMIN_PASSWORD="$PASSWORD" \
  CONCORD_LOG_LEVEL=warn \
  target/debug/concord >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "walkthrough: the server exited:" >&2
    cat "$DATA_DIR/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS -o /dev/null "$BASE/healthz"
echo "walkthrough: server up on $BASE"

# The README uses plain `curl -fsS`. Here the same flags also show what failed: the request
# and the problem body the server answered with.
curl() {
  local args=() a out status
  for a in "$@"; do
    [[ "$a" == -fsS ]] && a=-sS
    args+=("$a")
  done
  out=$(command curl "${args[@]}" -w '\n%{http_code}') || return
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if ((status >= 400)); then
    {
      echo "walkthrough: HTTP $status from: curl $*" | sed -E 's/Bearer [^ ]+/Bearer <token>/g'
      echo "$out"
      echo "--- server log ---"
      tail -n 20 "$DATA_DIR/server.log"
    } >&2
    return 22
  fi
  printf '%s\n' "$out"
}

# >>> walkthrough
# 1. Sign in as the platform admin.
ADMIN_TOKEN=$(curl -fsS "$BASE/v1/auth/token" \
  --data-urlencode grant_type=password \
  --data-urlencode username=admin@concord.local \
  --data-urlencode "password=$PASSWORD" | jq -r .access_token)

# 2. Create a tenant: a local authority's space, and the boundary nothing crosses.
TENANT_ID=$(curl -fsS "$BASE/v1/tenants" \
  -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: create-north-shire' \
  -d '{"slug":"north-shire","name":"North Shire Council"}' | jq -r .id)
echo "$TENANT_ID"

# 3. Give it its first tenant admin.
curl -fsS "$BASE/v1/tenants/$TENANT_ID/admins" \
  -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"email":"officer@northshire.example","name":"Olive Officer","password":"officer-passphrase-1"}' | jq .

# 4. Sign in as that officer: a tenant user names the tenant by its slug.
OFFICER_TOKEN=$(curl -fsS "$BASE/v1/auth/token" \
  --data-urlencode grant_type=password \
  --data-urlencode tenant=north-shire \
  --data-urlencode username=officer@northshire.example \
  --data-urlencode password=officer-passphrase-1 | jq -r .access_token)

# 5. Register a school.
SCHOOL_ID=$(curl -fsS "$BASE/v1/organisations" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"name":"Hill Primary School","kind":"school","urn":"137220","phase":"primary","school_type":"academy","la_code":"202"}' | jq -r .id)
curl -fsS "$BASE/v1/organisations?limit=10" -H "Authorization: Bearer $OFFICER_TOKEN" | jq .

# 6. Add the school's head.
curl -fsS "$BASE/v1/users" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "$(jq -n --arg org "$SCHOOL_ID" '{email: "head@hill.example", name: "Harriet Head",
        password: "head-passphrase-22", memberships: [{organisation_id: $org, role: "head"}]}')" | jq .

# 7. Sign in as the head and ask who you are.
HEAD_TOKEN=$(curl -fsS "$BASE/v1/auth/token" \
  --data-urlencode grant_type=password \
  --data-urlencode tenant=north-shire \
  --data-urlencode username=head@hill.example \
  --data-urlencode password=head-passphrase-22 | jq -r .access_token)
ME=$(curl -fsS "$BASE/v1/me" -H "Authorization: Bearer $HEAD_TOKEN")
echo "$ME" | jq .

# 8. Register a second school and its head.
DALE_ID=$(curl -fsS "$BASE/v1/organisations" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"name":"Dale Primary School","kind":"school","urn":"137221","phase":"primary","school_type":"state","la_code":"202"}' | jq -r .id)
curl -fsS "$BASE/v1/users" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "$(jq -n --arg org "$DALE_ID" '{email: "head@dale.example", name: "Dev Dale",
        password: "dale-passphrase-33", memberships: [{organisation_id: $org, role: "head"}]}')" | jq .
DALE_TOKEN=$(curl -fsS "$BASE/v1/auth/token" \
  --data-urlencode grant_type=password \
  --data-urlencode tenant=north-shire \
  --data-urlencode username=head@dale.example \
  --data-urlencode password=dale-passphrase-33 | jq -r .access_token)

# 9. Broker a partnership and invite both schools.
PARTNERSHIP_ID=$(curl -fsS "$BASE/v1/partnerships" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"kind":"learning_partnership","name":"Hill and Dale Reading Partnership","aims":["Every child reads with confidence by 11"]}' | jq -r .id)
for SCHOOL in "$SCHOOL_ID" "$DALE_ID"; do
  curl -fsS "$BASE/v1/partnerships/$PARTNERSHIP_ID/invitations" \
    -H "Authorization: Bearer $OFFICER_TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"organisation_id\":\"$SCHOOL\",\"role\":\"member\"}" | jq -c '{organisation_name, status}'
done

# 10. Each head sees the invitation and accepts it; the partnership becomes active.
curl -fsS "$BASE/v1/invitations" -H "Authorization: Bearer $HEAD_TOKEN" | jq -c '.items[] | {partnership_name, role}'
curl -fsS -X POST "$BASE/v1/partnerships/$PARTNERSHIP_ID/members/$SCHOOL_ID/accept" -H "Authorization: Bearer $HEAD_TOKEN" | jq -c .
curl -fsS -X POST "$BASE/v1/partnerships/$PARTNERSHIP_ID/members/$DALE_ID/accept" -H "Authorization: Bearer $DALE_TOKEN" | jq -c .
PARTNERSHIP=$(curl -fsS "$BASE/v1/partnerships/$PARTNERSHIP_ID/overview" -H "Authorization: Bearer $HEAD_TOKEN")
echo "$PARTNERSHIP" | jq '{status: .partnership.status, counts}'

# 11. Draft a memorandum of understanding between the two schools and open it for signature.
MOU_ID=$(curl -fsS "$BASE/v1/partnerships/$PARTNERSHIP_ID/agreements" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "$(jq -n --arg hill "$SCHOOL_ID" --arg dale "$DALE_ID" '{kind: "mou", title: "Reading partnership MOU 2026-27",
        body: {aims: ["Share reading leadership"], parties: [$hill, $dale],
               contributions: [{party: $hill, gives: "Two days a term of our English lead", category: "staff_time"},
                               {party: $dale, gives: "Hosting the termly moderation day", category: "facilities"}],
               start_date: "2026-09-01", end_date: "2027-08-31", review_date: "2027-06-30"}}')" | jq -r .id)
curl -fsS -X POST "$BASE/v1/agreements/$MOU_ID/versions/1/open" -H "Authorization: Bearer $OFFICER_TOKEN" | jq -c '{status, required_parties}'

# 12. Both heads sign; the MOU comes into force at the last signature.
curl -fsS "$BASE/v1/agreements/$MOU_ID/versions/1/sign" \
  -H "Authorization: Bearer $HEAD_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "{\"organisation_id\":\"$SCHOOL_ID\"}" | jq -c '{status, unsigned_parties}'
MOU=$(curl -fsS "$BASE/v1/agreements/$MOU_ID/versions/1/sign" \
  -H "Authorization: Bearer $DALE_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "{\"organisation_id\":\"$DALE_ID\"}")
echo "$MOU" | jq '{status, effective_from}'
curl -fsS "$BASE/v1/agreements/$MOU_ID/versions/1/document" -H "Authorization: Bearer $HEAD_TOKEN"

# 13. A third school joins the partnership.
VALE_ID=$(curl -fsS "$BASE/v1/organisations" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"name":"Vale Primary School","kind":"school","urn":"137222","phase":"primary","school_type":"state","la_code":"202"}' | jq -r .id)
curl -fsS "$BASE/v1/users" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "$(jq -n --arg org "$VALE_ID" '{email: "head@vale.example", name: "Val Vale",
        password: "vale-passphrase-44", memberships: [{organisation_id: $org, role: "head"}]}')" | jq -c '{id, email}'
VALE_TOKEN=$(curl -fsS "$BASE/v1/auth/token" \
  --data-urlencode grant_type=password \
  --data-urlencode tenant=north-shire \
  --data-urlencode username=head@vale.example \
  --data-urlencode password=vale-passphrase-44 | jq -r .access_token)
curl -fsS "$BASE/v1/partnerships/$PARTNERSHIP_ID/invitations" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d "{\"organisation_id\":\"$VALE_ID\",\"role\":\"member\"}" | jq -c '{organisation_name, status}'
curl -fsS -X POST "$BASE/v1/partnerships/$PARTNERSHIP_ID/members/$VALE_ID/accept" -H "Authorization: Bearer $VALE_TOKEN" | jq -c '{organisation_name, status}'

# 14. Open an evaluation cycle on Concord's built-in framework.
CYCLE_ID=$(curl -fsS "$BASE/v1/partnerships/$PARTNERSHIP_ID/cycles" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"title":"Autumn 2026","framework_id":"fwk_00000000000000000000000001","framework_version":1,
       "opens_at":"2026-09-01T08:00:00Z","closes_at":"2030-12-11T17:00:00Z"}' | jq -r .id)
curl -fsS "$BASE/v1/cycles/$CYCLE_ID/status" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"status":"open"}' | jq -c '{title, status}'

# 15. Each head scores every criterion (here simply the same score throughout) and submits.
CRITERIA=$(curl -fsS "$BASE/v1/frameworks/fwk_00000000000000000000000001/versions/1" \
  -H "Authorization: Bearer $HEAD_TOKEN" | jq -c '[.areas[].sub_themes[].criteria[].code]')
for ENTRY in "$HEAD_TOKEN $SCHOOL_ID 3" "$DALE_TOKEN $DALE_ID 2" "$VALE_TOKEN $VALE_ID 4"; do
  read -r TOKEN SCHOOL SCORE <<<"$ENTRY"
  curl -fsS -X PUT "$BASE/v1/cycles/$CYCLE_ID/submissions/$SCHOOL" \
    -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -H 'If-Match: "v0"' \
    -d "$(jq -n --argjson codes "$CRITERIA" --argjson s "$SCORE" \
          '{scores: [$codes[] | {criterion: ., school_score: $s, partnership_score: 3}]}')" >/dev/null
  curl -fsS -X POST "$BASE/v1/cycles/$CYCLE_ID/submissions/$SCHOOL/submit" \
    -H "Authorization: Bearer $TOKEN" | jq -c '{organisation_id, status}'
done

# 16. Close the cycle. Each head sees the partnership's figures and their own school beside
#     them, as JSON, CSV or a chart to open in a browser.
curl -fsS "$BASE/v1/cycles/$CYCLE_ID/status" \
  -H "Authorization: Bearer $OFFICER_TOKEN" \
  -H 'Content-Type: application/json' \
  -d '{"status":"closed"}' | jq -c '{title, status}'
ANALYSIS=$(curl -fsS "$BASE/v1/cycles/$CYCLE_ID/analysis" -H "Authorization: Bearer $HEAD_TOKEN")
echo "$ANALYSIS" | jq -c '.areas[] | {area: .title, partnership_mean: .school.mean, own_school: .own_school.school_score}'
curl -fsS "$BASE/v1/cycles/$CYCLE_ID/analysis.svg" -H "Authorization: Bearer $HEAD_TOKEN" -o "${TMPDIR:-/tmp}/concord-chart.svg"
echo "chart: ${TMPDIR:-/tmp}/concord-chart.svg"
# <<< walkthrough

echo "$ME" | jq -e --arg tenant "$TENANT_ID" --arg school "$SCHOOL_ID" '
  .kind == "user"
  and (.id | startswith("usr_"))
  and .email == "head@hill.example"
  and .name == "Harriet Head"
  and .tenant_admin == false
  and .tenant.id == $tenant
  and .tenant.slug == "north-shire"
  and .tenant.name == "North Shire Council"
  and (.memberships | length) == 1
  and .memberships[0].organisation_id == $school
  and .memberships[0].organisation_name == "Hill Primary School"
  and .memberships[0].role == "head"
' >/dev/null || {
  echo "walkthrough: /v1/me did not describe the head of Hill Primary School in North Shire" >&2
  exit 1
}
echo "$PARTNERSHIP" | jq -e '.partnership.status == "active" and .counts.active_members == 2' >/dev/null || {
  echo "walkthrough: the brokered partnership is not active with two members" >&2
  exit 1
}
echo "$MOU" | jq -e '.status == "in_force" and (.unsigned_parties | length) == 0 and .effective_from != null' >/dev/null || {
  echo "walkthrough: the MOU did not come into force" >&2
  exit 1
}
echo "$ANALYSIS" | jq -e '.status == "closed" and .participation.submitted == 3
  and ([.areas[].school.mean] | all(. == 3)) and ([.areas[].own_school.school_score] | all(. == 3))' >/dev/null || {
  echo "walkthrough: the analysis does not show three schools' means of 3" >&2
  exit 1
}
grep -q '</svg>' "${TMPDIR:-/tmp}/concord-chart.svg" || {
  echo "walkthrough: the chart is not an SVG" >&2
  exit 1
}
echo "walkthrough: passed"
