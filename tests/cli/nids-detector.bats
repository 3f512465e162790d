#!/usr/bin/env bats
# A model file is a complete detector: it applies the normalization its training rows
# went through, refuses streams that went through other preprocessing, stores its
# threshold and says how it was made; identifiers pass through every program exactly.
load helpers
bats_require_minimum_version 1.5.0

setup() { setup_tmp; }
teardown() { teardown_tmp; }

train_nsl="$NIDS_TOP/examples/data/KDDTrain+_20Percent.txt.zst"
test_nsl="$NIDS_TOP/examples/data/KDDTest+.txt.zst"
ugr=ugr16-july-week5-first5k.csv.zst
cic18=cse-cic-ids2018-improved_sample.csv.zst

# fit_detectors RAW: benign rows of RAW normalized (params in $tmp/norm.bin) train ae,
# vae and aegmm; all rows train a forest.
fit_detectors() {
	"$NIDS_BIN/nids-split" -q --benign "$1" | "$NIDS_BIN/nids-normalize" -q --fit "$tmp/norm.bin" > "$tmp/benign.rec"
	"$NIDS_BIN/nids-normalize" -q -p "$tmp/norm.bin" "$1" > "$tmp/all.rec"
	fit -q -t ae --epochs 1 -o "$tmp/ae.bin" "$tmp/benign.rec"
	fit -q -t vae --epochs 1 -o "$tmp/vae.bin" "$tmp/benign.rec"
	fit -q -t aegmm --epochs 1 -o "$tmp/aegmm.bin" "$tmp/benign.rec"
	fit -q -t forest --trees 5 -o "$tmp/forest.bin" "$tmp/all.rec"
}

# same_scores RAW: featurize | score -m equals featurize | normalize -p | score, to the byte
same_scores() {
	for m in ae vae aegmm forest; do
		score -m "$tmp/$m.bin" "$1" | ncat -c score > "$tmp/direct.$m"
		"$NIDS_BIN/nids-normalize" -q -p "$tmp/norm.bin" "$1" | score -m "$tmp/$m.bin" | ncat -c score > "$tmp/explicit.$m"
		cmp "$tmp/direct.$m" "$tmp/explicit.$m"
		[ "$(wc -l < "$tmp/direct.$m")" -gt 1000 ]
	done
}

@test "detector: NSL-KDD scores of the raw featurized stream equal the explicit normalize pipeline's (ae, vae, aegmm, forest)" {
	feat -q "$train_nsl" > "$tmp/train.rec"
	fit_detectors "$tmp/train.rec"
	feat -q "$test_nsl" > "$tmp/test.rec"
	same_scores "$tmp/test.rec"
	# and the scores are the model's, not of raw features: AUROC well above chance
	run sh -c "'$NIDS_BIN/nids-score' -m '$tmp/ae.bin' '$tmp/test.rec' | '$NIDS_BIN/nids-roc' --json"
	auroc=$(echo "$output" | sed -n 's/.*"auroc": *\([0-9.]*\).*/\1/p')
	awk -v a="$auroc" 'BEGIN { exit !(a > 0.8) }'
}

@test "detector: the same on the UGR'16 excerpt" {
	need_shared "$ugr"
	feat -q "$shared_data/$ugr" > "$tmp/u.rec"
	fit_detectors "$tmp/u.rec"
	same_scores "$tmp/u.rec"
}

@test "detector: --info shows the preprocessing and how the model was made" {
	feat -q "$train_nsl" | "$NIDS_BIN/nids-split" -q --benign | "$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" |
		SOURCE_DATE_EPOCH=1700000000 fit -q -t ae --epochs 2 --batch 128 --lr 0.002 --val 0.1 -o "$tmp/ae.bin"
	run score --info -m "$tmp/ae.bin"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nprep=nids.featurize (format=nslkdd)\n'* ]]
	[[ "$output" == *$'\nprep=nids.normalize (minmax over 125 feature columns, not clamped; applied to raw featurized rows)\n'* ]]
	[[ "$output" == *$'\nmade.by=nids 0.2.0\nmade.date=2023-11-14T22:13:20Z\n'* ]]
	[[ "$output" == *$'\nmade.training=2 epochs of batch 128, adam lr 0.002; loss '* ]]
	[[ "$output" == *$'\nmade.validation=loss '* ]]
	[[ "$output" != *"threshold="* ]]
}

