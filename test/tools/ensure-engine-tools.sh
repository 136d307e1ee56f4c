#!/usr/bin/env bash
# Makes sure this machine has the engines the engine tests drive, and says where they are.
#
#   Debian: snakemake (the distributed engine `alamode export --to snakemake` targets; 7.21 in bookworm),
#           podman + runc (the `--executor podman` tests; crun fails on this cgroup setup, so runc),
#           busybox-static (a root file system for the test image, imported offline with `podman import`)
#
# Idempotent: when everything is present it only checks and prints (about a second: dpkg-query).
# Prints only lines starting with "ensure-engine-tools:" on stdout; on failure one line with "ERROR:".
# Needs root only when something is missing (it then runs apt-get).
set -euo pipefail

CACHE="${ALAMODE_TEST_CACHE:-${HOME:-/root}/.cache/alamode-test}"

TOOL_NAME=ensure-engine-tools
# shellcheck source=test/tools/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

mkdir -p "$CACHE"
ensure_apt_packages --with-recommends apt-engine-install.log snakemake podman runc busybox-static

SNAKEMAKE="$(command -v snakemake || true)"
PODMAN="$(command -v podman || true)"
RUNC="$(command -v runc || true)"
BUSYBOX="/bin/busybox"
[[ -x "$SNAKEMAKE" ]] || die "snakemake is installed but not on PATH"
[[ -x "$PODMAN" ]] || die "podman is installed but not on PATH"
[[ -x "$RUNC" ]] || die "runc is installed but not on PATH"
[[ -x "$BUSYBOX" ]] || die "busybox-static is installed but $BUSYBOX is missing"
# The package's version (running `snakemake --version` costs two seconds of Python imports).
version="$(dpkg-query -W -f='${Version}' snakemake 2>/dev/null || true)"
[[ -n "$version" ]] || die "dpkg-query cannot tell snakemake's version"

say "snakemake $SNAKEMAKE ($version)"
say "podman $PODMAN (runtime $RUNC)"
say "busybox $BUSYBOX"
say "ok"
