#!/usr/bin/env bats
# The classic models through nids-fit and nids-score: options, --dump, out-of-bag error,
# model files that score identically after a round trip, option errors.
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 300 1 benign > "$tmp/benign.rec"
	mk_stream 300 1 > "$tmp/all.rec"
	"$NIDS_BIN/nids-cat" -r -o "$tmp/xor.rec" "$fixtures/classic/xor.tsv"
}
teardown() { teardown_tmp; }


@test "nids-fit: --help lists the classic models' options with defaults" {
	run fit --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"-t forest: random forest"* ]]
	[[ "$output" == *"--max-features"*"[default: sqrt]"* ]]
	[[ "$output" == *"--samples"*"[default: 256]"* ]]
	[[ "$output" == *"--criterion"*"[default: entropy]"* ]]
}

@test "nids-fit -t tree --dump: the XOR tree with feature and class names" {
	fit -q -t tree --dump "$tmp/tree.txt" -o "$tmp/tree.bin" "$tmp/xor.rec"
	# ties at the root go to a seeded random feature: seed 0 picks syn
	printf '%s\n' 'syn <= 0.5' '  ack <= 0.5 -> benign (1.000)' '  ack > 0.5 -> attack (1.000)' \
		'syn > 0.5' '  ack <= 0.5 -> attack (1.000)' '  ack > 0.5 -> benign (1.000)' \
		> "$tmp/want.txt"
	diff "$tmp/want.txt" "$tmp/tree.txt"
	run score -m "$tmp/tree.bin" "$tmp/xor.rec" -o "$tmp/s.rec"
	[ "$status" -eq 0 ]
	run "$NIDS_BIN/nids-cat" -H -c label,score "$tmp/s.rec"
	[ "$output" = "$(printf '0\t0\n1\t1\n1\t1\n0\t0\n0\t0\n1\t1\n1\t1\n0\t0')" ]
}

@test "nids-fit -t forest: out-of-bag error on stderr with -v, none with -q" {
	run --separate-stderr fit -v -t forest --trees 10 -j 2 -o "$tmp/f.bin" "$tmp/all.rec"
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ forest:\ 10\ trees,\ out-of-bag\ error\ 0\.[0-9]{6}\ \([0-9]+\ of\ 300\ rows\) ]]
	run --separate-stderr fit -q -t forest --trees 10 -o "$tmp/f.bin" "$tmp/all.rec"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "nids-fit: classic models score identically after a round trip, for any -j" {
	for spec in "tree all" "forest all --trees 20" "logreg all" "logreg all --target class" \
		"kmeans benign --k 3" "iforest benign --trees 50 --samples 64"; do
		set -- $spec
		t=$1 in=$2
		shift 2
		fit -q -t "$t" "$@" -j 1 -o "$tmp/$t.1" "$tmp/$in.rec"
		fit -q -t "$t" "$@" -j 3 -o "$tmp/$t.3" "$tmp/$in.rec"
		cmp "$tmp/$t.1" "$tmp/$t.3"
		score -m "$tmp/$t.1" -j 1 -o "$tmp/a.rec" "$tmp/all.rec"
		score -m "$tmp/$t.3" -j 2 -o "$tmp/b.rec" "$tmp/all.rec"
		cmp "$tmp/a.rec" "$tmp/b.rec"
		# attacks (label 1) score higher on average
		"$NIDS_BIN/nids-cat" -H -c label,score "$tmp/a.rec" | awk -F '\t' \
			'{ s[$1] += $2; n[$1]++ } END { exit !(s[1] / n[1] > s[0] / n[0]) }'
	done
}

@test "nids-score --classes: class probabilities of a multinomial logreg" {
	fit -q -t logreg --target class -o "$tmp/m.bin" "$tmp/all.rec"
	score -m "$tmp/m.bin" --classes -o "$tmp/s.rec" "$tmp/all.rec"
	# (the header lines, the nids.score record's aside)
	run bash -c "'$NIDS_BIN/nids-cat' --types -n 1 -c score,p_normal,p_dos,p_probe '$tmp/s.rec' | grep -v '^#record'"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'score\tp_normal:meta\tp_dos:meta\tp_probe:meta')" ]
	# P(attack) = 1 - P(normal)
	echo "${lines[1]}" | awk -F '\t' '{ d = $1 + $2 - 1; exit !(d < 1e-6 && d > -1e-6) }'
}

