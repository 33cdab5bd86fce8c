#!/usr/bin/env bash
# One command on a fresh machine: set everything up, then run the control plane in the
# foreground with embedded defaults (gVisor sandboxes, SQLite in ~/.skyscale,
# http://127.0.0.1:8080). Extra arguments go to `skyscale server`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
exec "$root/bin/skyscale" server "$@"
