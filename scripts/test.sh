#!/usr/bin/env bash
# Runs every test `make test` owns and ends with one line:
#   N passed, M failed
# Usage: test.sh UNIT_TEST... -- ASAN_UNIT_TEST...
# Then the integration tests (pytest) against real components, then the
# app's browser tests (scripts/web.sh test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
passed=0
failed=0
failures=()

# run_cmocka LABEL BINARY: cmocka in TAP mode; a crash counts as a failure.
run_cmocka() {
	local label=$1 bin=$2 out rc ok nok
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
	rc=$?
	ok=$(grep -c '^ok ' <<<"$out")
	nok=$(grep -c '^not ok ' <<<"$out")
	if [ $rc -ne 0 ] && [ "$nok" -eq 0 ]; then
		nok=1 # died before reporting (sanitizer, signal)
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	if [ "$nok" -gt 0 ]; then
		failures+=("$label $bin")
		echo "$out" | grep -v '^ok ' | sed "s|^|  [$label] |"
	fi
	printf '%-6s %-44s %3d passed, %d failed\n' "$label" "${bin#build/}" "$ok" "$nok"
}

label=unit
for t in "$@"; do
	if [ "$t" = "--" ]; then
		label=asan
		continue
	fi
	if [ "$label" = asan ]; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			LSAN_OPTIONS=suppressions="$ROOT/scripts/lsan.supp" \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			run_cmocka asan "$t"
	else
		run_cmocka unit "$t"
	fi
done

# Integration: pytest writes JUnit XML; count from it, not from text.
xml=$(mktemp)
# Debian's interpreter: python3-pytest is installed for it, whatever
# python3 comes first on PATH.
/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$xml" tests/integration
python3 - "$xml" >"$xml.counts" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
    s += int(su.get("skipped", 0))
print(t - f - s, f, s)
PY
if read -r ip if_ is <"$xml.counts"; then
	passed=$((passed + ip))
	failed=$((failed + if_))
	[ "$if_" -gt 0 ] && failures+=("integration")
	[ "$is" -gt 0 ] && echo "integration: $is skipped"
else
	failed=$((failed + 1))
	failures+=("integration (no report)")
fi
rm -f "$xml" "$xml.counts"

# The app in a real browser (tests/web, node's test runner): its own
# stack; count from node's closing "# pass N" / "# fail N" lines.
web=$(mktemp)
bash scripts/web.sh test 2>&1 | tee "$web" | grep -E '^(not ok|# (pass|fail|tests))' || true
wp=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$web" | tail -n 1)
wf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$web" | tail -n 1)
if [ -n "$wp" ] && [ -n "$wf" ]; then
	passed=$((passed + wp))
	failed=$((failed + wf))
	[ "$wf" -gt 0 ] && failures+=("web") && grep -B2 -A30 '^not ok' "$web" | head -n 200
else
	failed=$((failed + 1))
	failures+=("web (no report)")
	tail -n 60 "$web"
fi
rm -f "$web"

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
