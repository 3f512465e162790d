#!/bin/sh
# Installs the Debian packages nids needs when any is missing (as root), or says the
# exact command to run. Called by `make check` and `make demo`.
set -e
need=""
have_header() { [ -e "/usr/include/$1" ] || [ -e "/usr/include/x86_64-linux-gnu/$1" ] || \
	[ -e "/usr/include/$(uname -m)-linux-gnu/$1" ]; }
have_header cblas.h || need="$need libopenblas-dev"
have_header zstd.h || need="$need libzstd-dev"
have_header csv.h || need="$need libcsv-dev"
have_header xxhash.h || need="$need libxxhash-dev"
command -v bats >/dev/null 2>&1 || need="$need bats"
command -v zstd >/dev/null 2>&1 || need="$need zstd"
command -v groff >/dev/null 2>&1 || need="$need groff-base"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
# Chromium only renders nids-roc's SVG in one test: install it when we can, never fail
# for it (that test skips, saying so, without it).
optional() {
	command -v chromium >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	echo "nids: installing chromium (optional: renders the SVG test)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
		echo "nids: could not install chromium; the SVG rendering test will skip" >&2
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
