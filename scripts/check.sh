#!/usr/bin/env bash
# The quick check, with no root, no sandbox and no setup beyond `npm ci`, Go and
# python3: the control plane's types, the dashboard's types and build (Vite, into
# build/dashboard, which the server serves at /), the control plane's unit tests (the
# API ones run in process on a fake sandbox driver), the agent's go vet and go test,
# the Python and Node.js runtimes' unit tests, and the import layering
# (scripts/check-layers.mjs).
# Well under a minute. scripts/test.sh runs it too, before the integration tests.
#   scripts/check.sh [--race]   (--race: the agent's tests under the race detector)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
race=""
[ "${1:-}" = "--race" ] && race="-race"

# One compile does both: tsc exits non-zero on any type error, as --noEmit would, and
# the unit tests run from what it emits (a second, --noEmit pass would double the time).
echo "== types, and the build the unit tests run from (tsc)"
rm -rf dist
npx --no-install tsc -p tsconfig.json

echo "== dashboard (types, vite build into build/dashboard)"
npm run --silent build:dashboard

echo "== control plane unit tests"
node --test --test-concurrency=1 $(find dist/src -name '*.test.js' | sort)

echo "== agent (go vet, go test${race:+ -race})"
(cd agent && go vet ./... && go test -count=1 $race ./...)

echo "== python runtime (unittest)"
python3 -m unittest discover -s runtimes/python -p 'test_*.py'

echo "== node runtime (node --test)"
node --test runtimes/node/test/*.test.mjs

echo "== import layers"
node scripts/check-layers.mjs
