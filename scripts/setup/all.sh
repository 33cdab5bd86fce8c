#!/usr/bin/env bash
# scripts/setup/all.sh — everything a Skyscale machine (developer, CI) needs, in order:
# host packages, runsc, the sandbox root filesystem, a gVisor check, and a Docker engine
# with runsc registered (started when none answers; SKYSCALE_SKIP_DOCKER=1 skips it). Idempotent; a
# second run takes about a second (plus ~3 s for the gVisor check unless
# SKYSCALE_SKIP_GVISOR_CHECK=1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/cache-paths.sh
source "$here/../lib/cache-paths.sh"

"$here/system-packages.sh"
"$here/runsc.sh" >/dev/null
"$here/rootfs.sh" >/dev/null
if [[ "${SKYSCALE_SKIP_GVISOR_CHECK:-0}" != 1 ]]; then
  "$here/check-gvisor.sh" "$SKYSCALE_RUNSC" "$SKYSCALE_ROOTFS" >/dev/null
fi
if [[ "${SKYSCALE_SKIP_DOCKER:-0}" != 1 ]]; then
  # gVisor and namespace sandboxes do not need it: a failure here is a warning
  "$here/docker.sh" || skyscale_warn "docker: no engine; the docker and docker-runsc sandbox drivers are unavailable"
fi
skyscale_log "ready: runsc $SKYSCALE_RUNSC, rootfs $SKYSCALE_ROOTFS"
