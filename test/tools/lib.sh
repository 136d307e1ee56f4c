# What the test-tool installers share (sourced, not run): lines prefixed with the installer's name,
# progress while something slow installs, the one line that says why a step failed, and Debian
# packages installed once (as root, serialised with other runs).
#
# The sourcing script sets TOOL_NAME (the prefix of every line it prints) and CACHE (the cache folder).

say() { printf '%s: %s\n' "$TOOL_NAME" "$*"; }
die() { printf '%s: ERROR: %s\n' "$TOOL_NAME" "$*"; exit 1; }

# run_with_progress LABEL DIR LOG COMMAND...: runs COMMAND in DIR (the current folder when empty) with
# its output in LOG, printing a line every PROGRESS_SECONDS (elapsed time, how much is in DIR, the last
# step the log shows) so an install that takes minutes never looks hung. Returns COMMAND's status.
PROGRESS_SECONDS="${ALAMODE_PROGRESS_SECONDS:-15}"
run_with_progress() {
  local label="$1" dir="$2" log="$3" pid status=0 began=$SECONDS last
  shift 3
  (cd "${dir:-.}" && exec "$@") >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    # Wake up every second, so a fast install is not held back by the progress interval.
    for ((i = 0; i < PROGRESS_SECONDS; i++)); do
      kill -0 "$pid" 2>/dev/null || break 2
      sleep 1
    done
    last="$(grep -a -E 'npm http fetch|^> |Installing|Building|^  (CC|CXX|LINK|SOLINK|ACTION)[ (]|^Get:|^Unpacking|^Setting up' "$log" 2>/dev/null | tail -n 1 | cut -c1-90)"
    say "  $label: $((SECONDS - began))s${dir:+, $(du -sh "$dir" 2>/dev/null | cut -f1) in $dir}${last:+; last: $last}"
  done
  wait "$pid" || status=$?
  return "$status"
}

# why_failed LOG: the one line of an npm or apt log that says why it failed, and what to do about it.
why_failed() {
  local log="$1" line
  local network='^npm error (code )?E(NOTFOUND|AI_AGAIN|TIMEDOUT|CONNRESET|CONNREFUSED)|^npm error network|Temporary failure resolving|Could not resolve'
  if line="$(grep -a -m1 -E "$network" "$log")"; then
    printf 'a package server could not be reached (%s); check the network (npm: `npm config get registry`), then run it again; log: %s' \
      "$(cut -c1-100 <<<"$line")" "$log"
    return
  fi
  if grep -q -E 'ENOSPC|No space left on device' "$log"; then
    printf 'the disk is full; free space under %s and run it again' "$CACHE"
    return
  fi
  line="$(grep -a -m1 -E '^(ERROR|Error)[: ]|^E: |npm error (code|[A-Z][a-z])|gyp ERR! stack Error|fatal error' "$log" | cut -c1-160 || true)"
  printf '%s; full log: %s (fix it and run again: finished tools are kept)' "${line:-see the log}" "$log"
}

# missing_packages PKG...: those of the Debian packages that are not installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == ii* ]] || printf '%s\n' "$pkg"
  done
}

# ensure_apt_packages [--with-recommends] LOG_NAME PKG...: installs the missing ones with apt-get
# (root only; two runs started at once install once), with progress, or dies with the one line that
# says why. Recommended packages are left out unless asked for (Snakemake's tests were made with them).
ensure_apt_packages() {
  local recommends=--no-install-recommends missing still start
  if [[ "$1" == --with-recommends ]]; then
    recommends=--install-recommends
    shift
  fi
  local log_name="$1"
  shift
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]})) || return 0
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages; run as root: apt-get update && apt-get install -y ${missing[*]}"
  exec 8>"$CACHE/.apt-install.lock"
  flock 8
  mapfile -t missing < <(missing_packages "$@")
  if ((${#missing[@]})); then
    local log="$CACHE/$log_name"
    start=$SECONDS
    say "installing Debian packages: ${missing[*]} (a few minutes the first time; log: $log)"
    if ! run_with_progress "apt-get install" "" "$log" bash -c \
      'DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"' \
      _ "$recommends" "${missing[@]}"; then
      die "apt-get install ${missing[*]} failed: $(why_failed "$log")"
    fi
    mapfile -t still < <(missing_packages "$@")
    ((${#still[@]} == 0)) || die "still missing after apt-get: ${still[*]}; see $log"
    say "Debian packages installed in $((SECONDS - start))s"
  fi
  exec 8>&-
}
