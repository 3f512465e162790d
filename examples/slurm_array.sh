#!/bin/bash
#SBATCH --job-name=nids-score
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
# slurm_array.sh: score many flow files on a Slurm cluster, one file per array task,
# then merge the scored parts into one stream and its metrics.
#
#   files=(day1.csv.zst day2.csv.zst day3.csv.zst)
#   job=$(sbatch --parsable --array=0-$((${#files[@]} - 1)) \
#           examples/slurm_array.sh MODEL OUTDIR "${files[@]}")
#   sbatch --dependency=afterok:$job examples/slurm_array.sh --merge OUTDIR
#
# Task i featurizes file number i (NIDS_FORMAT, default: detected), normalizes it with
# the parameter file NIDS_NORM when that is set, scores it with
# MODEL (NIDS_THREADS threads, default 1) and writes OUTDIR/part.i.rec atomically. The
# merge concatenates the parts in task order into OUTDIR/scored.rec and writes
# nids-roc's JSON to OUTDIR/roc.json: exactly what one process gives on all the files
# in that order. Programs come from NIDS_BIN, else PATH; every path must be visible to
# every node (a shared file system), or copy the model to each node first.
set -eu
bin=${NIDS_BIN:+$NIDS_BIN/}
if [ "${1:-}" = --merge ]; then
	out=$2
	n=$(find "$out" -maxdepth 1 -name 'part.*.rec' | wc -l)
	[ "$n" -gt 0 ] || { echo "slurm_array.sh: no part.*.rec in $out" >&2; exit 1; }
	parts=()
	for i in $(seq 0 $((n - 1))); do
		[ -e "$out/part.$i.rec" ] || { echo "slurm_array.sh: $out/part.$i.rec missing" >&2; exit 1; }
		parts+=("$out/part.$i.rec")
	done
	cat "${parts[@]}" > "$out/scored.rec.tmp" && mv "$out/scored.rec.tmp" "$out/scored.rec"
	"${bin}nids-roc" --json < "$out/scored.rec" > "$out/roc.json.tmp"
	mv "$out/roc.json.tmp" "$out/roc.json"
	exit 0
fi
[ $# -ge 3 ] || { echo "usage: sbatch --array=0-N slurm_array.sh model outdir file..." >&2; exit 2; }
model=$1 out=$2
shift 2
i=${SLURM_ARRAY_TASK_ID:?not an array task (sbatch --array=0-N)}
[ "$i" -lt $# ] || { echo "slurm_array.sh: task $i but only $# files" >&2; exit 2; }
files=("$@")
mkdir -p "$out"
norm() { if [ -n "${NIDS_NORM:-}" ]; then "${bin}nids-normalize" -q -p "$NIDS_NORM"; else cat; fi; }
"${bin}nids-featurize" -q ${NIDS_FORMAT:+-f "$NIDS_FORMAT"} "${files[$i]}" | norm |
	"${bin}nids-score" -m "$model" -j "${NIDS_THREADS:-1}" -o "$out/part.$i.rec"
