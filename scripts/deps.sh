#!/bin/sh
# Installs the Debian packages nids needs when any is missing (as root), or says the
# exact command to run. Called by `make check` and `make demo`.
# NIDS_DEPS_DRY=1 only prints the packages it would install (for its own test).
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
# LAPACK through its Fortran interface (kernel SHAP's least squares): no header to include
printf 'void dgelsd_(void);\nint main(void) { dgelsd_(); return 0; }\n' |
	"$CC" -x c - -o /dev/null -llapack >/dev/null 2>&1 || need="$need liblapack-dev"
command -v bats >/dev/null 2>&1 || need="$need bats"
command -v zstd >/dev/null 2>&1 || need="$need zstd"
command -v groff >/dev/null 2>&1 || need="$need groff-base"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
# Packages only some tests use: installed when we can, never a failure (those tests
# skip, saying so, without them). optional COMMAND PACKAGE PURPOSE
optional_one() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	echo "nids: installing $2 (optional: $3)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; } ||
		echo "nids: could not install $2; $3 will skip" >&2
}
# python3-pandas: the pandas reference of nids-window's features (bench/gee_windows.py)
optional_pandas() {
	/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	echo "nids: installing python3-pandas (optional: the window features' pandas reference test)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pandas >/dev/null 2>&1 ||
		echo "nids: could not install python3-pandas; the pandas reference test will skip" >&2
}
# clang with libFuzzer runs the fuzz harnesses in make check (tests/fuzz/run.sh, which
# reports a skip without it): installed when we can, never a failure.
optional_fuzz() {
	sh "$(dirname "$0")/../tests/fuzz/run.sh" probe && return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	echo "nids: installing clang and libFuzzer (optional: the fuzz smoke runs)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq clang libclang-rt-14-dev >/dev/null 2>&1 ||
		echo "nids: could not install clang and libFuzzer; the fuzz runs will skip" >&2
}
optional() {
	optional_one chromium chromium "the SVG rendering test"
	optional_one nfpcapd nfdump "the flow collection chain test"
	optional_pandas
	optional_fuzz
	# the scale-out tests (GNU parallel on cores and over ssh to namespaced hosts, a
	# localhost Slurm) and the scaling benchmark (GNU time)
	optional_one parallel parallel "the GNU parallel tests"
	optional_one /usr/sbin/sshd openssh-server "the ssh hosts test"
	optional_one ssh openssh-client "the ssh hosts test"
	optional_one /usr/sbin/ip iproute2 "the ssh hosts test"
	optional_one /usr/sbin/slurmctld slurm-wlm "the Slurm test"
	optional_one /usr/sbin/munged munge "the Slurm test"
	optional_one /usr/bin/time time "bench/scale.sh"
}
if [ -n "${NIDS_DEPS_DRY:-}" ]; then
	echo "missing:$need"
	exit 0
fi
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
