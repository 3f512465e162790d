# Shared by nids-normalize.bats and nids-split.bats (on top of helpers.bash).

CAT="$NIDS_BIN/nids-cat"

# Flips one bit of byte $2 (0-based) of file $1 in place.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
