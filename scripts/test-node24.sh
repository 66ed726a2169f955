#!/usr/bin/env bash
# Runs the integration suite under Node 24, the image's runtime (scripts/node24.sh fetches it), with the
# CLI built and spawned by that same Node. Extra arguments go to vitest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
node24=$(scripts/node24.sh)
echo "Node $("$node24" --version) at $node24"
"$node24" scripts/build.mjs
if (($#)); then exec "$node24" node_modules/vitest/vitest.mjs run "$@"; fi
exec "$node24" node_modules/vitest/vitest.mjs run test/integration
