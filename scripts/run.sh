#!/usr/bin/env bash
# `make run`: initialise the state directory if there is none, then start the main job: the
# gateway on 127.0.0.1:18790 (Ctrl-C stops it).
set -euo pipefail
chitin="$1"
home="${CHITIN_HOME:-$HOME/.chitin}"
if [ ! -e "$home/chitin.toml" ]; then
  "$chitin" init
fi
"$chitin" config check "$home/chitin.toml"
echo "make run: starting the main job: chitin gateway (state in $home)" >&2
exec "$chitin" gateway
