#!/usr/bin/env bats
# nids-fit -t ensemble: members trained concurrently give the same model for any -j, its
# scores do not depend on -j, attacks outrank benign rows; the model file is one file
# whose damage is caught; nids-explain and the stored normalization work through it.
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 600 1 benign > "$tmp/benign.rec"
	mk_stream 300 2 > "$tmp/test.rec"
}
teardown() { teardown_tmp; }

# mean score of attacks above that of benign rows in scored stream $1
attacks_higher() {
	ncat -H -c label,score "$1" | awk -F '\t' \
		'{ s[$1] += $2; n[$1]++ } END { exit !(s[1] / n[1] > s[0] / n[0]) }'
}

@test "ensemble: --members, --standardize, --combine, --buckets, --seeds; the same model and scores for any -j" {
	opts="--members ae,vae,kmeans,iforest --standardize rank --combine aom --buckets 2 --seeds 2 --epochs 2"
	fit -q -t ensemble $opts -j 1 -o "$tmp/e1.bin" "$tmp/benign.rec"
	fit -q -t ensemble $opts -j 3 -o "$tmp/e3.bin" "$tmp/benign.rec"
	cmp "$tmp/e1.bin" "$tmp/e3.bin"
	score -m "$tmp/e1.bin" -j 1 -o "$tmp/a.rec" "$tmp/test.rec"
	score -m "$tmp/e3.bin" -j 2 -o "$tmp/b.rec" "$tmp/test.rec"
	cmp "$tmp/a.rec" "$tmp/b.rec"
	attacks_higher "$tmp/a.rec"
	run -0 score --info -m "$tmp/e1.bin"
	[[ "$output" == *$'\nhp.members=ae,vae,kmeans,iforest\nhp.standardize=rank\nhp.combine=aom\nhp.buckets=2\nhp.seeds=2\n'* ]]
	# two replicas of ae and of vae, one kmeans, one iforest; their standardizations
	[[ "$output" == *$'\ntensor=member.5 1 '* && "$output" != *"tensor=member.6 "* ]]
	[[ "$output" == *$'\ntensor=stand 6 2 '* && "$output" == *$'\ntensor=cdf.5 1 400 '* ]]
}

@test "ensemble: --help lists its options with the defaults bench/quality.md chose" {
	run -0 fit --help
	[[ "$output" == *"-t ensemble: member detectors"* ]]
	[[ "$output" == *"--members"*"[default: ae,kmeans]"* ]]
	[[ "$output" == *"--standardize"*"[default: rank]"* && "$output" == *"--combine"*"[default: mean]"* ]]
}

@test "ensemble: progress lines name each member; bad member lists are usage errors" {
	run -0 --separate-stderr fit -v -t ensemble --members kmeans,iforest -j 2 -o "$tmp/e.bin" "$tmp/benign.rec"
	[[ "$stderr" == *"ensemble: member 1 of 2 trained (-t kmeans, seed 0)"* ]]
	[[ "$stderr" == *"ensemble: member 2 of 2 trained (-t iforest, seed 0)"* ]]
	run -2 --separate-stderr fit -q -t ensemble --members ae,sae -o "$tmp/x.bin" "$tmp/benign.rec"
	[ "$stderr" = "nids-fit: option '--members': 'sae' is not an unsupervised model type (ae, vae, dagmm, memae, dsebm, aegmm, kmeans, iforest)" ]
	run -2 --separate-stderr fit -q -t ensemble --combine median -o "$tmp/x.bin" "$tmp/benign.rec"
	[ "$stderr" = "nids-fit: option '--combine': 'median' is not one of mean, max, aom" ]
	[ ! -e "$tmp/x.bin" ]
}

@test "ensemble: a cut or damaged model file is refused" {
	fit -q -t ensemble --members kmeans,iforest -o "$tmp/e.bin" "$tmp/benign.rec"
	size=$(stat -c %s "$tmp/e.bin")
	head -c $((size / 2)) "$tmp/e.bin" > "$tmp/cut.bin"
	run -1 --separate-stderr score -m "$tmp/cut.bin" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $tmp/cut.bin: truncated model file ($((size / 2)) of $size bytes)" ]
	cp "$tmp/e.bin" "$tmp/flip.bin"
	printf '\377' | dd of="$tmp/flip.bin" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
	run -1 --separate-stderr score -m "$tmp/flip.bin" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $tmp/flip.bin: model file checksum mismatch (corrupt file)" ]
}

@test "ensemble: trained on quantile-transformed rows; nids-explain by kernel SHAP and gradients" {
	mk_stream 600 1 benign | "$NIDS_BIN/nids-normalize" -q -t quantile --fit "$tmp/n.bin" > "$tmp/nb.rec"
	fit -q -t ensemble --members ae,kmeans --epochs 2 -o "$tmp/e.bin" "$tmp/nb.rec"
	"$NIDS_BIN/nids-normalize" -q -p "$tmp/n.bin" "$tmp/test.rec" > "$tmp/nt.rec"
	run -0 bash -c "'$NIDS_BIN/nids-explain' -m '$tmp/e.bin' -t shap -b '$tmp/nb.rec' --nsamples 64 -k 5 '$tmp/nt.rec' | '$NIDS_BIN/nids-score' -m '$tmp/e.bin' | '$NIDS_BIN/nids-cat' -H -c score,attr_base,attr_f1,attr_f2,attr_f3,attr_f4"
	# kernel SHAP is efficient: the base value and the attributions add up to the score
	echo "$output" | awk -F '\t' '{ d = $1 - ($2 + $3 + $4 + $5 + $6); if (d < 0) d = -d; if (d > 1e-3) exit 1 }'
	[ "${#lines[@]}" -eq 300 ]
	run -0 bash -c "'$NIDS_BIN/nids-explain' -m '$tmp/e.bin' -t gradient '$tmp/nt.rec' | '$NIDS_BIN/nids-cat' -H -c attr_f1"
	[ "${#lines[@]}" -eq 300 ]
}
