#!/usr/bin/env bash
# Checks that the gates catch what they claim to: runs tools/check_style.sh and
# tools/check_deps.sh on a scratch tree holding known violations, and on a clean one.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "gates_test: $*" >&2; exit 1; }

mkdir -p "$scratch/tools" "$scratch/src/base" "$scratch/src/cli"
cp "$root/tools/check_style.sh" "$root/tools/check_deps.sh" "$scratch/tools/"

# check_style: exactly the BANNED lines are reported.
cp "$root/tests/gates/banned_sample.cc.txt" "$scratch/src/base/sample.cc"
if out=$("$scratch/tools/check_style.sh" 2>&1); then fail "check_style passed a file with banned calls"; fi
expected=$(grep -n '// BANNED' "$scratch/src/base/sample.cc" | cut -d: -f1 | sort -n | tr '\n' ' ')
# The multi-line open() is reported on the line where the call starts.
expected=$(sed 's/\b7\b/6/' <<<"$expected")
reported=$(grep -o 'sample.cc:[0-9]*' <<<"$out" | cut -d: -f2 | sort -n | tr '\n' ' ')
[ "$expected" = "$reported" ] || fail "check_style reported lines [$reported], expected [$expected]:
$out"

# check_deps: base may not include cli; cli may include base.
rm "$scratch/src/base/sample.cc"
printf '#include "base/result.h"\n' > "$scratch/src/cli/ok.cc"
"$scratch/tools/check_deps.sh" >/dev/null || fail "check_deps rejected cli -> base"
printf '#include "cli/command.h"\n' > "$scratch/src/base/bad.cc"
if out=$("$scratch/tools/check_deps.sh" 2>&1); then fail "check_deps accepted base -> cli"; fi
grep -q 'src/base/bad.cc:1: base may not include cli' <<<"$out" || fail "unexpected check_deps output: $out"
mkdir -p "$scratch/src/nonsense"
if "$scratch/tools/check_deps.sh" >/dev/null 2>&1; then fail "check_deps accepted an unknown module"; fi
echo "gates_test: ok"
