#!/usr/bin/env bash
# One command on a fresh machine: set everything up, then run every test: the quick
# check (types, the control plane's unit tests, the Go agent's under the race
# detector, the Python runtime's, the import layering), then the integration and
# end-to-end tests that run real functions in gVisor sandboxes (among them
# test/dashboard.test.ts: the dashboard in headless chromium, through playwright-core),
# and the core ones again on the namespace (bubblewrap) and docker drivers (the engine
# setup started or found).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# The Node.js that setup chose (the machine's if 22 or newer, else the cache's); only
# PATH is taken over, as bin/skyscale does.
PATH="$(source scripts/lib/cache-paths.sh && printf '%s' "$PATH")"
export PATH
echo "== node $(node --version) ($(command -v node))"

bash scripts/check.sh --race

# check.sh rebuilt dist/; the agent binary setup built is still in build/

echo "== integration and end-to-end tests (gVisor)"
node --test --test-concurrency=1 --test-timeout=300000 $(find dist/test -name '*.test.js' | sort)

echo "== core integration tests on the namespace (bubblewrap) driver"
SKYSCALE_TEST_SANDBOX=namespace node --test --test-concurrency=1 --test-timeout=300000 dist/test/invoke.test.js dist/test/failures.test.js dist/test/isolation.test.js dist/test/network.test.js dist/test/freeze.test.js dist/test/metrics.test.js dist/test/node-runtime.test.js dist/test/async-queue.test.js

echo "== core integration tests on the docker driver (runc), then docker-runsc (gVisor in the engine)"
SKYSCALE_TEST_SANDBOX=docker node --test --test-concurrency=1 --test-timeout=300000 dist/test/invoke.test.js dist/test/failures.test.js dist/test/isolation.test.js
SKYSCALE_TEST_SANDBOX=docker-runsc node --test --test-concurrency=1 --test-timeout=300000 dist/test/invoke.test.js dist/test/failures.test.js dist/test/isolation.test.js dist/test/docker.test.js
