#!/bin/sh
# Runs the libFuzzer harnesses built in $FUZZ_BUILD (default build-fuzz).
#   run.sh probe           exit 0 when $FUZZ_CC (default clang) links -fsanitize=fuzzer
#   run.sh smoke SECONDS   each harness for SECONDS on its seeds, as TAP for tests/run.sh
#                          (a plan, then "ok N - fuzz: NAME smoke"), or one skip line
#   run.sh long SECONDS    each harness for SECONDS, one after another, at nice 19, with
#                          libFuzzer's output and final statistics on stderr
# Harnesses mutate a scratch copy of their seeds under $FUZZ_BUILD/run/NAME (the seeds in
# tests/fuzz/corpus/NAME are not touched) and first replay tests/fuzz/regress/NAME/*,
# inputs that once crashed. A crash, leak, sanitizer report, timeout (20 s) or memory
# use beyond 2 GiB fails the harness; the input is left in $FUZZ_BUILD/run/NAME/.
top=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_CC=${FUZZ_CC:-clang}
case $FUZZ_BUILD in /*) ;; *) FUZZ_BUILD=$top/$FUZZ_BUILD ;; esac
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$top/tests/fuzz/ubsan.supp
export UBSAN_OPTIONS

probe() {
	command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
		"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -x c - -o /dev/null >/dev/null 2>&1
}

# the longest input each harness is given
max_len() {
	case $1 in
	params) echo 4096 ;;
	feat) echo 16384 ;;
	scores) echo 8192 ;; # the harness reads at most 1024 rows
	explain) echo 1024 ;; # the harness reads at most 24 rows of at most 21 bytes
	*) echo 65536 ;;
	esac
}

# run NAME SECONDS [nice]: 0 when the harness found nothing
run_one() {
	name=$1 secs=$2 bin=$FUZZ_BUILD/fuzz_$1 dir=$FUZZ_BUILD/run/$1
	rm -rf "$dir" && mkdir -p "$dir/corpus" || return 1
	cp "$top/tests/fuzz/corpus/$name/"* "$dir/corpus/"
	reg=$top/tests/fuzz/regress/$name
	if [ -d "$reg" ] && [ -n "$(ls "$reg")" ]; then
		"$bin" -timeout=20 -rss_limit_mb=2048 "$reg"/* >"$dir/regress.log" 2>&1 || return 1
	fi
	$3 "$bin" -max_total_time="$secs" -max_len="$(max_len "$name")" -timeout=20 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/corpus" >"$dir/fuzz.log" 2>&1
}

mode=$1 secs=${2:-10}
case $mode in
probe) probe ;;
smoke)
	if ! probe || ! ls "$FUZZ_BUILD"/fuzz_* >/dev/null 2>&1; then
		echo "1..1"
		echo "ok 1 - fuzz: smoke runs # SKIP no $FUZZ_CC with libFuzzer (Debian: clang, libclang-rt-14-dev)"
		exit 0
	fi
	n=0
	echo "1..$(ls "$FUZZ_BUILD"/fuzz_* | wc -l)"
	for bin in "$FUZZ_BUILD"/fuzz_*; do
		name=${bin##*/fuzz_} n=$((n + 1))
		if run_one "$name" "$secs"; then
			runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FUZZ_BUILD/run/$name/fuzz.log")
			echo "ok $n - fuzz: $name smoke ($secs s, ${runs:-?} runs)"
		else
			echo "not ok $n - fuzz: $name smoke"
			tail -n 30 "$FUZZ_BUILD/run/$name/"*.log | sed 's/^/# /'
		fi
	done
	;;
long)
	probe || { echo "fuzz: no $FUZZ_CC with libFuzzer" >&2; exit 1; }
	status=0
	for bin in "$FUZZ_BUILD"/fuzz_*; do
		name=${bin##*/fuzz_}
		echo "fuzz: $name for $secs s" >&2
		run_one "$name" "$secs" "nice -n 19" || status=1
		grep -E '^(stat::|Done|==[0-9]+==ERROR|SUMMARY)' "$FUZZ_BUILD/run/$name/fuzz.log" >&2
	done
	exit $status
	;;
*)
	echo "usage: run.sh probe | smoke SECONDS | long SECONDS" >&2
	exit 2
	;;
esac
