# hosts.bash: N ssh "hosts" on this machine, for tests and benchmarks. Each host is a
# network namespace with its own sshd on its own veth address (10.x.i.2), a key pair
# made here, one ssh control master per host. Source it, then call hosts_up N: it sets
# D (a temp dir), HOSTS (the addresses) and SSH (the ssh command line for parallel's
# --ssh), and traps EXIT to stop everything it started, by PID, and remove D (INT and
# TERM exit through that trap). Needs root, iproute2, openssh-server and -client; exits
# 77 with the reason on stdout when this machine cannot run it.

skip() { echo "$*"; exit 77; }
fail() {
	echo "FAIL: $*"
	for f in "$D"/*.log; do [ -s "$f" ] && { echo "== $f"; tail -5 "$f"; }; done
	exit 1
}

D= TAG=nx$$ NSS=() SSHD_PIDS=() MUX_PIDS=() MADE_RUNSSHD=0

hosts_down() {
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

hosts_cleanup() {
	local rc=$?
	hosts_down
	[ -n "$D" ] && rm -rf "$D"
	exit $rc
}

hosts_up() {
	local n=$1 i ns h v hst ok net=
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, sshd)"
	for c in ip ssh ssh-keygen /usr/sbin/sshd; do
		command -v "$c" >/dev/null ||
			skip "$c not installed (apt-get install openssh-server openssh-client iproute2)"
	done
	D=$(mktemp -d /tmp/nids-ssh.XXXXXX)
	trap hosts_cleanup EXIT
	trap 'exit 143' INT TERM
	# a free 10.x block for the veths: 10.x.i.0/30
	for i in $(seq $((200 + $$ % 40)) 254) $(seq 200 254); do
		ip -4 -o addr show | grep -q " 10\.$i\." || { net=10.$i; break; }
	done
	[ -n "$net" ] || skip "no free 10.x.0.0/16 block for the veths"
	ip netns add "$TAG-probe" 2>/dev/null || skip "cannot create network namespaces here"
	NSS+=("$TAG-probe")
	ip link add "${TAG}p" type veth peer name "${TAG}q" 2>/dev/null ||
		skip "cannot create veth links here"
	ip link del "${TAG}p"
	if [ ! -d /run/sshd ]; then mkdir -m 0755 /run/sshd && MADE_RUNSSHD=1; fi

	mkdir -p "$D/home"
	ssh-keygen -q -t ed25519 -N '' -f "$D/client_key" -C nids-test || fail ssh-keygen
	cp "$D/client_key.pub" "$D/authorized_keys"
	chmod 600 "$D/authorized_keys"
	HOSTS=()
	for i in $(seq 1 "$n"); do
		ns=$TAG-$i h=${TAG}h$i v=${TAG}n$i
		ip netns add "$ns" || fail "netns add $ns"
		NSS+=("$ns")
		ip link add "$h" type veth peer name "$v" || fail "veth $h"
		ip link set "$v" netns "$ns"
		ip addr add "$net.$i.1/30" dev "$h"
		ip link set "$h" up
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$net.$i.2/30" dev "$v"
		ip -n "$ns" link set "$v" up
		ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey$i"
		cat > "$D/sshd$i.conf" <<CONF
ListenAddress $net.$i.2
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
		HOSTS+=("$net.$i.2")
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
}
