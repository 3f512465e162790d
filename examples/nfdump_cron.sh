#!/bin/sh
# The nightly job over a collector's files: yesterday's nfcapd files (written by nfcapd
# from a NetFlow/IPFIX exporter, or by nfpcapd from packets) go through nfdump and a
# saved detector, and the alarms are written as JSON lines and TSV, atomically; the
# exit status says whether anything alarmed. For cron:
#
#   20 2 * * *  examples/nfdump_cron.sh /var/cache/nfdump/$(date -d yesterday +\%Y/\%m/\%d) \
#                   /etc/nids/detector.bin /var/lib/nids/alarms || mail-the-alarms
#
# usage: nfdump_cron.sh NFCAPD_DIR DETECTOR [OUTDIR]      (OUTDIR: default ./alarms)
# With WINDOW=SECONDS the flows are first aggregated per source and window
# (nids-window: scans and floods show per source, not per flow), with WINDOW_OPTS
# passed on (e.g. "--min-flows 5"); the detector must have been trained on windows
# made the same way, or nids-score refuses it, saying what differs.
#
# Exit status: 0 alarms were written, 3 no flow alarmed (empty alarm files are still
# written), 1 an error (nothing is left half-written). Needs nfdump (Debian: nfdump);
# the nids programs come from PATH.
set -u
[ $# -ge 2 ] || { echo "usage: nfdump_cron.sh NFCAPD_DIR DETECTOR [OUTDIR]" >&2; exit 2; }
dir=$1
detector=$2
out=${3:-alarms}
command -v nfdump >/dev/null || { echo "nfdump_cron: nfdump is not installed" >&2; exit 1; }
mkdir -p "$out" || exit 1
tmp=$(mktemp -d "$out/.nfdump_cron.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
name=$(basename "$dir")

nfdump -R "$dir" -O tstart -o csv > "$tmp/flows.csv" || exit 1
if [ -n "${WINDOW:-}" ]; then
	# shellcheck disable=SC2086
	nids-featurize -q -f nfdump "$tmp/flows.csv" |
		nids-window -q --window "$WINDOW" ${WINDOW_OPTS:-} |
		nids-score -m "$detector" --alarms -e -o "$tmp/alarms.rec"
	status=$?
	cols=time,src_addr,score
else
	nids-featurize -q -f nfdump "$tmp/flows.csv" |
		nids-score -m "$detector" --alarms -e -o "$tmp/alarms.rec"
	status=$?
	cols=time,src_addr,sport,dst_addr,dport,proto,record,score
fi
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit 1
nids-cat --json -c "$cols" -o "$tmp/alarms.jsonl" "$tmp/alarms.rec" &&
	nids-cat -c "$cols" -o "$tmp/alarms.tsv" "$tmp/alarms.rec" &&
	mv "$tmp/alarms.jsonl" "$out/$name.alarms.jsonl" &&
	mv "$tmp/alarms.tsv" "$out/$name.alarms.tsv" || exit 1
n=$(($(wc -l < "$out/$name.alarms.tsv") - 1))
echo "nfdump_cron: $dir: $n alarms in $out/$name.alarms.jsonl and .tsv" >&2
exit "$status"
