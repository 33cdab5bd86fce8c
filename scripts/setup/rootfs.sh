#!/usr/bin/env bash
# scripts/setup/rootfs.sh — build the sandbox root filesystem (Debian bookworm minbase +
# python3) with debootstrap, once, into $SKYSCALE_ROOTFS_DIR/<recipe-hash>, and point
# $SKYSCALE_ROOTFS_DIR/current at it.
#
# The recipe hash is the sha256 of the recipe below (RECIPE_VERSION, suite, variant,
# package list, and the text of the slim/finish function), so editing the recipe yields
# a new directory; the mirror is not part of it (same packages from any mirror).
# Builds go into a temp dir beside the target and are renamed into place when complete,
# so an existing <hash> dir is always a finished build. Older builds are removed.
#
# Prints the rootfs path on stdout; progress on stderr.
# Env: SKYSCALE_REBUILD_ROOTFS=1 forces a rebuild; SKYSCALE_DEBIAN_MIRROR
#      (default http://deb.debian.org/debian).
set -euo pipefail
# shellcheck source=scripts/lib/cache-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache-paths.sh"

# ---- the recipe ------------------------------------------------------------------
RECIPE_VERSION=1 # bump to force new builds everywhere when something outside the
#                  hashed variables/functions changes the result
SUITE=bookworm
VARIANT=minbase
PACKAGES=(python3)
MIRROR="${SKYSCALE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# Slim a finished debootstrap tree and add what the sandbox needs. Part of the recipe
# hash (its text is hashed), so any change here rebuilds.
finish_rootfs() {
  local r="$1"
  # apt state and caches: the sandbox never runs apt
  rm -rf "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/*
  rm -f "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old
  # docs, man/info pages, lintian overrides, translations (C.UTF-8 is built into glibc
  # at /usr/lib/locale/C.utf8 and stays)
  rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* \
    "$r"/usr/share/lintian/* "$r"/usr/share/locale/*
  find "$r"/usr/lib/locale -mindepth 1 -maxdepth 1 ! -name C.utf8 -exec rm -rf {} + 2>/dev/null || true
  # logs written during the build
  find "$r"/var/log -type f -delete
  # host-specific files debootstrap copied in
  printf 'skyscale\n' >"$r"/etc/hostname
  : >"$r"/etc/resolv.conf
  # mount points and scratch space the sandbox needs
  mkdir -p "$r"/var/task "$r"/opt/skyscale "$r"/tmp
  chmod 0755 "$r"/var/task "$r"/opt/skyscale
  chmod 1777 "$r"/tmp
}

recipe() {
  printf 'RECIPE_VERSION=%s\nSUITE=%s\nVARIANT=%s\nPACKAGES=%s\n' \
    "$RECIPE_VERSION" "$SUITE" "$VARIANT" "${PACKAGES[*]}"
  declare -f finish_rootfs
}

# ---- build -----------------------------------------------------------------------
HASH=$(recipe | sha256sum | cut -c1-64)
DEST="$SKYSCALE_ROOTFS_DIR/$HASH"
CURRENT="$SKYSCALE_ROOTFS_DIR/current"

mkdir -p "$SKYSCALE_ROOTFS_DIR"
exec 9>"$SKYSCALE_ROOTFS_DIR/.lock"
flock 9

point_current() {
  if [[ "$(readlink "$CURRENT" 2>/dev/null || true)" != "$HASH" ]]; then
    ln -sfn "$HASH" "$CURRENT.new"
    mv -T "$CURRENT.new" "$CURRENT"
  fi
}

if [[ -d "$DEST" && "${SKYSCALE_REBUILD_ROOTFS:-0}" != 1 ]]; then
  point_current
  skyscale_log "rootfs: up to date, $(cat "$DEST.size" 2>/dev/null || du -sh "$DEST" | cut -f1) at $DEST ($CURRENT)"
  printf '%s\n' "$DEST"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || skyscale_die "rootfs: debootstrap needs root"
command -v debootstrap >/dev/null || [[ -x /usr/sbin/debootstrap ]] ||
  skyscale_die "rootfs: debootstrap missing (run scripts/setup/system-packages.sh)"
export PATH="$PATH:/usr/sbin:/sbin"

# Leftovers of interrupted builds (we hold the lock, so none is running).
# --one-file-system: never descend into a /proc or /sys a failed debootstrap left mounted.
find "$SKYSCALE_ROOTFS_DIR" -mindepth 1 -maxdepth 1 -name '.build-*' -exec rm -rf --one-file-system {} +

TMP=$(mktemp -d "$SKYSCALE_ROOTFS_DIR/.build-$HASH.XXXXXX")
LOG="$SKYSCALE_ROOTFS_DIR/.build-$HASH.log"
cleanup() { if [[ -n "${TMP:-}" ]]; then rm -rf --one-file-system "$TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0755 "$TMP"

include=$(IFS=,; echo "${PACKAGES[*]}")
skyscale_log "rootfs: debootstrap --variant=$VARIANT --include=$include $SUITE ($MIRROR; ~35 s; log $LOG)"
start=$SECONDS
if ! DEBIAN_FRONTEND=noninteractive debootstrap --variant="$VARIANT" --include="$include" \
  "$SUITE" "$TMP" "$MIRROR" </dev/null >"$LOG" 2>&1; then
  tail -n 20 "$LOG" >&2
  skyscale_die "rootfs: debootstrap failed (full log: $LOG)"
fi
skyscale_log "rootfs: debootstrap done in $((SECONDS - start)) s; slimming"
finish_rootfs "$TMP"

# Python must still work after slimming.
if ! out=$(LANG=C.UTF-8 chroot "$TMP" /usr/bin/python3 -c \
  'import sys, json, socket, http.server, encodings.idna; print(sys.version.split()[0])' 2>&1); then
  printf '%s\n' "$out" >&2
  skyscale_die "rootfs: python3 does not work inside the built rootfs"
fi

rm -rf "$DEST" # only with SKYSCALE_REBUILD_ROOTFS=1
mv -T "$TMP" "$DEST"
TMP=""
recipe >"$DEST.recipe"
du -sh "$DEST" | cut -f1 >"$DEST.size"
rm -f "$LOG"
point_current

# Keep only the current build.
find "$SKYSCALE_ROOTFS_DIR" -mindepth 1 -maxdepth 1 ! -name "$HASH" ! -name "$HASH.*" \
  ! -name current ! -name .lock -print0 | while IFS= read -r -d '' old; do
  skyscale_log "rootfs: removing old build $old"
  rm -rf "$old"
done

skyscale_log "rootfs: built python $out rootfs, $(cat "$DEST.size") at $DEST ($CURRENT), $((SECONDS - start)) s"
printf '%s\n' "$DEST"
