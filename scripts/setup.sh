#!/usr/bin/env bash
# Prepares a Debian machine for forge-previews: the Node.js LTS (the system's when it is that LTS, otherwise one from
# the npm registry), the system packages the local services need, the npm dependencies, the Pulumi CLI built from the
# Go module proxy, and actionlint and zizmor for the workflows. Safe to run again: each step skips what is already there. Prints
# the directories to put on PATH as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

# php-vlucas-phpdotenv is the .env parser Laravel uses; tests check the .env text we write against it. The second line
# is the box (tools/box/), a Forge server on this machine: its web server, PHP, process supervisor, the Laravel
# framework its demo app runs on (Composer only writes the app's own autoloader), git for the app's local remote,
# certbot for the previews' certificates and sudo for the FPM reload rule.
readonly APT_PACKAGES=(mariadb-server mariadb-client redis-server redis-tools openssh-server openssh-client shellcheck php-cli php-vlucas-phpdotenv
  nginx php8.2-fpm php-mysql php-redis supervisor php-laravel-framework composer git certbot sudo)
readonly ACTIONLINT_VERSION=v1.7.12
readonly CACHE_DIR="${FORGE_PREVIEWS_CACHE:-$HOME/.cache/forge-previews}"

log() { printf 'setup: %s\n' "$*" >&2; }

require_tool() {
  local tool=$1 wanted=$2
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "missing $tool ($wanted); install it first"
    exit 1
  fi
}

require_tool node "Node.js, any version npm runs on (the LTS is installed if it is not that)"
require_tool npm "npm 10 or newer"
require_tool go "Go 1.26.6 or newer, to build the Pulumi CLI"

system_node=$(command -v node)
node_bin=$(bash scripts/node-lts.sh | tail -n 1)
path_prefix=""
if [ "$node_bin/node" != "$system_node" ]; then
  path_prefix="$node_bin:"
  export PATH="$node_bin:$PATH" # npm ci below runs on the LTS too
fi

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >&2
fi
# `npm run`, `npm test` and `npx` put node_modules/.bin first on PATH, from any directory of the project, so this link
# puts every npm script, the CLI in bin/, the Pulumi language host and the dynamic-provider hosts they start on the
# LTS. `npm ci` removes it; running this script again puts it back.
if [ -n "$path_prefix" ]; then
  ln -sfn "$node_bin/node" node_modules/.bin/node
elif [ -L node_modules/.bin/node ]; then
  rm node_modules/.bin/node
fi

tools_bin="$CACHE_DIR/tools/bin"
if [ ! -x "$tools_bin/actionlint" ] || ! "$tools_bin/actionlint" -version 2>/dev/null | grep -q "${ACTIONLINT_VERSION#v}"; then
  log "building actionlint $ACTIONLINT_VERSION"
  mkdir -p "$tools_bin"
  GOBIN="$tools_bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
fi

# zizmor audits the workflows; from PyPI into a venv of its own, linked next to actionlint.
readonly ZIZMOR_VERSION=1.33.1
zizmor_venv="$CACHE_DIR/zizmor-$ZIZMOR_VERSION"
if [ ! -x "$zizmor_venv/bin/zizmor" ]; then
  log "installing zizmor $ZIZMOR_VERSION"
  python3 -m venv "$zizmor_venv" >&2
  "$zizmor_venv/bin/pip" install --quiet "zizmor==$ZIZMOR_VERSION" >&2
fi
mkdir -p "$tools_bin"
ln -sfn "$zizmor_venv/bin/zizmor" "$tools_bin/zizmor"

pulumi_bin=$(bash scripts/pulumi-cli.sh | tail -n 1)
bash scripts/pebble.sh >/dev/null
echo "$path_prefix$pulumi_bin:$tools_bin"
