#!/bin/sh
# The nightly job: a saved detector scores a day's flows and writes the alarms, with
# each flow's exact time, addresses, ports, protocol, record number and score, as JSON
# lines (for a SIEM) and TSV (for people), atomically; its exit status says whether
# anything alarmed. For cron:
#
#   15 2 * * *  examples/nightly.sh /data/flows/$(date -d yesterday +\%F).csv.gz \
#                   /etc/nids/detector.bin /var/lib/nids/alarms || mail-the-alarms
#
# usage: nightly.sh [DAY.csv[.zst|.gz] [DETECTOR [OUTDIR]]]   (OUTDIR: default ./nightly)
# Without arguments it runs on the UGR'16 excerpt that ships in examples/data (5,000
# flows of 27 July 2016), and, when DETECTOR does not exist yet, first makes one from
# that day's benign flows (an autoencoder that carries its normalization and a
# threshold flagging 1% of them), saying so.
#
# Exit status: 0 alarms were written, 3 no flow alarmed (empty alarm files are still
# written), 1 an error (nothing is left half-written). Programs come from PATH.
set -u
here=$(cd "$(dirname "$0")" && pwd)
day=${1:-$here/data/ugr16-july-week5-first5k.csv.zst}
out=${3:-${OUT:-nightly}}
detector=${2:-$out/detector.bin}
mkdir -p "$out" || exit 1
tmp=$(mktemp -d "$out/.nightly.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -e "$detector" ]; then
	echo "nightly: no detector at $detector; making one from $day's benign flows" >&2
	nids-featurize -q "$day" | nids-split -q --benign |
		nids-normalize -q --fit "$tmp/norm.bin" -o "$tmp/benign.rec" &&
		nids-fit -q -t ae --epochs 10 --seed 1 -o "$tmp/detector.bin" "$tmp/benign.rec" &&
		nids-featurize -q "$day" | nids-split -q --benign |
		nids-score -m "$tmp/detector.bin" |
		nids-threshold --rate 0.01 -m "$tmp/detector.bin" > /dev/null &&
		mv "$tmp/detector.bin" "$detector" || exit 1
fi

name=$(basename "$day")
name=${name%.gz}
name=${name%.zst}
name=${name%.csv}
nids-featurize -q "$day" | nids-score -m "$detector" --alarms -e -o "$tmp/alarms.rec"
status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit 1
cols=time,src_addr,sport,dst_addr,dport,proto,record,score
nids-cat --json -c "$cols" -o "$tmp/alarms.jsonl" "$tmp/alarms.rec" &&
	nids-cat -c "$cols" -o "$tmp/alarms.tsv" "$tmp/alarms.rec" &&
	mv "$tmp/alarms.jsonl" "$out/$name.alarms.jsonl" &&
	mv "$tmp/alarms.tsv" "$out/$name.alarms.tsv" || exit 1
n=$(($(wc -l < "$out/$name.alarms.tsv") - 1))
echo "nightly: $day: $n alarms in $out/$name.alarms.jsonl and .tsv" >&2
exit "$status"
