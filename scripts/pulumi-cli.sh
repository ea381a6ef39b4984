#!/usr/bin/env bash
# Builds the `pulumi` CLI at the exact version of the @pulumi/pulumi SDK installed in node_modules, plus the Node.js
# language host it needs, into a cache directory that later runs reuse, and prints that directory:
#
#   export PATH="$(scripts/pulumi-cli.sh):$PATH"
#
# Why build at all: the CLI is normally a downloaded release archive, and this project's machines can only reach
# package registries. The engine itself is a Go module (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi), which the Go
# module proxy serves, so it is compiled here from scripts/pulumi-cli/go.mod (a wrapper module that pins pkg/v3 and
# sdk/v3 and mirrors the replace directive of pkg/v3's own go.mod that its build needs).
#
# Why our own language host: the upstream Node.js host (module
# github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is refused by the Go module proxy for every
# version, and nothing in pkg/v3 or sdk/v3 implements it. scripts/pulumi-cli/language-nodejs/ is a small host of our
# own that implements the pulumirpc.LanguageRuntime calls the engine makes for preview/up/refresh/destroy and runs
# programs through the SDK's own `@pulumi/pulumi/cmd/run`.
#
# The bin directory holds:
#   pulumi                          the CLI, `pulumi version` prints v<sdk version>
#   pulumi-language-nodejs          our language host
#   pulumi-resource-pulumi-nodejs   the SDK's dynamic-provider launcher, copied from node_modules
#
# Nothing is rebuilt when the binaries in the cache were built from the same version, Go toolchain, go.mod/go.sum and
# (for the host) the same source. Environment:
#   FORGE_PREVIEWS_CACHE   cache root (default: $HOME/.cache/forge-previews); the Go build cache lives there too,
#                          so a machine that keeps it rebuilds in seconds
#   PULUMI_CLI_BIN_DIR     bin directory to use instead of <cache root>/pulumi/<version>/bin
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
module_dir="$repo_root/scripts/pulumi-cli"

require go "install Go 1.26.6 or newer"
require node "run \`bash scripts/setup.sh\`, which puts the Node.js LTS there"

# --- the one version: installed SDK == package.json pin == wrapper go.mod -------------------------------------------
sdk_manifest="$repo_root/node_modules/@pulumi/pulumi/package.json"
[[ -f "$sdk_manifest" ]] || die "$sdk_manifest is missing; run \`npm ci\` at the repository root first"

version="$(node -p 'require(process.argv[1]).version' "$sdk_manifest")"
pinned="$(node -p 'const p = require(process.argv[1]); (p.dependencies || {})["@pulumi/pulumi"] || ""' \
  "$repo_root/package.json")"
[[ "$pinned" == "$version" ]] || die "package.json pins @pulumi/pulumi to '$pinned' but node_modules has $version;" \
  "pin an exact version in package.json and run \`npm ci\`"

for module in pkg sdk; do
  grep -Eq "^[[:space:]]*(require[[:space:]]+)?github\.com/pulumi/pulumi/$module/v3 v$version( |$)" \
    "$module_dir/go.mod" ||
    die "scripts/pulumi-cli/go.mod does not require github.com/pulumi/pulumi/$module/v3 v$version; run" \
      "\`cd scripts/pulumi-cli && GOFLAGS=-mod=mod go get github.com/pulumi/pulumi/pkg/v3@v$version" \
      "github.com/pulumi/pulumi/sdk/v3@v$version && go mod tidy\`"
done

# --- where things go ------------------------------------------------------------------------------------------------
cache_root="${FORGE_PREVIEWS_CACHE:-$HOME/.cache/forge-previews}"
bin_dir="${PULUMI_CLI_BIN_DIR:-$cache_root/pulumi/$version/bin}"
mkdir -p "$bin_dir" "$cache_root/go-build"

export GOCACHE="$cache_root/go-build"
export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local # never fetch a toolchain: go.mod's `go` line is satisfied by the installed Go or we fail
export CGO_ENABLED=0     # a static binary, and no C toolchain needed

# Two builds sharing a cache (parallel CI jobs) wait for each other instead of racing on the same files.
exec 9>"$bin_dir/.lock"
flock 9

go_version="$(go env GOVERSION)"
# Content and repository-relative names only, so another checkout of the same sources reuses the binaries.
hash_files() { for file in "$@"; do printf "%s\n" "${file#"$repo_root"/}"; cat "$file"; done | sha256sum | cut -c1-64; }
cli_stamp="$version $go_version $(hash_files "$module_dir/go.mod" "$module_dir/go.sum")"
host_sources=("$module_dir/go.mod" "$module_dir/go.sum")
while IFS= read -r -d '' file; do host_sources+=("$file"); done \
  < <(find "$module_dir/language-nodejs" -name '*.go' ! -name '*_test.go' -print0 | sort -z)
host_stamp="$version $go_version $(hash_files "${host_sources[@]}")"

# build <output name> <stamp> <go package> <ldflags>: compiles into a temporary file and renames it into place, so
# an interrupted build never leaves a half-written binary that a later run would trust.
build() {
  local name="$1" package="$3" ldflags="$4"
  local stamp="$2 $ldflags"
  local target="$bin_dir/$name" stamp_file="$bin_dir/.$name.stamp"
  if [[ -x "$target" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
    log "$name v$version is up to date"
    return
  fi
  log "building $name v$version (minutes on a cold Go build cache, seconds on a warm one)"
  local started=$SECONDS
  rm -f "$stamp_file"
  (cd "$module_dir" && nice go build -trimpath -ldflags "$ldflags" -o "$target.tmp" "$package")
  mv -f "$target.tmp" "$target"
  printf '%s' "$stamp" >"$stamp_file"
  log "built $name in $((SECONDS - started))s"
}

build pulumi "$cli_stamp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
build pulumi-language-nodejs "$host_stamp" ./language-nodejs "-s -w -X main.version=v$version"

# The engine starts dynamic providers as `pulumi-resource-pulumi-nodejs`; the SDK ships that launcher, which finds
# @pulumi/pulumi/cmd/dynamic-provider from the project directory at run time.
launcher="$repo_root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[[ -f "$launcher" ]] || die "$launcher is missing from the installed SDK"
cmp -s "$launcher" "$bin_dir/pulumi-resource-pulumi-nodejs" 2>/dev/null ||
  install -m 0755 "$launcher" "$bin_dir/pulumi-resource-pulumi-nodejs"

reported="$("$bin_dir/pulumi" version)"
[[ "$reported" == "v$version" ]] || die "$bin_dir/pulumi reports '$reported', expected v$version"

echo "$bin_dir"