@test "nids-fit: kmeans with fewer rows than k is a data error (exit 1), not a usage error" {
	run --separate-stderr fit -t kmeans --k 500 -o "$tmp/m" "$tmp/benign.rec"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-fit: k-means needs at least k = 500 rows, got 200" ]
	[ ! -e "$tmp/m" ]
}

@test "nids-fit: classic option errors exit 2 and leave no model" {
	run --separate-stderr fit -t forest --max-features half -o "$tmp/m" "$tmp/all.rec"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-fit: option '--max-features': 'half' is not sqrt, all, or a whole number from 1 to 4" ]
	[ ! -e "$tmp/m" ]
	run --separate-stderr fit -t tree --criterion chi2 -o "$tmp/m" "$tmp/all.rec"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-fit: option '--criterion': 'chi2' is not one of entropy, gini" ]
	run --separate-stderr fit -t logreg --class-weight auto -o "$tmp/m" "$tmp/all.rec"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-fit: option '--class-weight': 'auto' is not one of none, balanced" ]
	run --separate-stderr fit -t tree --dump /nonexistent/dir/t.txt -o "$tmp/m" "$tmp/all.rec"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-fit: /nonexistent/dir/t.txt: cannot create: No such file or directory" ]
	[ ! -e "$tmp/m" ]
}

@test "nids-fit -t tree: a label column is required" {
	run --separate-stderr fit -t tree -o "$tmp/m" <(mk_tsv 30 1 | cut -f1-4 | "$NIDS_BIN/nids-cat" -r)
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-fit: -t tree needs a label column in the training stream" ]
}

@test "nids-score --cluster: kmeans appends the nearest centroid's index" {
	# two tight blobs far apart: every row of a blob gets the same cluster, the two differ
	{ printf 'a\tb\n'; for i in 0 1 2 3 4; do printf '0.%d\t0\n10.%d\t10\n' "$i" "$i"; done; } > "$tmp/blobs.tsv"
	"$NIDS_BIN/nids-cat" -r -o "$tmp/blobs.rec" "$tmp/blobs.tsv"
	fit -q -t kmeans --k 2 -o "$tmp/km" "$tmp/blobs.rec"
	run sh -c "'$NIDS_BIN/nids-score' -m '$tmp/km' --cluster '$tmp/blobs.rec' | '$NIDS_BIN/nids-cat' -H -c a,cluster"
	[ "$status" -eq 0 ]
	near=$(printf '%s\n' "${lines[@]}" | awk -F'\t' '$1 < 5 { print $2 }' | sort -u)
	far=$(printf '%s\n' "${lines[@]}" | awk -F'\t' '$1 > 5 { print $2 }' | sort -u)
	[ "$(echo "$near" | wc -l)" -eq 1 ]
	[ "$(echo "$far" | wc -l)" -eq 1 ]
	[ "$near" != "$far" ]
	[[ "$near" =~ ^[01]$ && "$far" =~ ^[01]$ ]]
	run score -m "$tmp/km" --errors "$tmp/blobs.rec"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--errors is not available for -t kmeans"* ]]
}

@test "nids-score: the k-means score is the Euclidean distance to the nearest centroid" {
	# centroids (1, 0) and (11, 10); distances 3 (not 9), 5 (not 25), 1 and 0
	printf 'a\tb\n0\t0\n2\t0\n10\t10\n12\t10\n' | ncat -r > "$tmp/train.rec"
	printf 'a\tb\n1\t3\n4\t4\n12\t10\n11\t10\n' | ncat -r > "$tmp/test.rec"
	fit -q -t kmeans --k 2 --restarts 1 -o "$tmp/km" "$tmp/train.rec"
	run sh -c "'$NIDS_BIN/nids-score' -m '$tmp/km' '$tmp/test.rec' | '$NIDS_BIN/nids-cat' -H -c score"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '3\n5\n1\n0')" ]
}
