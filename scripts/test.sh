#!/usr/bin/env bash
# One command on a fresh machine: set everything up, then run every test — the Go
# agent's, the Python runtime's, the control plane's unit tests, and the integration
# and end-to-end tests that run real functions in gVisor sandboxes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# The Node.js that setup chose (the machine's if 22 or newer, else the cache's); only
# PATH is taken over, as bin/skyscale does.
PATH="$(source scripts/lib/cache-paths.sh && printf '%s' "$PATH")"
export PATH
echo "== node $(node --version) ($(command -v node))"

echo "== agent (go vet, go test)"
(cd agent && go vet ./... && go test -count=1 -race ./...)

echo "== python runtime (unittest)"
python3 -m unittest discover -s runtimes/python -p 'test_*.py'

echo "== control plane unit tests"
node --test --test-concurrency=1 $(find dist/src -name '*.test.js' | sort)

echo "== integration and end-to-end tests (gVisor)"
node --test --test-concurrency=1 --test-timeout=300000 $(find dist/test -name '*.test.js' | sort)

echo "== core integration tests on the namespace (bubblewrap) driver"
SKYSCALE_TEST_SANDBOX=namespace node --test --test-concurrency=1 --test-timeout=300000 dist/test/invoke.test.js dist/test/failures.test.js dist/test/isolation.test.js dist/test/freeze.test.js
