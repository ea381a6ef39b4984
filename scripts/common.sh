# shellcheck shell=bash
# shellcheck disable=SC2034 # repo_root is for the sourcing script.
# Sourced by the scripts beside it: the repository root, and one way to log, to fail and to require a command, every
# line prefixed with the sourcing script's name on stderr (stdout carries the result).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script_name="$(basename "${BASH_SOURCE[1]}" .sh)"

log() { printf '%s: %s\n' "$script_name" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# require COMMAND HINT: fails, saying HINT, unless COMMAND is on PATH.
require() { command -v "$1" >/dev/null || die "$1 is not on PATH; $2"; }
