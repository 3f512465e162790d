#!/bin/bash
# bench/csvin.sh: CSV reading (lib/csvin.c) of two builds side by side, through
# nids-featurize on three kinds of text: 10^6 SYNTHETIC UGR'16 flows (bench/gen_ugr16.c),
# the CIC-IDS2017 improved sample given ten times as ten inputs (91 fields a line), and
# KDD Cup 99's 10% file (42 fields); and through nids-window -f ugr16 (featurize and
# GEE's windows in one process) on the same flows. Runs of the two builds are interleaved and pinned
# to CPU 0; each figure is the least user and the least system CPU seconds of N runs
# (each taken separately), since the machine is shared. Outputs of the two builds are
# compared byte for byte first.
#
#   bash bench/csvin.sh OLD_BIN NEW_BIN [N] [DATA]
#
# OLD_BIN, NEW_BIN: directories with nids-featurize and nids-window (e.g. a worktree of the older
# commit, built, and build/bin). N: runs per figure (default 5). DATA: ../shared/data.
set -euo pipefail
old=$1 new=$2 runs=${3:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
data=${4:-${DATA:-$top/../shared/data}}
w=$(mktemp -d "${TMPDIR:-/tmp}/bench_csvin.XXXXXX")
trap 'rm -rf "$w"' EXIT
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
echo "# $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); best of $runs"

cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$w/gen" "$top/bench/gen_ugr16.c" -lm
"$w/gen" -n 1000000 -s 1 >"$w/ugr.csv"
zstd -dcq --long=31 "$data/cicids2017_improved_sample.csv.zst" >"$w/cic.csv"
zstd -dcq --long=31 "$data/kddcup.data_10_percent.zst" >"$w/kdd.csv"
cic10=()
for _ in 1 2 3 4 5 6 7 8 9 10; do cic10+=("$w/cic.csv"); done

# row LABEL PROGRAM ARGS...: both builds' outputs compared, then their runs interleaved
row() {
	local label=$1 prog=$2; shift 2
	"$old/$prog" -q "$@" >"$w/a.rec"
	"$new/$prog" -q "$@" >"$w/b.rec"
	cmp -s "$w/a.rec" "$w/b.rec" || { echo "$label: outputs DIFFER"; return; }
	: >"$w/old.t"; : >"$w/new.t"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%U %S' -a -o "$w/old.t" $pin "$old/$prog" -q "$@" >/dev/null
		/usr/bin/time -f '%U %S' -a -o "$w/new.t" $pin "$new/$prog" -q "$@" >/dev/null
	done
	paste "$w/old.t" "$w/new.t" | awk -v l="$label" -v n="$(wc -c <"$w/b.rec")" '
		NR == 1 { ou = $1; os = $2; nu = $3; ns = $4 }
		{ ou = $1 < ou ? $1 : ou; os = $2 < os ? $2 : os; nu = $3 < nu ? $3 : nu; ns = $4 < ns ? $4 : ns }
		END { printf "%-28s old user %5.2f sys %5.2f  new user %5.2f sys %5.2f  user %.2fx  (outputs identical)\n",
		             l, ou, os, nu, ns, ou / nu }'
}

row "ugr16, 10^6 synthetic flows" nids-featurize -f ugr16 "$w/ugr.csv"
row "cic, improved sample x10" nids-featurize -f cic "${cic10[@]}"
row "kdd99, 10% file" nids-featurize -f kdd99 "$w/kdd.csv"
if "$old/nids-window" --help | grep -q -- --format; then # (builds from before -f have no row)
	row "window -f ugr16, 10^6 flows" nids-window -f ugr16 "$w/ugr.csv"
fi
echo "# load after $(cut -d' ' -f1-3 /proc/loadavg)"
