#!/usr/bin/env bats
# Every nids-fit option has an effect: a model option is recorded in the model file and
# changes the scores (so a parser that drops it, or a model that ignores it, fails);
# the training options --optim, --patience and -v, and the iteration limits of the
# classic models and of aegmm's EM, are checked by what they print or change.
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_pairs 400 1 benign > "$tmp/benign.rec"
	mk_pairs 400 1 > "$tmp/train.rec"
	mk_pairs 200 2 > "$tmp/test.rec"
}
teardown() { teardown_tmp; }

# changes TYPE TRAIN OPTION VALUE [BASE OPTIONS...]: the model fitted with OPTION VALUE
# records it (hp.NAME=VALUE) and scores test.rec differently from the one without it
changes() {
	local t=$1 in=$2 opt=$3 val=$4 name
	shift 4
	fit -q -t "$t" "$@" -o "$tmp/a.bin" "$tmp/$in.rec"
	fit -q -t "$t" "$@" "$opt" "$val" -o "$tmp/b.bin" "$tmp/$in.rec"
	case $opt in
	-l) name=latent ;; -L) name=samples ;; -s) name=score ;; *) name=${opt#--} ;;
	esac
	score --info -m "$tmp/b.bin" | grep -qx "hp.$name=$val" ||
		{ echo "$t: hp.$name=$val not recorded"; return 1; }
	score -m "$tmp/a.bin" "$tmp/test.rec" | ncat -H -c score > "$tmp/a.tsv"
	score -m "$tmp/b.bin" "$tmp/test.rec" | ncat -H -c score > "$tmp/b.tsv"
	[ -s "$tmp/a.tsv" ] || { echo "$t: no scores"; return 1; }
	if cmp -s "$tmp/a.tsv" "$tmp/b.tsv"; then
		echo "$t $opt $val: the same scores as without it"
		return 1
	fi
}

@test "nids-fit options: each neural model option changes the model" {
	e=(--epochs 3 --batch 64)
	for spec in "--layers 8,4" "--act tanh" "--loss mae" "--l1 0.5"; do
		changes ae benign $spec "${e[@]}"
	done
	for spec in "--hidden 16" "-l 2" "-L 3" "--decoder bernoulli" "-s mse" "--lvmin 0" \
		"--beta 0.1"; do
		changes vae benign $spec "${e[@]}"
	done
	for spec in "--hidden 8" "--rho 0.3" "--sparsity 0.5" "--decay 0.1" "--pretrain 0"; do
		changes sae train $spec "${e[@]}" --pretrain 2
	done
	for spec in "--layers 8,2" "--act relu" "--est 5" "--k 2" "--dropout 0" "--lambda1 1" \
		"--lambda2 0.5" "--cov-floor 0.01"; do
		changes dagmm benign $spec "${e[@]}"
	done
	for spec in "--layers 8,2" "--act relu" "--mem 10" "--shrink 0.1" "--alpha 0.5"; do
		changes memae benign $spec "${e[@]}"
	done
	for spec in "--layers 16" "--sigma 0.1" "-s recon"; do
		changes dsebm benign $spec "${e[@]}"
	done
	for spec in "--layers 8,2" "--act tanh" "--l1 0.1" "--k 2" "--cov-floor 0.01" \
		"--em-iter 1" "--em-tol 10"; do
		changes aegmm benign $spec "${e[@]}" --k 3
	done
}

@test "nids-fit options: each classic model option changes the model" {
	for spec in "--k 3" "--restarts 1" "--max-iter 1" "--tol 1000000"; do
		changes kmeans benign $spec
	done
	for spec in "--l2 100" "--max-iter 1" "--tol 1" "--class-weight balanced"; do
		changes logreg train $spec
	done
	for spec in "--criterion gini" "--max-depth 2" "--min-leaf 50" "--class-weight balanced"; do
		changes tree train $spec
	done
	for spec in "--trees 5" "--criterion entropy" "--max-depth 2" "--min-leaf 50" \
		"--max-features all" "--class-weight balanced"; do
		changes forest train $spec --trees 10
	done
	for spec in "--trees 10" "--samples 16"; do
		changes iforest benign $spec
	done
}

@test "nids-fit options: --target class gives class probabilities (sae, logreg, tree, forest)" {
	mk_stream 300 1 > "$tmp/cls.rec"
	for t in sae logreg tree forest; do
		fit -q -t "$t" -o "$tmp/l.bin" "$tmp/cls.rec"
		score -m "$tmp/l.bin" --classes -o "$tmp/l.rec" "$tmp/cls.rec"
		run ncat -n 0 "$tmp/l.rec"
		[[ "$output" == *$'\tscore\tp_benign\tp_attack' ]]
		fit -q -t "$t" --target class -o "$tmp/c.bin" "$tmp/cls.rec"
		run score --info -m "$tmp/c.bin"
		[[ "$output" == *$'hp.target=class\n'* ]]
		score -m "$tmp/c.bin" --classes -o "$tmp/c.rec" "$tmp/cls.rec"
		run ncat -n 0 "$tmp/c.rec"
		[[ "$output" == *$'\tscore\tp_'* ]]
		[[ "$output" == *p_normal* && "$output" == *p_dos* && "$output" == *p_probe* ]]
	done
}

