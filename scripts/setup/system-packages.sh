#!/usr/bin/env bash
# scripts/setup/system-packages.sh — install the host packages Skyscale needs from
# Debian's archive, idempotently. Does nothing (no apt at all) when all are installed.
#
#   debootstrap            builds the sandbox root filesystem (scripts/setup/rootfs.sh)
#   debian-archive-keyring verifies debootstrap's and the trixie runsc fetch's Release files
#   bubblewrap             the bwrap sandbox driver
#   runsc                  Debian 12's gVisor (2022, ptrace only): fallback if the trixie
#                          build cannot be fetched (scripts/setup/runsc.sh)
#   nftables iproute2      outbound network for sandboxes: the host's egress rules (nft)
#                          and each sandbox's network namespace and veth pair (ip)
#   docker.io              the Docker engine (dockerd, containerd, runc) and CLI for the
#                          docker and docker-runsc drivers (scripts/setup/docker.sh)
#   ca-certificates        TLS for npm / PyPI / the Go proxy
#   python3 make g++       building native npm modules from source (node-gyp)
#   chromium               the dashboard's browser tests (test/dashboard.test.ts drive it
#                          headless through playwright-core; no browser download)
#
# Env: SKYSCALE_EXTRA_PACKAGES="pkg ..." adds packages to the list.
set -euo pipefail
# shellcheck source=scripts/lib/cache-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache-paths.sh"

PACKAGES=(debootstrap debian-archive-keyring bubblewrap runsc nftables iproute2 docker.io ca-certificates python3 make g++ chromium)
# shellcheck disable=SC2206
[[ -n "${SKYSCALE_EXTRA_PACKAGES:-}" ]] && PACKAGES+=(${SKYSCALE_EXTRA_PACKAGES})

command -v dpkg-query >/dev/null 2>&1 || skyscale_die "dpkg-query not found: this script needs a Debian(-based) host"

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  skyscale_log "system packages: all ${#PACKAGES[@]} present (${PACKAGES[*]})"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || skyscale_die "need root (or sudo) to install: ${missing[*]}"
  SUDO=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -y
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
  -o DPkg::Lock::Timeout=300)

# Package lists count as fresh if `apt-get update` ran within the last day. The list
# files themselves carry the server's Last-Modified time, so look at the directories
# apt writes into during an update instead (lists/ when a list changed, lists/partial/
# on every update).
lists_fresh() {
  [[ -d /var/lib/apt/lists ]] && ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 &&
    [[ -n $(find /var/lib/apt/lists /var/lib/apt/lists/partial -maxdepth 0 -mmin -1440 2>/dev/null) ]]
}
# apt knows an installable version of every missing package?
candidates_known() {
  local p cand
  for p in "${missing[@]}"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [[ -n "$cand" && "$cand" != "(none)" ]] || return 1
  done
}

# apt's own output goes to a log, shown only if apt fails.
LOG=$(mktemp /tmp/skyscale-apt.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT
apt_run() {
  if ! "${APT[@]}" "$@" </dev/null >>"$LOG" 2>&1; then
    tail -n 25 "$LOG" >&2
    return 1
  fi
}

skyscale_log "system packages: missing ${missing[*]}"
updated=0
if ! lists_fresh || ! candidates_known; then
  skyscale_log "apt-get update"
  apt_run update || skyscale_die "apt-get update failed"
  updated=1
fi
skyscale_log "apt-get install --no-install-recommends ${missing[*]}"
if ! apt_run install --no-install-recommends "${missing[@]}"; then
  ((updated)) && skyscale_die "apt-get install failed: ${missing[*]}"
  # Lists looked fresh but may point at files the mirror no longer has: refresh, retry.
  skyscale_log "install failed; apt-get update and retry"
  apt_run update || skyscale_die "apt-get update failed"
  apt_run install --no-install-recommends "${missing[@]}" ||
    skyscale_die "apt-get install failed: ${missing[*]}"
fi
skyscale_log "system packages: installed ${missing[*]}"
