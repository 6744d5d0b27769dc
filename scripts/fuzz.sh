#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time each; fails if any target crashes
# (a panic, a broken invariant, a timeout or running out of memory). See docs/fuzzing.md.
#
#   scripts/fuzz.sh            # 25 s per target: the CI run
#   scripts/fuzz.sh 1800       # half an hour per target: the longer run
#   FUZZ_TARGETS="jwt visibility" scripts/fuzz.sh 60
#
# Needs a nightly toolchain (installed with rustup if missing) and cargo-fuzz (installed if
# missing). Environment: FUZZ_TOOLCHAIN (default nightly), FUZZ_SANITIZER (default none; the
# code under test is safe Rust, see docs/fuzzing.md), FUZZ_TARGETS (default: all).
set -euo pipefail

cd "$(dirname "$0")/.."
SECS=${1:-25}
TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
SANITIZER=${FUZZ_SANITIZER:-none}
export CARGO_TERM_COLOR=never

if ! [[ "$SECS" =~ ^[0-9]+$ ]] || ((SECS < 1)); then
  echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2
  exit 2
fi

if ! cargo "+$TOOLCHAIN" --version >/dev/null 2>&1; then
  echo "installing the $TOOLCHAIN toolchain"
  rustup toolchain install "$TOOLCHAIN" --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

FUZZ=(cargo "+$TOOLCHAIN" fuzz)
TARGETS=${FUZZ_TARGETS:-$("${FUZZ[@]}" list)}

echo "=== building the fuzz targets (sanitizer: $SANITIZER)"
started=$SECONDS
"${FUZZ[@]}" build --sanitizer "$SANITIZER"
echo "built in $((SECONDS - started)) s"

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
failed=()
summary=()
for t in $TARGETS; do
  echo
  echo "=== fuzzing $t for $SECS s"
  # New inputs go to a scratch corpus; the committed seeds in fuzz/corpus/$t are only read.
  work="$LOGS/corpus-$t"
  mkdir -p "$work" "fuzz/artifacts/$t"
  rc=0
  "${FUZZ[@]}" run --sanitizer "$SANITIZER" "$t" "$work" "fuzz/corpus/$t" -- \
    -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$LOGS/$t.log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOGS/$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$LOGS/$t.log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$LOGS/$t.log" | tail -1 || true)
  if ((rc != 0)); then
    failed+=("$t")
    tail -n 60 "$LOGS/$t.log"
    summary+=("$(printf '%-14s FAILED (exit %s)' "$t" "$rc")")
  else
    summary+=("$(printf '%-14s ok  %10s execs  %7s execs/s  %s' "$t" "${execs:-?}" "${rate:-?}" "$cov")")
  fi
  echo "${summary[-1]}"
done

echo
echo "=== fuzzing summary ($SECS s per target)"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo
  echo "crashing inputs are in fuzz/artifacts/<target>/; reproduce one with"
  echo "  cargo +$TOOLCHAIN fuzz run --sanitizer $SANITIZER <target> fuzz/artifacts/<target>/<file>"
  echo "FAILED: ${failed[*]}"
  exit 1
fi
