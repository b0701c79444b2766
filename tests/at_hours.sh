#!/usr/bin/env bash
# Run the whole suite once per faked start time, one run after another, to show that no test
# depends on the hour it runs at. Needs libfaketime (apt-get install -y faketime).
#
#   tests/at_hours.sh [pytest arguments]        # today at 00:30, 11:00 and 23:30 UTC
#   AT_HOURS="06:00 22:15" AT_DATE=2027-03-28 tests/at_hours.sh -x -q
#
# Each run's clock starts at that time and runs on from there (`faketime -f '@DATE TIME'`);
# the processes the tests start continue the same faked clock (FAKETIME_DONT_RESET). The
# suite runs on SQLite, and on PostgreSQL too when ALERTSVC_TEST_POSTGRES_URL is set.
# Debian 12's libfaketime 0.9.10 needs three work-arounds, none about our code:
# - the monotonic clock stays real: faked, CPython's timed lock waits never return;
# - tests/hours/sitecustomize.py: with a real monotonic clock, time.sleep fails (EINVAL);
# - tests/browser/conftest.py starts Chromium without libfaketime, under which it cannot
#   start; the pages take their time from the server's clock, which each test sets.
# Logs: test-artifacts/at-hours/HH:MM.log
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null 2>&1; then
  echo "at_hours: faketime is missing (apt-get install -y faketime)" >&2
  exit 2
fi
PYTEST=${PYTEST:-.venv/bin/pytest}
DATE=${AT_DATE:-$(date -u +%F)}
HOURS=${AT_HOURS:-"00:30 11:00 23:30"}
LOGS=test-artifacts/at-hours
mkdir -p "$LOGS"

export TZ=UTC FAKETIME_DONT_RESET=1 FAKETIME_DONT_FAKE_MONOTONIC=1
export PYTHONPATH="$PWD/tests/hours${PYTHONPATH:+:$PYTHONPATH}"

summary=()
failed=0
for hour in $HOURS; do
  echo "== the suite at $DATE $hour UTC"
  started=$(date +%s)
  faketime -m -f "@$DATE $hour:00" "$PYTEST" "$@" 2>&1 | tee "$LOGS/$hour.log"
  status=${PIPESTATUS[0]}
  seconds=$(($(date +%s) - started))
  result=$(grep -E '^=* ?[0-9]+ (passed|failed)|(passed|failed|error).* in [0-9.]+s' "$LOGS/$hour.log" | tail -1)
  summary+=("$hour UTC: exit $status in ${seconds}s: ${result//=/}")
  [ "$status" -eq 0 ] || failed=1
done

echo "== at_hours on $DATE"
printf '%s\n' "${summary[@]}"
exit "$failed"