@test "nids-fit options: the training options --epochs --batch --lr --optim --seed --max-rows change the model" {
	base=(-t ae --epochs 2 --batch 64 --lr 1e-3)
	fit -q "${base[@]}" -o "$tmp/a.bin" "$tmp/benign.rec"
	for spec in "--epochs 3" "--batch 32" "--lr 0.01" "--optim sgd" "--seed 7" "--max-rows 100"; do
		fit -q "${base[@]}" $spec -o "$tmp/b.bin" "$tmp/benign.rec"
		run cmp -s "$tmp/a.bin" "$tmp/b.bin"
		[ "$status" -eq 1 ] || { echo "$spec: the same model file"; false; }
	done
	run -2 --separate-stderr fit -t ae --optim rmsprop "$tmp/benign.rec"
	[[ "${stderr_lines[0]}" == "nids-fit: "*"rmsprop"* ]]
}

@test "nids-fit options: --optim sgd trains: its loss falls" {
	run --separate-stderr fit -v -t ae --optim sgd --lr 0.05 --epochs 10 --batch 32 \
		-o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	first=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^epoch 1\/10 loss \([^ ]*\) .*/\1/p')
	last=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^epoch 10\/10 loss \([^ ]*\) .*/\1/p')
	is_num "$first"
	is_num "$last"
	awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 2) }'
}

@test "nids-fit options: --patience stops training when the validation loss stops improving" {
	run --separate-stderr fit -v -t ae --epochs 50 --val 0.3 --patience 1 --lr 0.1 \
		-o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	epochs=$(printf '%s\n' "${stderr_lines[@]}" | grep -c '^epoch ')
	[ "$epochs" -lt 50 ]
	printf '%s\n' "${stderr_lines[@]}" | grep -qx "epoch $epochs/50 loss [0-9.e+-]* val [0-9.e+-]* .*"
	printf '%s\n' "${stderr_lines[@]}" | grep -qx "stopping early: no better validation loss in 1 epochs"
	# the same run with a patience longer than the epochs trains all 50
	run --separate-stderr fit -v -t ae --epochs 50 --val 0.3 --patience 100 --lr 0.1 \
		-o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${stderr_lines[@]}" | grep -c '^epoch ')" -eq 50 ]
	printf '%s\n' "${stderr_lines[@]}" | grep -q '^epoch 50/50 '
	run grep -c stopping <<<"$stderr"
	[ "$output" = 0 ]
}

@test "nids-fit options: --progress shows reading and epochs even on a pipe" {
	run --separate-stderr fit --progress -t ae --epochs 2 -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *$'\r'"nids-fit: "*" rows, "*"(100%)"* ]]
	[[ "$stderr" == *"epoch 2/2 loss "* ]]
	run --separate-stderr fit -t ae --epochs 2 -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "nids-fit options: -v adds a summary line, -j changes nothing in the model" {
	run --separate-stderr fit -v -t ae --epochs 1 --val 0.25 -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[[ "${stderr_lines[-1]}" =~ ^nids-fit:\ -t\ ae:\ 225\ training\ rows\ \(300\ read\),\ 75\ validation,\ 6\ features,\ [0-9]+\ parameters,\ [0-9.]+\ s$ ]]
	run --separate-stderr fit -t ae --epochs 1 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "$stderr" != *"training rows"* ]]
	fit -q -t forest --trees 10 -j 1 -o "$tmp/j1.bin" "$tmp/train.rec"
	fit -q -t forest --trees 10 -j 2 -o "$tmp/j2.bin" "$tmp/train.rec"
	cmp "$tmp/j1.bin" "$tmp/j2.bin"
}

@test "nids-fit options: iteration limits and tolerances, as -v reports them" {
	mk_stream 300 1 > "$tmp/lin.rec"
	run --separate-stderr fit -v -t logreg -o "$tmp/m.bin" "$tmp/lin.rec"
	[ "${stderr_lines[0]}" = "logreg: 5 iterations" ]
	run --separate-stderr fit -v -t logreg --max-iter 2 -o "$tmp/m.bin" "$tmp/lin.rec"
	[ "${stderr_lines[0]}" = "logreg: 2 iterations (not converged: raise --max-iter)" ]
	run --separate-stderr fit -v -t logreg --tol 1 -o "$tmp/m.bin" "$tmp/lin.rec"
	[ "${stderr_lines[0]}" = "logreg: 0 iterations" ]
	run --separate-stderr fit -v -t kmeans --k 8 --restarts 1 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[0]}" =~ ^kmeans:\ k\ 8,\ inertia\ [0-9.]+,\ ([0-9]+)\ iterations$ ]]
	[ "${BASH_REMATCH[1]}" -gt 3 ]
	run --separate-stderr fit -v -t kmeans --k 8 --restarts 1 --max-iter 3 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[0]}" =~ ^kmeans:\ k\ 8,\ inertia\ [0-9.]+,\ 3\ iterations$ ]]
	run --separate-stderr fit -v -t kmeans --k 8 --restarts 1 --tol 1e6 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[0]}" =~ ^kmeans:\ k\ 8,\ inertia\ [0-9.]+,\ 1\ iterations$ ]]
	run --separate-stderr fit -v -t aegmm --epochs 2 --k 2 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[-2]}" =~ ^gmm:\ 2\ components,\ ([0-9]+)\ EM\ iterations, ]]
	full=${BASH_REMATCH[1]}
	[ "$full" -gt 3 ]
	run --separate-stderr fit -v -t aegmm --epochs 2 --k 2 --em-iter 1 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[-2]}" =~ ^gmm:\ 2\ components,\ 1\ EM\ iterations, ]]
	run --separate-stderr fit -v -t aegmm --epochs 2 --k 2 --em-tol 10 -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[-2]}" =~ ^gmm:\ 2\ components,\ ([0-9]+)\ EM\ iterations, ]]
	[ "${BASH_REMATCH[1]}" -lt "$full" ]
}
