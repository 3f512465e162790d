#!/usr/bin/env bats
# One meaning per short flag across the programs, as their --help texts list them.
bats_require_minimum_version 1.5.0
load helpers

# "-x, --long" pairs of every program's --help, as "x long program" lines
pairs() {
	local p
	for p in "$NIDS_BIN"/nids-*; do
		"$p" --help | grep -oE '^ +-[a-zA-Z], --[a-z0-9-]+' |
			sed -E "s/^ +-([a-zA-Z]), --(.*)/\1 \2 $(basename "$p")/"
	done
}

@test "flags: a short option means the same in every program that has it" {
	# -t is the one documented pair: the type of model (fit) or method of scaling (normalize)
	run -0 bash -c "$(declare -f pairs); NIDS_BIN='$NIDS_BIN' pairs | sed 's/^t method /t type /' |
		sort -u -k1,2 | awk '{ if (\$1 == prev) print \"-\" \$1 \": --\" last \" and --\" \$2; prev = \$1; last = \$2 }'"
	[ -z "$output" ]
}

@test "flags: -q, -v, -o, -z and -j mean quiet, verbose, output, zstd and threads" {
	run -0 bash -c "$(declare -f pairs); NIDS_BIN='$NIDS_BIN' pairs"
	local want=( "q quiet" "v verbose" "o output" "z zstd" "j threads" "h help" )
	local line w
	for line in "${lines[@]}"; do
		for w in "${want[@]}"; do
			[[ "${line%% *}" != "${w%% *}" ]] || [[ "$line" == "$w "* ]] ||
				{ echo "bad: $line"; return 1; }
		done
	done
	# every program that writes takes -o
	for p in cat featurize fit normalize roc score split threshold; do
		"$NIDS_BIN/nids-$p" --help | grep -qE '^ +-o(,| )' || { echo "nids-$p: no -o"; return 1; }
	done
}
