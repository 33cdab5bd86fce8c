# shellcheck shell=bash
# scripts/lib/cache-paths.sh — where Skyscale's machine-setup scripts keep what they
# fetch and build. Source it (it only sets variables and defines helpers; it does not
# change shell options or create anything).
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
#     rootfs/                         SKYSCALE_ROOTFS_DIR (scripts/setup/rootfs.sh)
#       <recipe-sha256>/              a finished, slimmed debootstrap root filesystem
#       current -> <recipe-sha256>    the one the platform uses (SKYSCALE_ROOTFS)
#       .build-<hash>.XXXXXX/         in-progress build (renamed into place when done)

SKYSCALE_CACHE_DIR="${SKYSCALE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/skyscale}"
SKYSCALE_BIN_DIR="${SKYSCALE_BIN_DIR:-$SKYSCALE_CACHE_DIR/bin}"
SKYSCALE_RUNSC_DIR="${SKYSCALE_RUNSC_DIR:-$SKYSCALE_CACHE_DIR/runsc}"
SKYSCALE_RUNSC="${SKYSCALE_RUNSC:-$SKYSCALE_BIN_DIR/runsc}"
SKYSCALE_ROOTFS_DIR="${SKYSCALE_ROOTFS_DIR:-$SKYSCALE_CACHE_DIR/rootfs}"
SKYSCALE_ROOTFS="${SKYSCALE_ROOTFS:-$SKYSCALE_ROOTFS_DIR/current}"
export SKYSCALE_CACHE_DIR SKYSCALE_BIN_DIR SKYSCALE_RUNSC_DIR SKYSCALE_RUNSC \
  SKYSCALE_ROOTFS_DIR SKYSCALE_ROOTFS

# Progress/warning helpers shared by the setup scripts (stderr, one line each).
skyscale_log() { printf '[setup] %s\n' "$*" >&2; }
skyscale_warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
skyscale_die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
