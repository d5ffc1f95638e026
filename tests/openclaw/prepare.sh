#!/usr/bin/env bash
# Lays out an OpenClaw fixture installation for a test or for recording what
# `openclaw security audit` says about it: copies FIXTURE/state to DEST, makes directories
# 0700 and files 0600 (what a careful user has), then applies FIXTURE/modes ("PATH MODE" per
# line, PATH relative to DEST, "." for DEST itself; "PATH -> TARGET" makes a symlink;
# "PATH <= SKILL" copies tests/skills/fixtures/SKILL there, so skills are not duplicated).
# Git keeps no modes, so bad permissions live in that file. A file NAME.sql becomes the
# SQLite database NAME, created with OpenClaw's tables (openclaw-state.sql) and then the
# file's rows (OpenClaw keeps exec approvals and install records in state/openclaw.sqlite).
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: prepare.sh FIXTURE DEST" >&2
  exit 2
fi
fixture=$1
dest=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
cp -R "$fixture/state/." "$dest/"
if [[ -f "$fixture/modes" ]]; then
  while read -r path op source; do
    if [[ "$op" == "<=" ]]; then
      mkdir -p "$(dirname "$dest/$path")"
      cp -R "$here/../skills/fixtures/$source" "$dest/$path"
      rm -f "$dest/$path/EXPECT"
    fi
  done < "$fixture/modes"
fi
while IFS= read -r -d '' seed; do
  cat "$here/openclaw-state.sql" "$seed" | sqlite3 "${seed%.sql}"
  rm "$seed"
done < <(find "$dest" -name '*.sql' -type f -print0)
find "$dest" -type d -exec chmod 0700 {} +
find "$dest" -type f -exec chmod 0600 {} +
if [[ -f "$fixture/modes" ]]; then
  while read -r path op target; do
    [[ -z "$path" || "$path" == \#* || "$op" == "<=" ]] && continue
    if [[ "$op" == "->" ]]; then
      ln -sfn "$target" "$dest/$path"
    else
      chmod "$op" "$dest/$path"
    fi
  done < "$fixture/modes"
fi
