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

say() { printf 'ensure-engine-tools: %s\n' "$*"; }
die() { printf 'ensure-engine-tools: ERROR: %s\n' "$*"; exit 1; }

APT_PACKAGES=(snakemake podman runc busybox-static)

missing_packages() {
  local pkg status
  for pkg in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == ii* ]] || printf '%s\n' "$pkg"
  done
}

mkdir -p "$CACHE"

mapfile -t MISSING < <(missing_packages)
if ((${#MISSING[@]})); then
  if [[ "$(id -u)" != 0 ]]; then
    die "missing Debian packages; run as root: apt-get update && apt-get install -y ${MISSING[*]}"
  fi
  # Two test runs started at once install once: the second waits here, then finds everything present.
  exec 8>"$CACHE/.engine-install.lock"
  flock 8
  mapfile -t MISSING < <(missing_packages)
fi
if ((${#MISSING[@]})); then
  APT_LOG="$CACHE/apt-engine-install.log"
  say "installing Debian packages: ${MISSING[*]} (a few minutes the first time; log: $APT_LOG)"
  start=$SECONDS
  if ! {
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${MISSING[@]}"
  } >"$APT_LOG" 2>&1; then
    die "apt-get install ${MISSING[*]} failed; see $APT_LOG"
  fi
  mapfile -t STILL < <(missing_packages)
  ((${#STILL[@]} == 0)) || die "still missing after apt-get: ${STILL[*]}; see $APT_LOG"
  say "installed in $((SECONDS - start))s"
fi

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
