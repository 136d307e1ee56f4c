#!/usr/bin/env bash
# `npm run test:fresh`: installs the test tools into an EMPTY cache folder, under npm, as a new machine
# would on its first `npm test`. Run by npm, this script inherits npm's npm_config_* environment, which
# is exactly what broke the nested code-server install once (it only worked from a plain shell, and CI
# passed only because the cache was already there). Takes a few minutes; the cache is removed after.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${npm_config_user_agent:-}" ]]; then
  echo "test:fresh: note: not run by npm (no npm_config_user_agent); run it as \`npm run test:fresh\` to test the case that matters"
fi
cache="$(mktemp -d "${TMPDIR:-/tmp}/alamode-fresh-cache.XXXXXX")"
trap 'rm -rf "$cache"' EXIT
ALAMODE_TEST_CACHE="$cache" bash "$here/ensure-test-tools.sh"
node -e '
  const t = require(process.argv[1]);
  for (const k of ["node24", "codeServerEntry", "chromium", "nvim"])
    if (!t[k] || !require("fs").existsSync(t[k])) { console.error(`test:fresh: FAILED: tools.json has no usable ${k}`); process.exit(1); }
' "$cache/tools.json"
echo "test:fresh: ok: the tools install from nothing under npm"