@test "detector: a stream with other preprocessing is refused, saying what differs" {
	feat -q "$NIDS_TOP/tests/fixtures/feat/nslkdd_20.txt" > "$tmp/raw.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/a.bin" "$tmp/raw.rec" > "$tmp/a.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/b.bin" -t zscore "$tmp/raw.rec" > "$tmp/b.rec"
	fit -q -t kmeans --k 2 -o "$tmp/km.bin" "$tmp/a.rec"
	# normalized with other parameters
	run -1 --separate-stderr score -m "$tmp/km.bin" "$tmp/b.rec"
	[ "$stderr" = "nids-score: $tmp/b.rec: the stream was normalized with other parameters than the model was trained after (give the raw featurized stream: the model applies its own)" ]
	# normalized rows that lost their header records (edited as text): not silently scored
	ncat --types "$tmp/raw.rec" | grep -v '^#record' | ncat -r > "$tmp/text.rec"
	run -1 --separate-stderr score -m "$tmp/km.bin" "$tmp/text.rec"
	[[ "$stderr" == "nids-score: $tmp/text.rec: the model was trained on normalized rows, and this stream does not record whether it is normalized"* ]]
	# a model trained on raw rows given a normalized stream
	fit -q -t kmeans --k 2 -o "$tmp/raw.bin" "$tmp/raw.rec"
	run -1 --separate-stderr score -m "$tmp/raw.bin" "$tmp/a.rec"
	[ "$stderr" = "nids-score: $tmp/a.rec: the model was trained on rows without normalization, and this stream is normalized: give it the featurized stream" ]
	# normalizing twice is refused
	run -1 --separate-stderr "$NIDS_BIN/nids-normalize" -p "$tmp/a.bin" "$tmp/a.rec"
	[[ "$stderr" == *"the stream is normalized already"* ]]
	# the matching stream scores, normalized or raw, to the same values
	cmp <(score -m "$tmp/km.bin" "$tmp/a.rec" | ncat -c score) <(score -m "$tmp/km.bin" "$tmp/raw.rec" | ncat -c score)
}

@test "detector: KDD Cup 99 and NSL-KDD rows are one feature set: a model trained on either scores the other" {
	feat -q "$NIDS_TOP/tests/fixtures/feat/nslkdd_20.txt" > "$tmp/nsl.rec"
	feat -q "$NIDS_TOP/tests/fixtures/feat/kdd99_20.txt" > "$tmp/k99.rec"
	# the KDD Cup 99 stream's record names the feature set: format=nslkdd
	[ "$(ncat --types -n 0 "$tmp/k99.rec" | head -1)" = $'#record\tnids.featurize\t666f726d61743d6e736c6b6464' ]
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" "$tmp/nsl.rec" | fit -q -t kmeans --k 2 -o "$tmp/nsl.bin"
	score -m "$tmp/nsl.bin" "$tmp/k99.rec" | ncat -H -c score > "$tmp/got.txt"
	"$NIDS_BIN/nids-normalize" -q -p "$tmp/n.bin" "$tmp/k99.rec" | score -m "$tmp/nsl.bin" | ncat -H -c score > "$tmp/want.txt"
	cmp "$tmp/got.txt" "$tmp/want.txt"
	[ "$(wc -l < "$tmp/got.txt")" -eq 20 ]
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/k.bin" "$tmp/k99.rec" | fit -q -t kmeans --k 2 -o "$tmp/k99.bin"
	[ "$(score -m "$tmp/k99.bin" "$tmp/nsl.rec" | ncat -H -c score | wc -l)" -eq 20 ]
	# another feature set is still refused
	feat -q "$NIDS_TOP/tests/fixtures/feat/ugr_raw.csv" > "$tmp/ugr.rec"
	run -1 --separate-stderr score -m "$tmp/nsl.bin" "$tmp/ugr.rec"
	[ "$stderr" = "nids-score: $tmp/ugr.rec: feature 2: the stream has 'packets', the model 'protocol_type=icmp'" ]
}

