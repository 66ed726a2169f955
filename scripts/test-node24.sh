#!/usr/bin/env bash
# Runs the integration suite and the system tier under Node 24, the image's runtime (scripts/node24.sh fetches it), with the
# CLI built and spawned by that same Node. Extra arguments go to vitest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
node24=$(scripts/node24.sh)
echo "Node $("$node24" --version) at $node24"
"$node24" scripts/build.mjs
if (($#)); then exec "$node24" node_modules/vitest/vitest.mjs run "$@"; fi
"$node24" node_modules/vitest/vitest.mjs run test/integration
# The system tier too (TLS is the runtime's own code); its report beside the integration one.
report=${PGSHIFT_REPORT:-}
PGSHIFT_REPORT=${report:+${report%.json}-system.json} exec "$node24" node_modules/vitest/vitest.mjs run --config vitest.system.config.ts
