#!/bin/bash
# bench/scale.sh: featurize | score throughput on one core, on two cores (GNU parallel
# --pipepart) and on two ssh "hosts" (network namespaces on this machine, GNU parallel
# --sshlogin), end to end on kddcup.data_10_percent repeated MULT times, with the peak
# RSS of every nids process. Runs are interleaved, REPS rounds; the best round counts.
# Needs root for the hosts (else that row is left out), parallel, GNU time.
#   MULT (20: 9.9 million rows; 203 gives 10^8)  REPS (3)  DATA (../shared/data)
# Programs from build/bin. Writes its table to stdout; results in bench/scale.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$top/build/bin
DATA=${DATA:-$top/../shared/data}
MULT=${MULT:-20}
REPS=${REPS:-3}
. "$top/tests/scale/hosts.bash"
command -v parallel >/dev/null || { echo "needs GNU parallel"; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
have_hosts=1
( [ "$(id -u)" -eq 0 ] && command -v /usr/sbin/sshd >/dev/null ) || have_hosts=0
if [ $have_hosts = 1 ]; then
	hosts_up 2
else
	D=$(mktemp -d /tmp/nids-scale.XXXXXX)
	trap 'rm -rf "$D"' EXIT
fi
export PARALLEL_HOME=$D/parallel-home

echo "# bench/scale.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(uname -r)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the input and a detector (the model carries its normalization)
zstd -dcq "$DATA/kddcup.data_10_percent.zst" > "$D/10pct.csv"
for _ in $(seq "$MULT"); do cat "$D/10pct.csv"; done > "$D/day.csv"
rows=$(wc -l < "$D/day.csv")
"$BIN/nids-featurize" -q -f kdd99 "$D/10pct.csv" | "$BIN/nids-split" -q --benign |
	"$BIN/nids-normalize" -q --fit "$D/norm.bin" |
	"$BIN/nids-fit" -q -t ae --epochs 2 --max-rows 100000 -o "$D/ae.bin"
echo "# input: kddcup.data_10_percent x $MULT = $rows rows, $(($(stat -c %s "$D/day.csv") / 1000000)) MB of CSV; model: ae"

# ---- merged equals one process (on the 10% file)
one() { "$BIN/nids-featurize" -q -f kdd99 "$1" | "$BIN/nids-score" -m "$D/ae.bin"; }
one "$D/10pct.csv" | "$BIN/nids-roc" --json > "$D/one.json"
parallel --will-cite -j 2 --pipepart -a "$D/10pct.csv" --block -4 -k \
	"$BIN/nids-featurize -q -f kdd99 | $BIN/nids-score -m $D/ae.bin" |
	"$BIN/nids-roc" --json > "$D/two.json"
cmp -s "$D/one.json" "$D/two.json" && echo "# nids-roc JSON, 2-way merged vs one process: identical" ||
	echo "# nids-roc JSON, 2-way merged vs one process: DIFFERENT"

# each job's processes record their peak RSS (KB) and CPU seconds in $D/rss/
mkdir -p "$D/rss"
JOB="/usr/bin/time -f '%M %U %S' -o $D/rss/feat.{#} $BIN/nids-featurize -q -f kdd99 | /usr/bin/time -f '%M %U %S' -o $D/rss/score.{#} $BIN/nids-score -m $D/ae.bin > /dev/null"
run_one() {
	taskset -c 0 sh -c "/usr/bin/time -f '%M %U %S' -o $D/rss/feat.1 $BIN/nids-featurize -q -f kdd99 $D/day.csv | /usr/bin/time -f '%M %U %S' -o $D/rss/score.1 $BIN/nids-score -m $D/ae.bin > /dev/null"
}
run_cores() {
	parallel --will-cite -j 2 --pipepart -a "$D/day.csv" --block -4 "$JOB"
}
run_hosts() {
	local sl
	sl=$(printf '1/root@%s,' "${HOSTS[@]}")
	parallel --will-cite --ssh "$SSH" --sshlogin "${sl%,}" --pipepart -a "$D/day.csv" \
		--block -4 "$JOB"
}
declare -A best rss cpu
modes="one cores"
[ $have_hosts = 1 ] && modes="$modes hosts"
for r in $(seq "$REPS"); do
	for m in $modes; do
		rm -f "$D"/rss/*
		t0=$(date +%s.%N)
		"run_$m"
		t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
		echo "# round $r, $m: $t s (load $(cut -d' ' -f1 /proc/loadavg))"
		if [ -z "${best[$m]:-}" ] || awk -v a="$t" -v b="${best[$m]}" 'BEGIN { exit !(a < b) }'; then
			best[$m]=$t
		fi
		k=$(cat "$D"/rss/* | awk '{ print $1 }' | sort -n | tail -1)
		[ "${rss[$m]:-0}" -ge "$k" ] || rss[$m]=$k
		c=$(cat "$D"/rss/* | awk '{ s += $2 + $3 } END { printf "%.2f", s }')
		if [ -z "${cpu[$m]:-}" ] || awk -v a="$c" -v b="${cpu[$m]}" 'BEGIN { exit !(a < b) }'; then
			cpu[$m]=$c
		fi
	done
done
echo
echo "| run | processes | best of $REPS, s | rows/s | vs one core | CPU s (nids processes) | peak RSS per process |"
echo "|---|---|---|---|---|---|---|"
for m in $modes; do
	case $m in
	one) what="one core (taskset -c 0)"; procs="featurize + score" ;;
	cores) what="2 cores, parallel -j 2 --pipepart"; procs="2 x (featurize + score)" ;;
	hosts) what="2 namespaced ssh hosts, 1 slot each"; procs="2 x (featurize + score)" ;;
	esac
	awk -v w="$what" -v p="$procs" -v t="${best[$m]}" -v t1="${best[one]}" -v n="$rows" \
		-v k="${rss[$m]}" -v c="${cpu[$m]}" 'BEGIN {
		printf "| %s | %s | %.2f | %.0f | %.2fx | %.2f | %.1f MB |\n", w, p, t, n / t, t1 / t, c, k / 1024 }'
done
echo
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
