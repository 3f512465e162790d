#!/bin/bash
# ssh-hosts.sh BIN [N]: GNU parallel spreads featurize | score over N (2) ssh "hosts",
# each a network namespace with its own sshd on its own veth address, all started here
# and torn down by PID on every exit path. The merged output and nids-roc's JSON must be
# byte-identical to one local process's. Exit 0 ok, 1 failure, 77 cannot run here
# (not root, no namespaces, packages missing), with the reason on stdout.
set -u
BIN=$1
NHOSTS=${2:-2}
. "$(dirname "$0")/hosts.bash"
command -v parallel >/dev/null || skip "parallel not installed (apt-get install parallel)"
hosts_up "$NHOSTS"

# a stream as text without its record column, which counts each featurize input's rows
rows() {
	local cols
	cols=$("$BIN/nids-cat" -n 0 "$1" | tr '\t' '\n' | grep -vx record | paste -sd, -)
	"$BIN/nids-cat" -c "$cols" "$1"
}

# ---- a day of flows with a header line, a model, one local process
awk 'BEGIN { srand(5); print "duration,bytes,packets,rate,label"
	for (i = 0; i < 40000; i++) { a = rand() < 0.2
		printf "%.3f,%d,%d,%.5f,%s\n", rand() * (a ? 90 : 10), int(rand() * 5000),
			int(rand() * 40) + a * 30, rand(), a ? "attack" : "normal" } }' > "$D/day.csv"
"$BIN/nids-featurize" -q -f csv "$D/day.csv" > "$D/day.rec" || fail featurize
"$BIN/nids-split" -q --benign "$D/day.rec" |
	"$BIN/nids-fit" -q -t ae --epochs 2 -o "$D/ae.bin" || fail fit
"$BIN/nids-score" -m "$D/ae.bin" "$D/day.rec" > "$D/local.rec" || fail score

# ---- the same over the hosts: 2 job slots each, 2 chunks per slot, in input order
export PARALLEL_HOME=$D/parallel-home
SL=$(printf '2/root@%s,' "${HOSTS[@]}")
P=(parallel --will-cite --ssh "$SSH" --sshlogin "${SL%,}" --pipepart -a "$D/day.csv"
	--header 1 --block -2 -k)
"${P[@]}" "$BIN/nids-featurize -q -f csv | $BIN/nids-score -m $D/ae.bin" \
	> "$D/remote.rec" 2>"$D/parallel.log" || fail "parallel over ssh"
# every chunk ran inside a namespace: its veth end is visible there
"${P[@]}" "cat >/dev/null; grep -c ${TAG}n /proc/self/net/dev" > "$D/where" 2>>"$D/parallel.log" ||
	fail "parallel where"
nchunks=$(wc -l < "$D/where")
[ "$(grep -c '^1$' "$D/where")" = "$nchunks" ] && [ "$nchunks" -ge "$NHOSTS" ] ||
	fail "not every chunk ran in a namespace: $(tr '\n' ' ' < "$D/where")"

rows "$D/local.rec" > "$D/local.tsv"
rows "$D/remote.rec" > "$D/remote.tsv"
cmp -s "$D/local.tsv" "$D/remote.tsv" || fail "scores over ssh differ from one process's"
"$BIN/nids-roc" --json < "$D/local.rec" > "$D/local.json"
"$BIN/nids-roc" --json < "$D/remote.rec" > "$D/remote.json"
cmp -s "$D/local.json" "$D/remote.json" || fail "nids-roc JSON differs"
echo "ok: $nchunks chunks on $NHOSTS hosts, $(($(wc -l < "$D/remote.tsv") - 1)) rows identical"
