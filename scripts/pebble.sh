#!/usr/bin/env bash
# Builds Pebble (Let's Encrypt's test ACME server) and its challenge test server, whose DNS answers every name with
# 127.0.0.1, from the Go module proxy into a cache directory, and prints that directory. The box (tools/box/) issues
# the previews' certificates through them: release archives are not reachable from this project's machines, the Go
# module proxy is.
#
#   FORGE_PREVIEWS_CACHE   cache root (default: $HOME/.cache/forge-previews), shared with the Pulumi CLI's Go cache
set -euo pipefail

readonly PEBBLE_VERSION=v2.10.3
log() { printf 'pebble: %s\n' "$*" >&2; }

command -v go >/dev/null || { log "error: go is not on PATH; install Go 1.26.6 or newer"; exit 1; }
cache_root="${FORGE_PREVIEWS_CACHE:-$HOME/.cache/forge-previews}"
bin_dir="$cache_root/pebble/$PEBBLE_VERSION/bin"
mkdir -p "$bin_dir" "$cache_root/go-build"

exec 9>"$bin_dir/.lock"
flock 9
stamp="$PEBBLE_VERSION $(go env GOVERSION)"
if [[ -x "$bin_dir/pebble" && -x "$bin_dir/pebble-challtestsrv" && "$(cat "$bin_dir/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  log "pebble $PEBBLE_VERSION is up to date"
else
  log "building pebble $PEBBLE_VERSION"
  rm -f "$bin_dir/.stamp"
  # Built outside the repository so its go.mod plays no part; -mod=mod lets `go install pkg@version` resolve freely.
  (cd / && GOCACHE="$cache_root/go-build" GOBIN="$bin_dir" GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local \
    CGO_ENABLED=0 nice go install -trimpath \
    "github.com/letsencrypt/pebble/v2/cmd/pebble@$PEBBLE_VERSION" \
    "github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv@$PEBBLE_VERSION")
  printf '%s' "$stamp" >"$bin_dir/.stamp"
fi
echo "$bin_dir"
