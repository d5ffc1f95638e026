#!/usr/bin/env bash
# Module dependency gate (DESIGN.md "Modules and dependency direction"): a file in src/<m>/ may
# include "<d>/..." only when module d stands to the left of m in this order. Modules on the
# same rank (the braces in DESIGN.md) may not include each other.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A rank=(
  [base]=0 [sys]=1 [config]=2 [audit]=3
  [sandbox]=4 [privacy]=4 [secrets]=4 [skills]=4 [store]=4
  [egress]=5 [policy]=6 [providers]=7 [tools]=8 [agent]=9 [gateway]=10 [channels]=11
  [doctor]=12 [cli]=13
)

status=0
for dir in src/*/; do
  module=$(basename "$dir")
  if [ -z "${rank[$module]+x}" ]; then
    echo "src/$module: not a module of DESIGN.md; add it there (and here) first" >&2
    status=1
    continue
  fi
  while IFS=: read -r file line text; do
    dep=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^/"]+)\/.*/\1/' <<<"$text")
    [ "$dep" = "$module" ] && continue
    # Tests next to the code (and their shared fixtures, *_test.h) may use the shared test
    # helpers in tests/support.
    [[ "$dep" = support && ( "$file" == *_test.cc || "$file" == *_test.h ) ]] && continue
    if [ -z "${rank[$dep]+x}" ]; then
      echo "$file:$line: includes \"$dep/...\", which is not a module" >&2
      status=1
    elif [ "${rank[$dep]}" -ge "${rank[$module]}" ]; then
      echo "$file:$line: $module may not include $dep ($dep does not stand to the left of $module in DESIGN.md)" >&2
      status=1
    fi
  done < <(grep -nH -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"/]+/' -r "$dir" --include='*.cc' --include='*.h' || true)
done
# src/ is on the include path, so a header src/sys/X.h would shadow the C library's <sys/X.h>.
for header in src/sys/*.h; do
  [ -e "$header" ] || continue
  name=$(basename "$header")
  for libc_dir in /usr/include/sys /usr/include/*-linux-gnu/sys; do
    if [ -e "$libc_dir/$name" ]; then
      echo "$header: shadows <sys/$name> of the C library; rename it" >&2
      status=1
      break
    fi
  done
done
[ $status -eq 0 ] && echo "check_deps: ok"
exit $status
