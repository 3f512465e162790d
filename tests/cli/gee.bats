#!/usr/bin/env bats
# GEE (Nguyen et al. 2019) pieces around nids-window: the fixed min-max parameters and
# the synthetic UGR'16-format generator.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-o "$BATS_FILE_TMPDIR/gen_ugr16" "$NIDS_TOP/bench/gen_ugr16.c" -lm
}

setup() {
	P="$NIDS_TOP/examples/data/gee-minmax.params"
	GEN="$BATS_FILE_TMPDIR/gen_ugr16"
	D="$BATS_TEST_TMPDIR"
}

@test "the shipped GEE params file is what scripts/gee_minmax_params.py writes" {
	[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
	/usr/bin/python3 "$NIDS_TOP/scripts/gee_minmax_params.py" >"$D/p"
	cmp "$D/p" "$P"
}

@test "GEE's fixed scaling: (x - min) / (max - min), clipped to [0, 1] with --clamp" {
	local hdr=$'time:timestamp\tsrc_addr:addr\tsport:port\tdst_addr:addr\tdport:port\tproto:proto\tduration\tpackets\tbytes\tlabel\tclass'
	{
		echo "$hdr"
		printf '1970-01-01T00:00:01Z\t10.0.0.1\t1000\t10.0.0.2\t80\t6\t2\t4\t400\t0\tnormal\n'
		printf '1970-01-01T00:00:02Z\t10.0.0.1\t1001\t10.0.0.3\t80\t6\t0\t1\t60\t0\tnormal\n'
		printf '1970-01-01T00:00:03Z\t10.0.0.1\t53\t10.0.0.2\t53\t17\t4000\t2\t20\t0\tnormal\n'
	} | "$NIDS_BIN/nids-cat" -r >"$D/f.rec"
	run -0 bash -c "'$NIDS_BIN/nids-window' -q --min-flows 1 '$D/f.rec' | '$NIDS_BIN/nids-normalize' -p '$P' --clamp | '$NIDS_BIN/nids-cat' -c mean_duration,mean_packets,mean_bytes,entropy_sport,dport_80,dport_other"
	# mean_duration 4002/3 = 1334 -> 1334/2042.86; mean_packets (7/3 - 1)/(109214.27.. - 1);
	# mean_bytes 160 -> (160 - 28)/(163795638.09.. - 28); log2 3 / 14.206..; 2/3; 0
	[[ "${lines[1]}" == $'0.6530061\t1.2208528e-05\t8.058824e-07\t0.111568145\t0.6666667\t0' ]]
	run -0 bash -c "'$NIDS_BIN/nids-window' -q --min-flows 1 '$D/f.rec' | '$NIDS_BIN/nids-normalize' -p '$P' | '$NIDS_BIN/nids-cat' -H -c sd_duration"
	# sd of 2, 0, 4000 is 2308.8... above GEE's max 562.76: 4.1 unclamped, 1 clamped
	[[ "$output" == 4.102661 ]]
	run -0 bash -c "'$NIDS_BIN/nids-window' -q --min-flows 1 '$D/f.rec' | '$NIDS_BIN/nids-normalize' -p '$P' --clamp | '$NIDS_BIN/nids-cat' -H -c sd_duration"
	[[ "$output" == 1 ]]
}

@test "the synthetic generator: seeded, labelled, time-ordered, read by nids-featurize" {
	"$GEN" -n 100000 -r 20 -H 300 -a 0.3 -s 5 >"$D/a.csv"
	"$GEN" -n 100000 -r 20 -H 300 -a 0.3 -s 5 >"$D/b.csv"
	cmp "$D/a.csv" "$D/b.csv"
	"$GEN" -n 100000 -r 20 -H 300 -a 0.3 -s 6 >"$D/c.csv"
	run -1 cmp -s "$D/a.csv" "$D/c.csv"
	cut -d, -f1 "$D/a.csv" | sort -c
	run -0 bash -c "cut -d, -f13 '$D/a.csv' | sort -u | tr '\n' ' '"
	[[ "$output" == "anomaly-spam background dos scan44 " ]]
	run -0 bash -c "'$NIDS_BIN/nids-featurize' -f ugr16 '$D/a.csv' | '$NIDS_BIN/nids-window' -q --mixed | '$NIDS_BIN/nids-cat' -c class | sort | uniq -c | awk '{print \$2}' | tr '\n' ' '"
	[[ "$output" == "anomaly-spam background class dos scan44 " || "$output" == "anomaly-spam background class dos mixed scan44 " ]]
	run -0 "$GEN" -n 0
	[ -z "$output" ]
	run -2 "$GEN" -r 0
}

# scores of three benign rows, two dos rows (one tied with a benign row) and one scan
scored() {
	printf 'score\tlabel\tclass\n0.1\t0\tbackground\n0.5\t0\tbackground\n0.2\t0\tbackground\n0.9\t1\tdos\n0.5\t1\tdos\n0.05\t1\tscan44\n' |
		"$NIDS_BIN/nids-cat" -r >"$1"
}

@test "nids-roc --vs-benign: each attack class against the benign rows alone, text and JSON" {
	scored "$D/s.rec"
	run -0 bash -c "'$NIDS_BIN/nids-roc' --vs-benign '$D/s.rec' | tail -3"
	# dos: 2.5 + 3 of 6 pairs won (the tie counts half); AP 1/2 + 1/2 * 2/3
	[[ "$output" == "class vs benign              rows      AUROC      AUPRC
dos                             2   0.916667   0.833333
scan44                          1   0.000000   0.250000" ]]
	run -0 bash -c "'$NIDS_BIN/nids-roc' --vs-benign --json '$D/s.rec' | tail -4"
	[[ "$output" == ' "vs_benign": [
  {"name": "dos", "rows": 2, "auroc": 0.9166666666666666, "auprc": 0.8333333333333333},
  {"name": "scan44", "rows": 1, "auroc": 0, "auprc": 0.25}
 ]}' ]]
	# without the flag the table and JSON are as before
	run -0 bash -c "'$NIDS_BIN/nids-roc' '$D/s.rec' | grep -c 'vs benign' || true"
	[[ "$output" == 0 ]]
}

@test "nids-roc --class: table, curve and plot of one class against the benign rows" {
	scored "$D/s.rec"
	run -0 bash -c "'$NIDS_BIN/nids-roc' --class dos '$D/s.rec' | sed -n '2,6p'"
	[[ "$output" == $'rows        5\nbenign      3\nattacks     2\nAUROC       0.916667\nAUPRC       0.833333' ]]
	run -0 "$NIDS_BIN/nids-roc" --class dos --curve roc "$D/s.rec"
	[[ "$output" == $'threshold\tfpr\ttpr\ninf\t0\t0\n0.8999999761581421\t0\t0.5\n0.5\t0.3333333333333333\t1\n0.20000000298023224\t0.6666666666666666\t1\n0.10000000149011612\t1\t1' ]]
	run -0 "$NIDS_BIN/nids-roc" --class scan44 --svg "$D/p.svg" -o "$D/t.txt" "$D/s.rec"
	grep -q '<svg' "$D/p.svg"
	grep -q '^AUROC       0.000000$' "$D/t.txt"
	run -2 --separate-stderr "$NIDS_BIN/nids-roc" --class nope "$D/s.rec"
	[[ "$stderr" == "nids-roc: $D/s.rec: unknown class 'nope' (the stream has: background, dos, scan44)" ]]
}

@test "examples/ugr16_gee.sh: synthetic flows to the one-vs-background table and plots" {
	command -v cc >/dev/null || skip "no C compiler for bench/gen_ugr16.c"
	run -0 --separate-stderr env PATH="$NIDS_BIN:$PATH" FLOWS=100000 EPOCHS=1 OUT="$D/syn" \
		sh "$NIDS_TOP/examples/ugr16_gee.sh"
	[[ "${lines[0]}" == "SYNTHETIC data: bench/gen_ugr16.c, not UGR'16" ]]
	[[ "${lines[1]}" == "GEE VAE, MSE score, each class against the background windows:" ]]
	[[ "${lines[2]}" == "class vs benign              rows      AUROC      AUPRC" ]]
	# the three attack classes, each with finite AUROC and AUPRC
	[ "${#lines[@]}" -eq 7 ]
	[[ "${lines[6]}" == "model, scores and plots in "* ]]
	for i in 3 4 5; do
		[[ "${lines[$i]}" =~ ^(scan44|dos|anomaly-spam)\ +[0-9]+\ +[01]\.[0-9]{6}\ +[01]\.[0-9]{6}$ ]]
	done
	[[ "$stderr" == *"nids-window: -: 100000 flows, 3459 rows from 12 windows;"* ]]
	# GEE's gradient fingerprints: every class, all 69 features, and the heatmap
	[[ "${lines[6]}" == "model, scores and plots in $D/syn" ]]
	run -0 bash -c "cut -f1 '$D/syn/fingerprint.tsv' | sort | uniq -c | sort -k2"
	[[ "$output" == *"69 anomaly-spam"*"69 background"*"1 class"*"69 dos"*"69 scan44" ]]
	grep -q '>scan44 (5)</text>' "$D/syn/fingerprint.svg"
	grep -q '>entropy_dst_addr</text>' "$D/syn/fingerprint.svg"
}

@test "examples/ugr16_gee.sh on the UGR'16 excerpt: 58 windows, scored without NaN" {
	local csv="$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst"
	[ -e "$csv" ] || skip "examples/data/ugr16-july-week5-first5k.csv.zst not present"
	run -0 --separate-stderr env PATH="$NIDS_BIN:$PATH" EPOCHS=2 \
		sh "$NIDS_TOP/examples/ugr16_gee.sh" "$csv" "$csv" "$D/out"
	[[ "$stderr" == "nids-window: -: 5000 flows, 58 rows from 1 window;"* ]]
	[[ "${lines[0]}" == "GEE VAE, MSE score, each class against the background windows:" ]]
	# one of the 58 windows is a blacklisted source's
	[[ "${lines[2]}" == "blacklist                       1 "* ]]
	[[ "${lines[3]}" == "model, scores and plots in $D/out" ]]
	[ -s "$D/out/roc-blacklist.svg" ]
	[ "$(grep -c '^background	' "$D/out/fingerprint.tsv")" -eq 69 ]
	grep -q '>blacklist (1)</text>' "$D/out/fingerprint.svg"
	run -0 bash -c "'$NIDS_BIN/nids-cat' -H -c score '$D/out/scored.rec' | grep -vc nan"
	[[ "$output" == 58 ]]
	# without a directory to keep them in, it says that nothing is kept
	run -0 --separate-stderr env PATH="$NIDS_BIN:$PATH" EPOCHS=1 sh "$NIDS_TOP/examples/ugr16_gee.sh" "$csv"
	[ "${lines[3]}" = "model, scores and plots not kept: give OUT=dir (or outdir) to keep them" ]
}

@test "nids-roc --density: a KDE panel per attack class; renders in headless Chromium" {
	scored "$D/s.rec"
	run -0 "$NIDS_BIN/nids-roc" -q --density "$D/d.svg" -o /dev/null "$D/s.rec"
	grep -q '>benign vs dos</text>' "$D/d.svg"
	grep -q '>benign vs scan44</text>' "$D/d.svg"
	# dos: 0.9 and 0.5, sd 0.2828, bandwidth sd * 2^(-1/5)
	grep -q '>dos (n=2, bw 0.246)</text>' "$D/d.svg"
	printf 'score\tlabel\tclass\n0.1\t0\tbackground\n' | "$NIDS_BIN/nids-cat" -r >"$D/b.rec"
	run -1 --separate-stderr "$NIDS_BIN/nids-roc" -q --density "$D/no.svg" "$D/b.rec"
	[[ "$stderr" == "nids-roc: $D/no.svg: density plots need benign rows and rows of an attack class" ]]
	[ ! -e "$D/no.svg" ]
	local chrome
	chrome=$(command -v chromium || command -v chromium-browser || true)
	[[ -n $chrome ]] || skip "chromium is not installed (apt-get install chromium)"
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --window-size=1060,800 \
		--screenshot="$D/d.png" "file://$D/d.svg" 2>/dev/null
	[[ $(head -c 8 "$D/d.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]
	# a blank page compresses to about 5 KB; two panels of filled curves and text to more
	[[ $(stat -c %s "$D/d.png") -gt 15000 ]]
	run -0 timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --dump-dom "file://$D/d.svg"
	[[ $output != *parsererror* && $output == *"benign vs dos"* ]]
}

@test "nids-fit --weight-decay is recorded; GEE's VAE flags train on the excerpt's windows" {
	local csv="$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst"
	[ -e "$csv" ] || skip "examples/data/ugr16-july-week5-first5k.csv.zst not present"
	"$NIDS_BIN/nids-featurize" -q -f ugr16 "$csv" | "$NIDS_BIN/nids-window" -q |
		"$NIDS_BIN/nids-normalize" -q -p "$P" --clamp |
		"$NIDS_BIN/nids-split" -q --class background >"$D/bg.rec"
	run -0 "$NIDS_BIN/nids-fit" -q -t vae --hidden 16 --latent 4 --decoder bernoulli -s bce \
		--epochs 1 --weight-decay 0.01 -o "$D/v.bin" "$D/bg.rec"
	run -0 bash -c "'$NIDS_BIN/nids-score' --info -m '$D/v.bin' | grep -E '^made.(rows|training)='"
	[[ "${lines[0]}" == "made.rows=57 training, 0 validation" ]]
	[[ "${lines[1]}" == "made.training=1 epochs of batch 256, adam lr 0.001 weight decay 0.01; loss "* ]]
	run -2 --separate-stderr "$NIDS_BIN/nids-fit" -t vae --weight-decay -1 "$D/bg.rec"
	[[ "${stderr_lines[0]}" == "nids-fit: option '--weight-decay': '-1' is not a number from 0 to 1e+06" ]]
	run -2 --separate-stderr "$NIDS_BIN/nids-fit" -q -t vae -s bce --epochs 1 -o "$D/g.bin" "$D/bg.rec"
	[[ "$stderr" == *"--score bce needs --decoder bernoulli (use nll for gauss)"* ]]
	[ ! -e "$D/g.bin" ]
}

@test "nids-window --progress draws a progress line on stderr" {
	local csv="$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst"
	[ -e "$csv" ] || skip "examples/data/ugr16-july-week5-first5k.csv.zst not present"
	"$NIDS_BIN/nids-featurize" -q -f ugr16 "$csv" >"$D/f.rec"
	run -0 --separate-stderr bash -c "'$NIDS_BIN/nids-window' --progress '$D/f.rec' >/dev/null"
	[[ "$stderr" == $'\r'"nids-window: "*" rows, "* ]]
}
