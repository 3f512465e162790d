#!/usr/bin/env bats
# nids-fit and nids-score with the deep anomaly detectors: dagmm, memae, dsebm, aegmm.
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 300 1 benign > "$tmp/benign.rec"
	mk_stream 300 2 > "$tmp/all.rec"
}
teardown() { teardown_tmp; }


# 50 rows with the same value v in every feature
same_rows() {
	awk -v v="$1" 'BEGIN { print "f1\tf2\tf3\tf4\tlabel"
		for (i = 0; i < 50; i++) printf "%s\t%s\t%s\t%s\t0\n", v, v, v, v }' |
		"$NIDS_BIN/nids-cat" -r
}

@test "nids-fit-deep: --help lists the deep models with the papers' defaults" {
	run fit --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"-t dagmm: "*"--lambda1"*"[default: 0.1]"*"--lambda2"*"[default: 0.005]"* ]]
	[[ "$output" == *"--cov-floor"*"[default: 1e-6]"* ]]
	[[ "$output" == *"-t memae: "*"--mem"*"[default: 50]"*"--alpha"*"[default: 0.0002]"* ]]
	[[ "$output" == *"-t dsebm: "*"-s, --score"*"[default: energy]"* ]]
	[[ "$output" == *"-t aegmm: "*"--layers"*"[default: 70,30,17,16]"*"--k"*"[default: 21]"* ]]
}

@test "nids-fit-deep: dagmm trains with the paper's epochs, batch and lr unless told" {
	run fit --help
	[[ "$output" == *$'-t dagmm: '*$'\n  training defaults: --epochs 200 --batch 1024 --lr 0.0001\n'* ]]
	run --separate-stderr fit -v -t dagmm -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[[ "${stderr_lines[-2]}" == "epoch 200/200 "* ]]
	run --separate-stderr fit -v -t dagmm --epochs 3 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[-2]}" == "epoch 3/3 "* ]]
	# memae has none: nids-fit's own 20 epochs, raised to make at least 2000 steps
	run --separate-stderr fit -v -t memae --batch 1 --max-rows 150 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[-2]}" == "epoch 20/20 "* ]]
	run --separate-stderr fit -v -t memae --max-rows 100 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[-2]}" == "epoch 2000/2000 "* ]]
}

@test "nids-fit-deep: each model separates the attacks, the same with 1 and 2 scoring threads" {
	for t in dagmm memae dsebm aegmm; do
		extra=()
		if [ "$t" = aegmm ]; then extra=(--k 3); fi
		fit -t "$t" -q --epochs 20 --batch 32 --lr 1e-2 "${extra[@]}" -o "$tmp/$t.bin" \
			"$tmp/benign.rec"
		score -m "$tmp/$t.bin" -j 1 -o "$tmp/$t.1" "$tmp/all.rec"
		score -m "$tmp/$t.bin" -j 2 -o "$tmp/$t.2" "$tmp/all.rec"
		cmp "$tmp/$t.1" "$tmp/$t.2"
		run "$NIDS_BIN/nids-roc" --json --score score "$tmp/$t.1"
		[ "$status" -eq 0 ]
		[[ "$output" == *'"auroc": 1,'* ]] || { echo "$t: $output"; false; }
	done
}

@test "nids-fit-deep: aegmm emits score and mae (role score) and logp (score-low)" {
	fit -t aegmm -q --epochs 5 --batch 32 --k 2 -o "$tmp/a.bin" "$tmp/benign.rec"
	score -m "$tmp/a.bin" -o "$tmp/s" "$tmp/all.rec"
	run "$NIDS_BIN/nids-cat" -i "$tmp/s"
	[[ "$output" == *$'8\tscore\tscore\n9\tmae\tscore\n10\tlogp\tscore-low\n'* ]]
	# logp is the log-likelihood that score negates
	"$NIDS_BIN/nids-cat" -H -c score,logp "$tmp/s" | awk -F '\t' '$1 != -$2 { bad++ } END { exit bad || NR < 10 }'
	# stage-1 threshold: 98th percentile of benign MAE; stage 2: -log p above the 98.8th
	run "$NIDS_BIN/nids-threshold" --percentile 98 --score mae "$tmp/s"
	[ "$status" -eq 0 ]
	mae=$output
	want=$("$NIDS_BIN/nids-cat" -H -c label,mae "$tmp/s" | awk '$1 == 0 { print $2 }' |
		sort -g | awk '{ v[NR] = $1 } END { p = 0.98 * (NR - 1); i = int(p)
			printf "%.6g\n", v[i + 1] + (p - i) * (v[i + 2] - v[i + 1]) }')
	[ "$(printf '%.6g' "$mae")" = "$want" ]
	run -1 "$NIDS_BIN/nids-roc" "$tmp/s"
	[[ "$output" == *"several score columns"* ]]
	score -m "$tmp/a.bin" --errors -o "$tmp/e" "$tmp/all.rec"
	run "$NIDS_BIN/nids-cat" -i "$tmp/e"
	[[ "$output" == *$'9\tmae\tscore\n10\tlogp\tscore-low\n11\terr_f1\tmeta\n'* ]]
}