@test "detector: nids-threshold -m stores the threshold; --alarms keeps the alarms; -e tells alarms from none" {
	need_shared "$ugr"
	feat -q "$shared_data/$ugr" > "$tmp/u.rec"
	"$NIDS_BIN/nids-split" -q --benign "$tmp/u.rec" | "$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" | fit -q -t ae --epochs 2 -o "$tmp/d.bin"
	run -2 --separate-stderr score -m "$tmp/d.bin" --alarms "$tmp/u.rec"
	[ "$stderr" = "nids-score: $tmp/d.bin: the model stores no threshold (store one with nids-threshold -m model and a rule: --percentile, --rate, --sigma or --best-f1)" ]
	t=$(score -m "$tmp/d.bin" "$tmp/u.rec" | "$NIDS_BIN/nids-threshold" --rate 0.01 -m "$tmp/d.bin")
	run score --info -m "$tmp/d.bin"
	[[ "$output" == *$'\nthreshold='*" high score"$'\n'* ]]
	# the alarms are the rows nids-threshold --value flags, metadata and all
	score -m "$tmp/d.bin" --alarms -o "$tmp/al.rec" "$tmp/u.rec"
	score -m "$tmp/d.bin" "$tmp/u.rec" | "$NIDS_BIN/nids-threshold" --value "$t" --alarms-only > "$tmp/want.rec"
	cmp <(ncat "$tmp/al.rec") <(ncat "$tmp/want.rec")
	n=$(ncat -H -c record "$tmp/al.rec" | wc -l)
	[ "$n" -ge 40 ]
	[ "$n" -le 60 ]
	run score -m "$tmp/d.bin" --alarms -e -o "$tmp/x.rec" "$tmp/u.rec"
	[ "$status" -eq 0 ]
	# a threshold nothing reaches: exit 3, and an empty but valid alarm stream
	score -m "$tmp/d.bin" "$tmp/u.rec" | "$NIDS_BIN/nids-threshold" --sigma 1000 -m "$tmp/d.bin" > /dev/null
	run score -m "$tmp/d.bin" --alarms -e -o "$tmp/none.rec" "$tmp/u.rec"
	[ "$status" -eq 3 ]
	[ "$(ncat -H "$tmp/none.rec" | wc -l)" -eq 0 ]
	run -2 score -m "$tmp/d.bin" -e "$tmp/u.rec"
}

@test "detector: nids-threshold -m refuses another model's scores, and warns when the stream does not say whose they are" {
	printf 'x\tlabel\n0\t0\n2\t0\n4\t0\n' | ncat -r > "$tmp/kt.rec"
	fit -q -t kmeans --k 1 -o "$tmp/k.bin" "$tmp/kt.rec"
	fit -q -t iforest -o "$tmp/i.bin" "$tmp/kt.rec"
	score -m "$tmp/i.bin" -o "$tmp/i.scored" "$tmp/kt.rec"
	cp "$tmp/k.bin" "$tmp/before.bin"
	run -1 --separate-stderr "$NIDS_BIN/nids-threshold" --percentile 50 -m "$tmp/k.bin" "$tmp/i.scored"
	[[ "$stderr" == "nids-threshold: $tmp/i.scored: scored by another model than $tmp/k.bin (the stream's model="????????????????", the file's model="????????????????"): score the rows with $tmp/k.bin, or store the threshold in the model that scored them" ]]
	cmp "$tmp/k.bin" "$tmp/before.bin"
	# its own scores: stored, and storing again (the threshold is not part of the id)
	score -m "$tmp/k.bin" -o "$tmp/k.scored" "$tmp/kt.rec"
	[ "$("$NIDS_BIN/nids-threshold" --percentile 50 -m "$tmp/k.bin" "$tmp/k.scored")" = 2 ]
	[ "$("$NIDS_BIN/nids-threshold" --percentile 100 -m "$tmp/k.bin" "$tmp/k.scored")" = 2 ]
	run score --info -m "$tmp/k.bin"
	[[ "$output" == *$'\nthreshold=2 high score\n'* ]]
	# scores without the record (through text): stored, with a warning; -q silences it
	ncat "$tmp/i.scored" | ncat -r > "$tmp/text.scored"
	run -0 --separate-stderr "$NIDS_BIN/nids-threshold" --percentile 50 -m "$tmp/i.bin" "$tmp/text.scored"
	[ "$stderr" = "nids-threshold: warning: $tmp/text.scored does not say which model scored it (nids-score records it): -m $tmp/i.bin is taken on trust" ]
	run -0 --separate-stderr "$NIDS_BIN/nids-threshold" -q --percentile 50 -m "$tmp/i.bin" "$tmp/text.scored"
	[ -z "$stderr" ]
	# nids-fit does not take the record into a model's preprocessing
	fit -q -t kmeans --k 1 -o "$tmp/k2.bin" "$tmp/k.scored"
	run score --info -m "$tmp/k2.bin"
	[[ "$output" != *nids.score* ]]
}

