#!/usr/bin/env bash
# clang-format gate: every project C++ file must already be formatted (.clang-format).
# Fix with: tools/check_format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src tests fuzz bench -type f \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/chitin-format.$$; then
  grep -E '^[^ ].*: (error|warning):' /tmp/chitin-format.$$ | head -20 >&2
  rm -f /tmp/chitin-format.$$
  echo "check_format: files above are not formatted; run tools/check_format.sh --fix" >&2
  exit 1
fi
rm -f /tmp/chitin-format.$$
echo "check_format: ok (${#files[@]} files)"
