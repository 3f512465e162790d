#!/bin/sh
# Runs every unit test binary, the library's reference graph check (tests/lib_calls.sh),
# the source layout check (tests/layout.sh), whether make mutate's deliberate bugs still
# apply to the code they name (scripts/mutate.sh --applies), the option coverage check
# (tests/option_coverage.sh),
# every bats file and a short run of each libFuzzer harness
# (tests/fuzz/run.sh smoke); prints their TAP lines and, last,
# "N passed, N failed, N skipped". Exit 1 if anything failed.
# Each program's (or file's) TAP output is checked against its plan ("1..N", first or
# last): a missing plan, or a count of results that differs from it, is a failure, so a
# test binary or bats file that dies half way cannot pass by printing only "ok" lines.
# A skipped test counts as skipped, except a skip that names ../shared/data when that
# directory exists: then the data is there and the skip hides a broken test, a failure.
# VALGRIND=1 runs every program the CLI tests call under valgrind (memcheck errors and
# definite leaks fail the test, exit code 99), and the unit tests too.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
out=$(mktemp)
wrap=""
trap 'rm -f "$log" "$out"; [ -n "$wrap" ] && rm -rf "$wrap"' EXIT
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
if [ "${VALGRIND:-0}" = 1 ]; then
	NIDS_UNIT_PREFIX="$vg"
	wrap=$(mktemp -d)
	for p in "$top/$BUILD"/bin/*; do
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$vg" "$p" >"$wrap/$(basename "$p")"
		chmod +x "$wrap/$(basename "$p")"
	done
fi
shared=0
[ -d "$top/../shared/data" ] && shared=1

# tally NAME RC: checks the TAP in $out against its plan, appends it to $log with a verdict
# line for a mismatch or a data skip; the counts go to $log as "#= pass fail skip".
tally() {
	awk -v name="$1" -v rc="${2:-0}" -v shared="$shared" '
	{ print }
	/^1\.\.[0-9]+/ && !planned { planned = 1; plan = substr($1, 4) + 0; next }
	/^not ok / { n++; fail++; next }
	/^ok / {
		n++
		if ($0 ~ /# [sS][kK][iI][pP]/) {
			if (shared && $0 ~ /shared\/data/) {
				fail++
				print "# " name ": a data-dependent test skipped though ../shared/data exists: counted as failed"
			} else
				skip++
		} else
			pass++
	}
	END {
		if (rc != 0 && !fail) { print "not ok - " name ": exited " rc; fail++ }
		if (!planned) { print "not ok - " name ": no TAP plan (1..N)"; fail++ }
		else if (n != plan) { print "not ok - " name ": plan 1.." plan " but " n + 0 " results"; fail++ }
		printf "#= %d %d %d\n", pass, fail, skip
	}' "$out" >>"$log"
}

for t in "$top/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	rc=0
	( cd "$top" && $NIDS_UNIT_PREFIX "$t" ) >"$out" 2>&1 || rc=$?
	tally "$(basename "$t")" "$rc"
done
# no two library files refer to each other, directly or round a longer cycle
if [ -f "$top/tests/lib_calls.sh" ]; then
	rc=0
	sh "$top/tests/lib_calls.sh" "$top/$BUILD/lib" >"$out" 2>&1 || rc=$?
	tally lib_calls.sh "$rc"
fi
# include/nids/ is the public API and no more, the mains are thin (tests/layout.sh)
if [ -f "$top/tests/layout.sh" ]; then
	rc=0
	sh "$top/tests/layout.sh" "$top" >"$out" 2>&1 || rc=$?
	tally layout.sh "$rc"
fi
# every deliberate bug of make mutate still applies to the code it names
if [ -f "$top/scripts/mutate.sh" ]; then
	rc=0
	sh "$top/scripts/mutate.sh" --applies >"$out" 2>&1 || rc=$?
	tally mutate.sh--applies "$rc"
fi
# every option of every program's --help is mentioned by a test (tests/option_coverage.sh)
if [ -f "$top/tests/option_coverage.sh" ]; then
	rc=0
	cov=$(sh "$top/tests/option_coverage.sh" "$top/$BUILD/bin" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		printf '1..1\nok 1 - %s\n' "$cov"
	else
		printf '1..1\nnot ok 1 - an option that no test mentions\n'
		echo "$cov" | sed 's/^/# /'
	fi >"$out"
	tally option_coverage.sh
fi
export NIDS_BIN="${wrap:-$top/$BUILD/bin}" NIDS_TOP="$top"
for f in "$top"/tests/cli/*.bats; do
	[ -e "$f" ] || continue
	rc=0
	bats --tap "$f" >"$out" 2>&1 || rc=$?
	tally "$(basename "$f")" "$rc"
done
# the libFuzzer harnesses, for FUZZ_SMOKE seconds each, when built (make check builds
# them where clang links libFuzzer; otherwise this reports a skip)
if [ -e "$top/tests/fuzz/run.sh" ]; then
	rc=0
	sh "$top/tests/fuzz/run.sh" smoke "${FUZZ_SMOKE:-10}" >"$out" 2>&1 || rc=$?
	tally fuzz "$rc"
fi
grep -v '^#= ' "$log"
awk '/^#= / { p += $2; f += $3; s += $4 }
	END {
		if (p == 0 && f == 0) { f = 1; print "# no test ran" }
		printf "%d passed, %d failed, %d skipped\n", p, f, s
		exit f != 0
	}' "$log"