@test "nids-fit-deep: dsebm -s recon is stored and changes the score" {
	fit -t dsebm -q --epochs 3 --batch 32 -o "$tmp/e.bin" "$tmp/benign.rec"
	fit -t dsebm -q --epochs 3 --batch 32 -s recon -o "$tmp/r.bin" "$tmp/benign.rec"
	run score --info -m "$tmp/r.bin"
	[[ "$output" == *$'score=recon\n'* ]]
	score -m "$tmp/e.bin" -o "$tmp/se" "$tmp/all.rec"
	score -m "$tmp/r.bin" -o "$tmp/sr" "$tmp/all.rec"
	e=$("$NIDS_BIN/nids-cat" -H -n 1 -c score "$tmp/se")
	r=$("$NIDS_BIN/nids-cat" -H -n 1 -c score "$tmp/sr")
	# the energy of a benign row is negative here, a squared error never is
	awk -v e="$e" -v r="$r" 'BEGIN { exit !(e < 0 && r >= 0) }'
	run -2 fit -t dsebm -s other "$tmp/benign.rec"
	[ "${lines[0]}" = "nids-fit: option '--score': 'other' is not one of energy, recon" ]
}

@test "nids-fit-deep: a singular covariance without floor fails with Cholesky, no model file" {
	same_rows 0.5 > "$tmp/same.rec"
	run -1 --separate-stderr fit -t dagmm -q --cov-floor 0 --epochs 2 -o "$tmp/m.bin" \
		"$tmp/same.rec"
	[[ "$stderr" == *"not positive definite with diagonal floor 0 (Cholesky failed); try a larger --cov-floor"* ]]
	[ ! -e "$tmp/m.bin" ]
	run -1 --separate-stderr fit -t aegmm -q --k 2 --cov-floor 0 --epochs 2 -o "$tmp/m.bin" \
		"$tmp/same.rec"
	[[ "$stderr" == *"aegmm: gmm: component 1: covariance not positive definite with diagonal floor 0"*"(try a larger --cov-floor)" ]]
	[ ! -e "$tmp/m.bin" ]
	# the default floor makes the same rows usable
	fit -t dagmm -q --epochs 2 -o "$tmp/m.bin" "$tmp/same.rec"
	[ -s "$tmp/m.bin" ]
}

@test "nids-fit-deep: a NaN loss stops fitting and leaves no model file" {
	same_rows 3e38 > "$tmp/huge.rec"
	for t in dagmm dsebm; do
		run -1 --separate-stderr fit -t "$t" -q --epochs 2 -o "$tmp/m.bin" "$tmp/huge.rec"
		[[ "$stderr" =~ "training diverged: the loss is "(nan|inf) ]]
		[ ! -e "$tmp/m.bin" ]
	done
}

@test "nids-fit-deep: bad model options exit 2" {
	run -2 --separate-stderr fit -t aegmm --k 0 "$tmp/benign.rec"
	[ "${stderr_lines[0]}" = "nids-fit: option '--k': '0' is not a whole number from 1 to 1024" ]
	run -2 --separate-stderr fit -t memae --shrink 2 "$tmp/benign.rec"
	[ "${stderr_lines[0]}" = "nids-fit: option '--shrink': '2' is not a number from 0 to 1" ]
	run -2 --separate-stderr fit -t dagmm --mem 3 "$tmp/benign.rec"
	[ "${stderr_lines[0]}" = "nids-fit: option '--mem' does not apply to -t dagmm" ]
}
