#!/usr/bin/env bats
# The number checks the CLI tests rely on: they must refuse nan, inf, empty and
# non-numeric values, or a program printing "nan" would pass every comparison.
bats_require_minimum_version 1.5.0
load helpers
load eval_helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "helpers: is_num accepts decimal numbers only" {
	for v in 0 -1 +2.5 .5 1. 1e-05 -3.25E+10 0.9963; do
		is_num "$v"
	done
	for v in "" nan NaN -nan inf -inf 1e 0x10 abc "1 2" 1,5 --1; do
		run is_num "$v"
		[ "$status" -eq 1 ]
		[[ "$output" == "not a number: '$v'" ]]
	done
}

@test "helpers: near and same compare numbers and refuse nan, empty and text" {
	near 1 1.05 0.1
	near -0.5 -0.5 0
	same 1e-3 0.001
	same 1 1.0
	for args in "nan nan 1" "inf inf 1" "'' 0 1" "abc 0 1" "0 0 nan" "1 2 0.5"; do
		eval "set -- $args"
		run near "$@"
		[ "$status" -ne 0 ]
	done
	for args in "nan nan" "'' ''" "'' 0" "x x" "1 2" "-nan -nan"; do
		eval "set -- $args"
		run same "$@"
		[ "$status" -ne 0 ]
	done
}

@test "helpers: close compares one-column files row by row" {
	printf '1\n2.5\n-3e-2\n' > "$tmp/a"
	printf '1.00001\n2.5\n-3e-2\n' > "$tmp/b"
	close "$tmp/a" "$tmp/b"
	printf '1\n2.6\n-3e-2\n' > "$tmp/c"
	run close "$tmp/a" "$tmp/c"
	[ "$status" -ne 0 ]
	[ "$output" = "row 2: 2.5 vs 2.6" ]
	printf 'nan\nnan\nnan\n' > "$tmp/n"
	run close "$tmp/n" "$tmp/n"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = "row 1: not two numbers: nan	nan" ]
	printf '1\n2.5\n' > "$tmp/short"
	run close "$tmp/a" "$tmp/short"
	[ "$status" -ne 0 ]
	: > "$tmp/e"
	run close "$tmp/e" "$tmp/e"
	[ "$status" -ne 0 ]
}
