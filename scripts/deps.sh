#!/bin/sh
# Installs the Debian packages nids needs when any is missing (as root), or says the
# exact command to run. Called by `make check` and `make demo`.
set -e
need=""
# A library counts as present only when a probe that includes its header and calls it
# links: another BLAS's cblas.h (reference BLAS's libblas-dev) does not make -lopenblas.
CC=${CC:-cc}
have_lib() { # header, function call, -l flag
	command -v "$CC" >/dev/null 2>&1 || return 1
	printf '#include <%s>\nint main(void) { %s; return 0; }\n' "$1" "$2" |
		"$CC" -x c - -o /dev/null "$3" >/dev/null 2>&1
}
have_lib cblas.h 'cblas_sdot(0, 0, 1, 0, 1)' -lopenblas || need="$need libopenblas-dev"
have_lib zstd.h 'ZSTD_versionNumber()' -lzstd || need="$need libzstd-dev"
have_lib csv.h 'csv_init(0, 0)' -lcsv || need="$need libcsv-dev"
have_lib xxhash.h 'XXH3_64bits(0, 0)' -lxxhash || need="$need libxxhash-dev"
have_lib zlib.h 'zlibVersion()' -lz || need="$need zlib1g-dev"
command -v bats >/dev/null 2>&1 || need="$need bats"
command -v zstd >/dev/null 2>&1 || need="$need zstd"
command -v groff >/dev/null 2>&1 || need="$need groff-base"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
# Optional packages, installed when we can and never a reason to fail: chromium renders
# nids-roc's SVG in one test; GNU parallel, sshd, iproute2, Slurm and munge run the
# scale-out tests (several cores, namespaced ssh hosts, a localhost Slurm) and GNU time
# the scaling benchmark. A test whose package is missing skips, saying so.
optional() {
	want=""
	command -v chromium >/dev/null 2>&1 || want="$want chromium"
	command -v parallel >/dev/null 2>&1 || want="$want parallel"
	[ -x /usr/sbin/sshd ] || want="$want openssh-server"
	command -v ssh >/dev/null 2>&1 || want="$want openssh-client"
	command -v ip >/dev/null 2>&1 || want="$want iproute2"
	command -v slurmctld >/dev/null 2>&1 || want="$want slurm-wlm"
	command -v munged >/dev/null 2>&1 || want="$want munge"
	[ -x /usr/bin/time ] || want="$want time"
	[ -n "$want" ] || return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	echo "nids: installing optional packages:$want" >&2
	# one by one, so that one unavailable package does not keep the others out
	updated=0
	for p in $want; do
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 && continue
		# a fresh machine may have no package lists yet
		[ $updated = 1 ] || { apt-get update -qq >/dev/null 2>&1; updated=1; }
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 ||
			echo "nids: could not install $p; the tests that need it will skip" >&2
	done
	return 0
}
[ -z "$need" ] && { optional; exit 0; }
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "nids: missing Debian packages; run: apt-get install -y$need" >&2
	exit 1
fi
echo "nids: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq $need >/dev/null
optional
