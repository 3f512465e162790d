#!/bin/bash
# ssh-hosts.sh BIN [N]: GNU parallel spreads featurize | score over N (2) ssh "hosts",
# each a network namespace with its own sshd on its own veth address, all started here
# and torn down by PID on every exit path. The merged output and nids-roc's JSON must be
# byte-identical to one local process's. Exit 0 ok, 1 failure, 77 cannot run here
# (not root, no namespaces, packages missing), with the reason on stdout.
set -u
BIN=$1
NHOSTS=${2:-2}
skip() { echo "$*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, sshd)"
for c in ip parallel ssh ssh-keygen /usr/sbin/sshd; do
	command -v "$c" >/dev/null || skip "$c not installed (apt-get install parallel openssh-server openssh-client iproute2)"
done

D=$(mktemp -d /tmp/nids-ssh.XXXXXX)
TAG=nx$$
NSS=() SSHD_PIDS=() MUX_PIDS=() MADE_RUNSSHD=0
teardown() {
	# clients first, so each sshd reaps its own sessions
	for p in "${MUX_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${MUX_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	MUX_PIDS=()
	for ns in "${NSS[@]}"; do
		for _ in $(seq 20); do
			[ "$(ip netns pids "$ns" 2>/dev/null | wc -l)" -le 1 ] && break
			sleep 0.05
		done
	done
	for p in "${SSHD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${SSHD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SSHD_PIDS=()
	for ns in "${NSS[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null # and with it both ends of its veth
	done
	NSS=()
	[ $MADE_RUNSSHD = 1 ] && rmdir /run/sshd 2>/dev/null
	MADE_RUNSSHD=0
}
cleanup() {
	local rc=$?
	teardown
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
	for f in "$D"/*.log; do [ -s "$f" ] && { echo "== $f"; tail -5 "$f"; }; done
	exit 1
}

# a free 10.x block for the veths: 10.N.i.0/30
NET=
for n in $(seq $((200 + $$ % 40)) 254) $(seq 200 254); do
	ip -4 -o addr show | grep -q " 10\.$n\." || { NET=10.$n; break; }
done
[ -n "$NET" ] || skip "no free 10.x.0.0/16 block for the test's veths"

ip netns add "$TAG-probe" 2>/dev/null || skip "cannot create network namespaces here"
NSS+=("$TAG-probe")
ip link add "${TAG}p" type veth peer name "${TAG}q" 2>/dev/null || skip "cannot create veth links here"
ip link del "${TAG}p"
if [ ! -d /run/sshd ]; then mkdir -m 0755 /run/sshd && MADE_RUNSSHD=1; fi

mkdir -p "$D/home"
ssh-keygen -q -t ed25519 -N '' -f "$D/client_key" -C nids-test || fail ssh-keygen
cp "$D/client_key.pub" "$D/authorized_keys"
chmod 600 "$D/authorized_keys"
HOSTS=()
for i in $(seq 1 "$NHOSTS"); do
	ns=$TAG-$i h=${TAG}h$i n=${TAG}n$i
	ip netns add "$ns" || fail "netns add $ns"
	NSS+=("$ns")
	ip link add "$h" type veth peer name "$n" || fail "veth $h"
	ip link set "$n" netns "$ns"
	ip addr add "$NET.$i.1/30" dev "$h"
	ip link set "$h" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$NET.$i.2/30" dev "$n"
	ip -n "$ns" link set "$n" up
	ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey$i"
	cat > "$D/sshd$i.conf" <<CONF
ListenAddress $NET.$i.2
Port 22
HostKey $D/hostkey$i
PidFile $D/sshd$i.pid
AuthorizedKeysFile $D/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
UseDNS no
MaxStartups 100:30:200
MaxSessions 100
SetEnv HOME=$D/home
CONF
	/usr/sbin/sshd -t -f "$D/sshd$i.conf" >"$D/sshd-t$i.log" 2>&1 || fail "sshd -t"
	# ip netns exec execs sshd: $! is sshd's own PID
	ip netns exec "$ns" /usr/sbin/sshd -D -f "$D/sshd$i.conf" -E "$D/sshd$i.log" &
	SSHD_PIDS+=($!)
	HOSTS+=("$NET.$i.2")
done

SSH="ssh -i $D/client_key -o KexAlgorithms=curve25519-sha256 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=5"
for hst in "${HOSTS[@]}"; do
	ok=0
	for _ in $(seq 100); do
		$SSH root@"$hst" true 2>/dev/null && { ok=1; break; }
		sleep 0.1
	done
	[ $ok = 1 ] || fail "ssh to $hst"
	# one master connection per host, a plain child: jobs ride on it
	$SSH -M -N -o ControlPath="$D/cm-$hst" root@"$hst" &
	MUX_PIDS+=($!)
done
for hst in "${HOSTS[@]}"; do
	for _ in $(seq 50); do [ -S "$D/cm-$hst" ] && break; sleep 0.1; done
	[ -S "$D/cm-$hst" ] || fail "control master for $hst"
done
SSH="$SSH -o ControlMaster=no -o ControlPath=$D/cm-%h"

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
