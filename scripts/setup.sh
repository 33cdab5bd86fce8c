#!/usr/bin/env bash
# Installs everything Skyscale needs on this machine, idempotently (a second run takes
# seconds): Debian packages, gVisor's runsc (trixie build, in the cache), the sandbox
# root filesystem (in the cache), Node.js 24 (in the cache) when the machine's node is
# older than 22, npm dependencies, the TypeScript build, the dashboard (Vite, into
# build/dashboard) and the Go agent. Called by scripts/start.sh and scripts/test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/cache-paths.sh
source scripts/lib/cache-paths.sh

# Debian packages, runsc, the root filesystem, and a real gVisor sandbox as a check.
bash scripts/setup/all.sh

# The machine's node if it is 22 or newer, else Node 24 fetched into the cache; every
# step below (npm, tsc) runs on it.
bash scripts/setup/node.sh >/dev/null
skyscale_use_node
skyscale_log "node: $(command -v node) $(node --version), npm $(npm --version)"

# node_modules is kept while package-lock.json and the node's module ABI are unchanged
# (better-sqlite3 is native: a new Node major needs it rebuilt).
lock_hash="$(sha256sum package-lock.json | cut -c1-16) $(node -p '"node-abi" + process.versions.modules + "-" + process.platform + "-" + process.arch')"
if [ ! -f node_modules/.skyscale-lock-hash ] || [ "$(cat node_modules/.skyscale-lock-hash)" != "$lock_hash" ]; then
  skyscale_log "installing npm dependencies (npm ci; better-sqlite3 builds from source, about two minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.skyscale-lock-hash
fi

skyscale_log "building the control plane and CLI (tsc)"
rm -rf dist
npx --no-install tsc -p tsconfig.json

skyscale_log "building the dashboard (vite build into build/dashboard)"
npm run --silent build:dashboard

skyscale_log "building the agent (go build, static)"
(cd agent && CGO_ENABLED=0 go build -trimpath -o ../build/agent/skyscale-agent ./cmd/skyscale-agent)
skyscale_log "control plane, CLI, dashboard and agent built"
