#!/usr/bin/env bash
# scripts/setup/runsc.sh — put a modern gVisor runsc at $SKYSCALE_CACHE_DIR/bin/runsc.
#
# Debian 12's runsc (0.0~20221219) only has the slow ptrace platform; Debian trixie's
# (0.0~20240729) has systrap. We fetch trixie's .deb with apt WITHOUT touching the
# system's apt configuration state (sources, lists, caches, dpkg database) and unpack it
# into the cache. If that fails we fall back to /usr/bin/runsc (Debian 12's, installed by
# system-packages.sh) with a warning.
#
# Prints the chosen runsc path on stdout; progress on stderr.
# Fast path: if $SKYSCALE_CACHE_DIR/bin/runsc is the fetched build and runs --version,
# nothing else happens.
#
# Env: SKYSCALE_RUNSC_SUITE (default trixie), SKYSCALE_DEBIAN_MIRROR
#      (default http://deb.debian.org/debian), SKYSCALE_REFETCH_RUNSC=1 forces a fetch.
set -euo pipefail
# shellcheck source=scripts/lib/cache-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache-paths.sh"

SUITE="${SKYSCALE_RUNSC_SUITE:-trixie}"
MIRROR="${SKYSCALE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
FALLBACK=/usr/bin/runsc
LINK="$SKYSCALE_BIN_DIR/runsc"

runsc_version() { "$1" --version 2>/dev/null | head -n1; }

report() { # $1 = path the link points at
  local v
  v=$(runsc_version "$LINK") || true
  skyscale_log "runsc: $LINK -> $1 ($v)"
  printf '%s\n' "$LINK"
}

mkdir -p "$SKYSCALE_BIN_DIR" "$SKYSCALE_RUNSC_DIR"
# One setup at a time per cache (CI and a developer may run setup concurrently).
exec 9>"$SKYSCALE_RUNSC_DIR/.lock"
flock 9

# ---- fast path -------------------------------------------------------------------
if [[ "${SKYSCALE_REFETCH_RUNSC:-0}" != 1 && -L "$LINK" ]]; then
  target=$(readlink -f "$LINK" || true)
  if [[ -n "$target" && "$target" != "$FALLBACK" && -x "$target" && -n "$(runsc_version "$target" || true)" ]]; then
    report "$target"
    exit 0
  fi
fi

# ---- fetch -----------------------------------------------------------------------
fetch() {
  local d="$SKYSCALE_RUNSC_DIR"
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    skyscale_warn "apt-get/dpkg-deb not found"
    return 1
  fi
  [[ -r "$KEYRING" ]] || {
    skyscale_warn "$KEYRING missing (run scripts/setup/system-packages.sh)"
    return 1
  }
  mkdir -p "$d/apt-lists/partial" "$d/apt-archives/partial" "$d/apt-cache" "$d/debs"
  # The one source apt may use. The .sources extension makes apt parse it as deb822.
  cat >"$d/$SUITE.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE
Components: main
Signed-By: $KEYRING
SRC
  # '#clear' is only available in config files, so hooks are cleared through -c.
  cat >"$d/apt.conf" <<'CONF'
// Don't run the system's apt hooks (docker-clean's rm of /var/cache/apt,
// appstream/packagekit cache refreshes) for this private update.
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
CONF
  # Minimal option set, each one needed (verified on Debian 12, apt 2.6):
  #  Dir::Etc::SourceList   our one-entry trixie source instead of /etc/apt/sources.list
  #  Dir::Etc::SourceParts  /dev/null: ignore /etc/apt/sources.list.d/*
  #  Dir::State::Lists      private package lists; without it `update` would replace the
  #                         system's bookworm lists with trixie's (list cleanup deletes
  #                         lists of sources it doesn't know)
  #  Dir::Cache             private pkgcache.bin/srcpkgcache.bin (and archives/), so the
  #                         system's binary cache isn't rebuilt from trixie lists
  #  Dir::Cache::archives   explicit, absolute: apt needs <archives>/partial to exist
  #  APT::Sandbox::User     root: the _apt user can't enter a cache under /root (apt would
  #                         fall back to root anyway, with a warning)
  #  DEP-11 DefaultEnabled  false: skip the ~5 MB AppStream metadata 50appstream adds
  #  Acquire::*Timeout/Retries  fail fast offline, so the fallback kicks in quickly
  # Not needed: Debug::NoLocking (apt locks only <lists>/lock and <archives>/lock, both
  # private; the dpkg lock isn't taken by update/download — verified with the system
  # locks held), APT::Get::List-Cleanup=0 (our lists dir holds only this source),
  # Dir::State::status (download doesn't install; it reads dpkg's status, which only
  # shows the installed runsc as one more version, hence the explicit /$SUITE below).
  # The system's apt.conf.d is kept on purpose: it may carry proxy settings.
  local opts=(
    -c "$d/apt.conf"
    -o "Dir::Etc::SourceList=$d/$SUITE.sources"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$d/apt-lists"
    -o "Dir::Cache=$d/apt-cache"
    -o "Dir::Cache::archives=$d/apt-archives"
    -o APT::Sandbox::User=root
    -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
    -o Acquire::http::Timeout=20 -o Acquire::Retries=1
  )
  skyscale_log "runsc: apt-get update ($SUITE main, private lists in $d/apt-lists)"
  DEBIAN_FRONTEND=noninteractive apt-get -qq --error-on=any "${opts[@]}" update </dev/null >&2 || return 1
  rm -f "$d"/debs/runsc_*.deb
  skyscale_log "runsc: apt-get download runsc/$SUITE"
  (cd "$d/debs" && DEBIAN_FRONTEND=noninteractive apt-get -qq "${opts[@]}" download "runsc/$SUITE" </dev/null >&2) || return 1
  local deb ver dest tmp
  deb=$(find "$d/debs" -maxdepth 1 -name 'runsc_*.deb' -print -quit)
  [[ -n "$deb" ]] || return 1
  ver=$(dpkg-deb -f "$deb" Version)
  dest="$d/extract/$ver"
  if [[ -z "$(runsc_version "$dest/usr/bin/runsc" || true)" ]]; then
    mkdir -p "$d/extract"
    tmp=$(mktemp -d "$d/extract/.tmp.XXXXXX")
    dpkg-deb -x "$deb" "$tmp"
    [[ -n "$(runsc_version "$tmp/usr/bin/runsc" || true)" ]] || {
      rm -rf "$tmp"
      skyscale_warn "extracted runsc doesn't run --version"
      return 1
    }
    rm -rf "$dest"
    mv "$tmp" "$dest"
  fi
  # The lists (~20 MB) are only needed for this fetch; a refetch runs update anyway.
  find "$d/apt-lists" -maxdepth 1 -type f ! -name lock -delete
  # Drop other extracted versions.
  find "$d/extract" -mindepth 1 -maxdepth 1 ! -name "$ver" -exec rm -rf {} +
  ln -sfn "../runsc/extract/$ver/usr/bin/runsc" "$LINK.new"
  mv -T "$LINK.new" "$LINK"
}

if fetch; then
  report "$(readlink -f "$LINK")"
  exit 0
fi

skyscale_warn "could not fetch runsc from Debian $SUITE; falling back to $FALLBACK (ptrace platform only)"
[[ -x "$FALLBACK" ]] || skyscale_die "no runsc at all: $FALLBACK missing (run scripts/setup/system-packages.sh)"
ln -sfn "$FALLBACK" "$LINK.new"
mv -T "$LINK.new" "$LINK"
report "$FALLBACK"
