#!/bin/bash
# slurm.sh BIN: a single-host Slurm cluster (munged, slurmctld, slurmd on localhost,
# private key, socket, ports and state under a temp dir) runs examples/slurm_array.sh
# as a 4-task array job over 4 files, then its merge; the merged scores and nids-roc
# JSON must be byte-identical to one local process on the 4 files in order. Everything
# started here is stopped by PID on every exit path. Exit 0 ok, 1 failure, 77 cannot
# run here (not root, packages missing), with the reason on stdout.
set -u
BIN=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "$*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (slurmd)"
for c in slurmctld slurmd sbatch sinfo munged mungekey munge unmunge ss; do
	command -v "$c" >/dev/null || skip "$c not installed (apt-get install slurm-wlm munge)"
done

D=$(mktemp -d /tmp/nids-slurm.XXXXXX)
chmod 755 "$D" # munged wants its socket dir o+x
mkdir -p "$D"/{munge,state,spool,log,run,out,data}
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# slurmstepd and job processes a killed slurmd leaves behind carry our SLURM_CONF
	for e in /proc/[0-9]*/environ; do
		{ tr '\0' '\n' < "$e"; } 2>/dev/null | grep -qxF "SLURM_CONF=$D/slurm.conf" || continue
		p=${e#/proc/} p=${p%/environ}
		[ "$p" = $$ ] || kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$D"
	exit $rc
}
trap cleanup EXIT
trap 'exit 143' INT TERM
# a stream as text without its record column, which counts each featurize input's rows
rows() {
	local cols
	cols=$("$BIN/nids-cat" -n 0 "$1" | tr '\t' '\n' | grep -vx record | paste -sd, -)
	"$BIN/nids-cat" -c "$cols" "$1"
}
fail() {
	echo "FAIL: $*"
	for f in "$D"/log/* "$D"/out/slurm-*; do [ -s "$f" ] && { echo "== $f"; tail -5 "$f"; }; done
	exit 1
}

# two free ports
free() { ! ss -Hltn "( sport = :$1 )" | grep -q .; }
CTLD_PORT= SLURMD_PORT=
for p in $(seq $((20000 + ($$ % 500) * 2)) 2 21998); do
	free "$p" && free $((p + 1)) && { CTLD_PORT=$p SLURMD_PORT=$((p + 1)); break; }
done
[ -n "$CTLD_PORT" ] || skip "no free ports"

SOCK=$D/munge/munge.socket
mungekey --create --keyfile="$D/munge/munge.key" --bits=1024 >/dev/null 2>&1 || fail mungekey
munged --foreground --force --socket="$SOCK" --key-file="$D/munge/munge.key" \
	--pid-file="$D/munge/munged.pid" --seed-file="$D/munge/munged.seed" \
	--log-file="$D/log/munged.log" >"$D/log/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null 2>&1 || fail "munge round trip"

CONF=$D/slurm.conf
cat > "$CONF" <<CONFEOF
ClusterName=nids
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
MinJobAge=4
SchedulerParameters=batch_sched_delay=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONFEOF
# naming the cgroup plugin skips slurmd's autodetection, which fails without systemd
echo "CgroupPlugin=cgroup/v1" > "$D/cgroup.conf"
export SLURM_CONF=$CONF
slurmctld -D -c -f "$CONF" >"$D/log/slurmctld.out" 2>&1 &
CTLD=$!
PIDS+=($CTLD)
slurmd -D -N localhost -f "$CONF" >"$D/log/slurmd.out" 2>&1 &
SLURMD=$!
PIDS+=($SLURMD)
state=
for _ in $(seq 300); do
	state=$(sinfo -h -N -n localhost -o %T 2>/dev/null)
	[ "$state" = idle ] && break
	kill -0 $CTLD 2>/dev/null || fail "slurmctld exited"
	kill -0 $SLURMD 2>/dev/null || fail "slurmd exited"
	sleep 0.1
done
[ "$state" = idle ] || fail "node not idle ('$state')"

# ---- 4 files of NSL-KDD flows, a model, one local process over all of them in order
zstd -dcq "$TOP/examples/data/KDDTest+.txt.zst" | head -n 6000 > "$D/data/all.csv"
split -n l/4 -a 1 -d "$D/data/all.csv" "$D/data/day"
files=("$D"/data/day?)
"$BIN/nids-featurize" -q -f nslkdd "$TOP/examples/data/KDDTrain+_20Percent.txt.zst" |
	"$BIN/nids-split" -q --benign | "$BIN/nids-normalize" -q --fit "$D/norm.bin" |
	"$BIN/nids-fit" -q -t ae --epochs 2 --max-rows 3000 -o "$D/ae.bin" || fail fit
cat "${files[@]}" | "$BIN/nids-featurize" -q -f nslkdd |
	"$BIN/nids-normalize" -q -p "$D/norm.bin" | "$BIN/nids-score" -m "$D/ae.bin" \
	> "$D/local.rec" || fail "local run"

# ---- the array job, then the merge (in the background + wait: signals reach the trap)
export NIDS_BIN=$BIN NIDS_FORMAT=nslkdd NIDS_NORM=$D/norm.bin
sbatch --wait --array=0-$((${#files[@]} - 1)) -n1 -t 5 --export=ALL -D "$D" \
	-o "$D/out/slurm-%A_%a.out" "$TOP/examples/slurm_array.sh" "$D/ae.bin" "$D/out" \
	"${files[@]}" >"$D/log/sbatch.out" 2>&1 &
SB=$!
PIDS=($SB "${PIDS[@]}")
wait $SB || fail "array job failed"
PIDS=("${PIDS[@]:1}")
sbatch --wait -n1 -t 5 --export=ALL -D "$D" -o "$D/out/slurm-merge.out" \
	"$TOP/examples/slurm_array.sh" --merge "$D/out" >"$D/log/sbatch-merge.out" 2>&1 &
SB=$!
PIDS=($SB "${PIDS[@]}")
wait $SB || fail "merge job failed"
PIDS=("${PIDS[@]:1}")

rows "$D/local.rec" > "$D/local.tsv"
rows "$D/out/scored.rec" > "$D/merged.tsv"
cmp -s "$D/local.tsv" "$D/merged.tsv" || fail "merged scores differ from one process's"
"$BIN/nids-roc" --json < "$D/local.rec" > "$D/local.json"
cmp -s "$D/local.json" "$D/out/roc.json" || fail "merged nids-roc JSON differs"
echo "ok: ${#files[@]} array tasks, $(($(wc -l < "$D/merged.tsv") - 1)) rows identical"
