# Shared by nids-normalize.bats and nids-split.bats: builds the mkstream helper (TSV
# <-> stream, see mkstream.c) once per file, and helpers for the common checks.

build_mkstream() {
	MKSTREAM="$BATS_FILE_TMPDIR/mkstream"
	cc -std=c17 -O1 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$NIDS_TOP/include" \
		-o "$MKSTREAM" "$NIDS_TOP/tests/cli/mkstream.c" "$NIDS_TOP/lib/stream.c" \
		"$NIDS_TOP/lib/io.c" "$NIDS_TOP/lib/err.c" -lzstd -lxxhash
}

# The first SYNOPSIS line of a man page, as text.
man_synopsis() {
	groff -mdoc -Tutf8 -P-c -rLL=300n "$1" 2>/dev/null | col -b |
		awk '/^SYNOPSIS/ { getline; sub(/^ +/, ""); print; exit }'
}

# Flips one bit of byte $2 (0-based) of file $1 in place.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
