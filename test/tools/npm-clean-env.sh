#!/usr/bin/env bash
# Runs a command (optionally preceded by VAR=value assignments, as `env` takes them) without the
# environment that npm hands to the scripts it runs.
#
#   test/tools/npm-clean-env.sh [VAR=value ...] command [args ...]
#
# Why: under `npm test`, npm exports its whole configuration as npm_config_* (and npm_package_*,
# npm_lifecycle_*, npm_execpath, INIT_CWD, NODE, ...). A nested `npm install` reads those as its own
# configuration, and install scripts read them too: code-server's postinstall takes the Node version
# from npm_config_user_agent ("npm/11 node/v20 ..."), so it refused to install under Node 24 when run
# from `npm test` and worked when run by hand. The nested install must depend only on the npmrc files
# and on what we pass explicitly, as it does from a plain shell.
#
# Kept: the settings that say how to reach the registry (registry, proxies, certificates, cache),
# which a user or CI may have set in the environment on purpose.
set -euo pipefail
unset_args=()
while IFS= read -r name; do
  lower="${name,,}"
  case "$lower" in
    npm_config_registry | npm_config_*proxy | npm_config_noproxy | npm_config_cafile | npm_config_ca | \
      npm_config_cert | npm_config_key | npm_config_strict_ssl | npm_config_cache | npm_config_userconfig | \
      npm_config_globalconfig) ;;
    npm_* | init_cwd) unset_args+=(-u "$name") ;;
  esac
  case "$name" in
    NODE) unset_args+=(-u NODE) ;; # npm's own Node (v20), which node-gyp and scripts may prefer over PATH
  esac
done < <(compgen -e)
exec env "${unset_args[@]}" "$@"
