#!/usr/bin/env bash
# run-tests.sh -- run the whole lit suite of a build tree and print one summary line
set -uo pipefail
build=${1:-build}
lit=/usr/lib/llvm-19/build/utils/lit/lit.py
xml=$(mktemp)
summary="$build/test/crash-summary.txt"
rm -f "$summary"
python3 "$lit" -sv --xunit-xml-output "$xml" "$build/test"
rc=$?
if [ -s "$summary" ]; then
  echo "== crash-test totals"
  grep -E "^crashloop: .*(kills|violation)|^crashtest: [0-9]+ points" "$summary" | sed 's/^/   /'
  awk '/^crashloop: .* kills, [0-9]+ recoveries checked/ {k += $3} END {if (k) printf "   SIGKILL crash loops: %d kills with the plugin, each followed by a recovery and a check\n", k}' "$summary"
fi
(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.iter("testcase")
passed = failed = skipped = 0
for c in cases:
    if c.find("failure") is not None or c.find("error") is not None:
        failed += 1
    elif c.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
) | tee "$build/test/summary-line.txt"
rm -f "$xml"
exit $rc
