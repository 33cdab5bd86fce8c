#!/usr/bin/env bash
# scripts/setup/docker.sh — a Docker engine for the docker and docker-runsc sandbox
# drivers, and the runtime image they run, idempotently.
#
#   1. The engine: when one answers on DOCKER_HOST (or the default socket) it is used as
#      it is. Otherwise Debian's dockerd (package docker.io, system-packages.sh) is
#      started in the background with its own config file and log under
#      $SKYSCALE_CACHE_DIR/docker/, and we wait until it answers. That engine gets no
#      bridge and no iptables rules of its own (--bridge=none --iptables=false): sandbox
#      containers run with network "none", and Docker's FORWARD policy would otherwise
#      cut the gVisor and namespace sandboxes' outbound links.
#   2. gVisor in the engine: our cached runsc ($SKYSCALE_RUNSC) is registered as runtime
#      "runsc" (systrap, or ptrace for the 2022 build; --network=none, as docs/gvisor.md).
#      An engine we did not start is told about only in a warning.
#
# The runtime image (skyscale/runtime:<recipe hash>) is imported by the server itself at
# its first start on a docker driver (src/sandbox/docker/docker-driver.ts), and kept by
# the engine. Progress on stderr.
set -euo pipefail
# shellcheck source=scripts/lib/cache-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache-paths.sh"

DOCKER_DIR="$SKYSCALE_CACHE_DIR/docker"
mkdir -p "$DOCKER_DIR"
exec 9>"$DOCKER_DIR/.lock"
flock 9

command -v docker >/dev/null 2>&1 || skyscale_die "docker: the docker CLI is missing (install Debian's docker.io: scripts/setup/system-packages.sh)"

answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

runsc_args() {
  local platform=systrap
  "$SKYSCALE_RUNSC" --version 2>/dev/null | head -n1 | grep -Eq 'release-2022|20220' && platform=ptrace
  printf '"--platform=%s", "--network=none"' "$platform"
}

if answers; then
  skyscale_log "docker: an engine answers on ${DOCKER_HOST:-unix:///var/run/docker.sock}; using it"
else
  [[ -z "${DOCKER_HOST:-}" || "$DOCKER_HOST" == unix:///var/run/docker.sock ]] ||
    skyscale_die "docker: no engine answers on DOCKER_HOST=$DOCKER_HOST (start it, or unset DOCKER_HOST to have setup start one)"
  command -v dockerd >/dev/null 2>&1 || skyscale_die "docker: dockerd is missing (install Debian's docker.io: scripts/setup/system-packages.sh)"
  [[ $(id -u) -eq 0 ]] || skyscale_die "docker: starting dockerd needs root"
  runtimes=""
  if [[ -x "$SKYSCALE_RUNSC" ]]; then
    runtimes="\"runtimes\": { \"runsc\": { \"path\": \"$(readlink -f "$SKYSCALE_RUNSC")\", \"runtimeArgs\": [ $(runsc_args) ] } },"
  fi
  cat >"$DOCKER_DIR/daemon.json" <<JSON
{
  $runtimes
  "bridge": "none",
  "iptables": false,
  "ip-forward": false,
  "ip-masq": false,
  "log-driver": "none"
}
JSON
  skyscale_log "docker: starting dockerd (log $DOCKER_DIR/dockerd.log)"
  # fd 9 (the lock) closed: the engine outlives this script and must not hold it
  setsid nohup dockerd --config-file "$DOCKER_DIR/daemon.json" >>"$DOCKER_DIR/dockerd.log" 2>&1 </dev/null 9>&- &
  echo $! >"$DOCKER_DIR/dockerd.pid"
  for _ in $(seq 1 60); do
    answers && break
    kill -0 "$(cat "$DOCKER_DIR/dockerd.pid")" 2>/dev/null || skyscale_die "docker: dockerd exited: $(tail -n 5 "$DOCKER_DIR/dockerd.log")"
    sleep 1
  done
  answers || skyscale_die "docker: dockerd did not answer within 60 s: $(tail -n 5 "$DOCKER_DIR/dockerd.log")"
fi

if ! timeout 10 docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
  skyscale_warn "docker: the engine has no runtime \"runsc\": the docker-runsc driver is unavailable (see README: Docker)"
fi

skyscale_log "docker: engine ready; the sandbox image is made by the server at its first start with SKYSCALE_SANDBOX=docker"