@test "detector: a stored threshold between two float32 scores is compared in float32, as nids-threshold does" {
	# one centroid at 1: the scores are |x - 1|, 1 and the next float32 but one,
	# 1 + 2^-22; the 10th percentile, 1 + 2^-22 / 10 in double, is 1 in float32
	printf 'x\tlabel\n0\t0\n2\t0\n' | ncat -r >"$tmp/kt.rec"
	fit -q -t kmeans --k 1 -o "$tmp/k.bin" "$tmp/kt.rec"
	printf 'x\tlabel\n2\t0\n2.0000002384185791\t0\n' | ncat -r >"$tmp/ks.rec"
	[ "$(score -m "$tmp/k.bin" "$tmp/ks.rec" | "$NIDS_BIN/nids-threshold" --percentile 10 -m "$tmp/k.bin")" = 1.0000000238418578 ]
	# both rows are alarms to nids-score, nids-explain and nids-threshold
	[ "$(score -m "$tmp/k.bin" --alarms "$tmp/ks.rec" | ncat -H -c score | tr '\n' ' ')" = "1 1.0000002 " ]
	[ "$(score -m "$tmp/k.bin" "$tmp/ks.rec" | "$NIDS_BIN/nids-threshold" --value 1.0000000238418578 --alarms-only | ncat -H -c score | tr '\n' ' ')" = "1 1.0000002 " ]
	[ "$("$NIDS_BIN/nids-explain" -m "$tmp/k.bin" -t shap -b "$tmp/kt.rec" --alarms-only "$tmp/ks.rec" | ncat -H -c x | tr '\n' ' ')" = "2 2.0000002 " ]
}

# canon FIELDS...: the CSV's identifier fields as nids-cat prints them
canon_awk='
function iso(t,   d, f) {
	sub(" ", "T", t); d = t; f = ""
	if (index(t, ".")) { d = substr(t, 1, index(t, ".") - 1); f = substr(t, index(t, ".") + 1)
		while (length(f) < 6) f = f "0"; if (f == "000000") f = "" }
	return d (f == "" ? "" : "." f) "Z"
}
function proto(p) { return p == "TCP" ? 6 : p == "UDP" ? 17 : p == "ICMP" ? 1 : p == "GRE" ? 47 : p == "ESP" ? 50 : p }'

@test "detector: every time, address, port and protocol of the UGR'16 excerpt comes back exact through normalize, split, score and threshold" {
	need_shared "$ugr"
	feat -q "$shared_data/$ugr" > "$tmp/u.rec"
	"$NIDS_BIN/nids-split" -q --benign "$tmp/u.rec" | "$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" | fit -q -t kmeans --k 3 -o "$tmp/k.bin"
	"$NIDS_BIN/nids-normalize" -q -p "$tmp/n.bin" "$tmp/u.rec" | "$NIDS_BIN/nids-split" -q --fraction 1 |
		score -m "$tmp/k.bin" | "$NIDS_BIN/nids-threshold" --value 0 |
		ncat -H -c time,src_addr,sport,dst_addr,dport,proto,record > "$tmp/got"
	zstd -dcq "$shared_data/$ugr" | awk -F, -v OFS='\t' "$canon_awk"'
		NF > 1 { print iso($1), $3, $5, $4, $6, proto($7), ++n }' > "$tmp/want"
	[ "$(wc -l < "$tmp/want")" -eq 5000 ]
	cmp "$tmp/got" "$tmp/want"
}

@test "detector: every time, address, port and protocol of the CSE-CIC-IDS2018 sample comes back exact" {
	need_shared "$cic18"
	feat -q "$shared_data/$cic18" > "$tmp/c.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" "$tmp/c.rec" | "$NIDS_BIN/nids-split" -q --attacks |
		fit -q -t kmeans --k 3 -o "$tmp/k.bin"
	score -m "$tmp/k.bin" "$tmp/c.rec" | "$NIDS_BIN/nids-split" -q --fraction 1 |
		"$NIDS_BIN/nids-threshold" --value 0 | ncat -H -c id,time,src_addr,sport,dst_addr,dport,proto,record > "$tmp/got"
	zstd -dcq "$shared_data/$cic18" | awk -F, -v OFS='\t' "$canon_awk"'
		NR > 1 { print $1, iso($8), $3, $4, $5, $6, $7, NR - 1 }' > "$tmp/want"
	[ "$(wc -l < "$tmp/want")" -eq 5000 ]
	cmp "$tmp/got" "$tmp/want"
}
