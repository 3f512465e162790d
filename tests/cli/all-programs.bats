#!/usr/bin/env bats
# What every program does the same way.
bats_require_minimum_version 1.5.0
load helpers

PROGS="nids-cat nids-featurize nids-fit nids-normalize nids-roc nids-score nids-select nids-split nids-threshold"

@test "every program: --help and --version > /dev/full exit 1 with a write error" {
	for p in $PROGS; do
		for flag in --help --version; do
			run --separate-stderr bash -c "'$NIDS_BIN/$p' $flag >/dev/full"
			echo "$p $flag: $status $stderr"
			[ "$status" -eq 1 ]
			[ "$stderr" = "$p: write error: No space left on device" ]
		done
	done
}

@test "every program: --help and --version to a pipe exit 0" {
	for p in $PROGS; do
		for flag in --help --version; do
			run --separate-stderr bash -c "'$NIDS_BIN/$p' $flag | cat >/dev/null"
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
		done
	done
}
