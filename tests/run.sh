#!/bin/sh
# Runs every unit test binary, every bats file and a short run of each libFuzzer harness
# (tests/fuzz/run.sh smoke); prints TAP lines and, last,
# "N passed, N failed, N skipped". Exit 1 if anything failed.
# VALGRIND=1 runs every program the CLI tests call under valgrind (memcheck errors and
# definite leaks fail the test, exit code 99), and the unit tests too.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
wrap=""
trap 'rm -f "$log"; [ -n "$wrap" ] && rm -rf "$wrap"' EXIT
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
if [ "${VALGRIND:-0}" = 1 ]; then
	NIDS_UNIT_PREFIX="$vg"
	wrap=$(mktemp -d)
	for p in "$top/$BUILD"/bin/*; do
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$vg" "$p" >"$wrap/$(basename "$p")"
		chmod +x "$wrap/$(basename "$p")"
	done
fi
for t in "$top/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	( cd "$top" && $NIDS_UNIT_PREFIX "$t" ) >>"$log" 2>&1 || echo "not ok - $(basename "$t") exited $?" >>"$log"
done
export NIDS_BIN="${wrap:-$top/$BUILD/bin}" NIDS_TOP="$top"
if ls "$top"/tests/cli/*.bats >/dev/null 2>&1; then
	bats --tap "$top"/tests/cli/*.bats >>"$log" 2>&1 || true
fi
# the libFuzzer harnesses, for FUZZ_SMOKE seconds each, when built (make check builds
# them where clang links libFuzzer; otherwise this reports a skip)
sh "$top/tests/fuzz/run.sh" smoke "${FUZZ_SMOKE:-10}" >>"$log" 2>&1
cat "$log"
passed=$(grep -Ec '^ok [0-9]+ ' "$log" | tr -d ' ')
skipped=$(grep -Ec '^ok [0-9]+ .*# [sS][kK][iI][pP]' "$log" | tr -d ' ')
failed=$(grep -Ec '^not ok' "$log" | tr -d ' ')
passed=$((passed - skipped))
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "# no test ran"; fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
