# Sourced by every project script: puts the project's own Node 24 first on PATH.
# shellcheck shell=bash
BRUME_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BRUME_ROOT
export PATH="$BRUME_ROOT/.tools/node/bin:$BRUME_ROOT/node_modules/.bin:$PATH"
