#!/usr/bin/env bash
# Lays out an OpenClaw fixture installation for a test or for recording what
# `openclaw security audit` says about it: copies FIXTURE/state to DEST, makes directories
# 0700 and files 0600 (what a careful user has), then applies FIXTURE/modes ("PATH MODE" per
# line, PATH relative to DEST, "." for DEST itself; "PATH -> TARGET" makes a symlink).
# Git keeps no modes, so bad permissions live in that file. A file NAME.sql becomes the
# SQLite database NAME (OpenClaw keeps exec approvals in state/openclaw.sqlite).
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: prepare.sh FIXTURE DEST" >&2
  exit 2
fi
fixture=$1
dest=$2
mkdir -p "$dest"
cp -R "$fixture/state/." "$dest/"
while IFS= read -r -d '' seed; do
  sqlite3 "${seed%.sql}" <"$seed"
  rm "$seed"
done < <(find "$dest" -name '*.sql' -type f -print0)
find "$dest" -type d -exec chmod 0700 {} +
find "$dest" -type f -exec chmod 0600 {} +
if [[ -f "$fixture/modes" ]]; then
  while read -r path op target; do
    [[ -z "$path" || "$path" == \#* ]] && continue
    if [[ "$op" == "->" ]]; then
      ln -sfn "$target" "$dest/$path"
    else
      chmod "$op" "$dest/$path"
    fi
  done < "$fixture/modes"
fi
