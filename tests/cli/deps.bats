#!/usr/bin/env bats
# scripts/deps.sh: a library counts as installed only when a program links against it.
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

@test "deps: with every library present nothing is missing" {
	run env NIDS_DEPS_DRY=1 sh "$NIDS_TOP/scripts/deps.sh"
	[ "$status" -eq 0 ]
	[ "$output" = "missing:" ]
}

@test "deps: a machine with another BLAS's cblas.h but no OpenBLAS gets libopenblas-dev" {
	# a compiler that finds every header but cannot link -lopenblas, as on a machine
	# with only reference BLAS (libblas-dev) installed
	cat > "$tmp/cc" <<-'SH'
		#!/bin/sh
		for a in "$@"; do [ "$a" = -lopenblas ] && { echo "cannot find -lopenblas" >&2; exit 1; }; done
		exec cc "$@"
	SH
	chmod +x "$tmp/cc"
	run env CC="$tmp/cc" NIDS_DEPS_DRY=1 sh "$NIDS_TOP/scripts/deps.sh"
	[ "$status" -eq 0 ]
	[ "$output" = "missing: libopenblas-dev" ]
	# the header alone is there: the old header test would have passed
	[ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || ls /usr/include/*/cblas.h
}
