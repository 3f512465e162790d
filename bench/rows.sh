#!/bin/sh
# Row accounting of nids-featurize on every dataset in ../shared/data (DATA=dir) and on
# damaged copies of each: blank lines inserted, a garbage line, a repeated header line,
# the file cut in the middle of a line. For each input it prints the physical lines
# and what featurize reported; "ok" when lines = header + rows written + every skip
# reported (bad records, repeated headers, dropped, empty records, blank lines).
# Usage: PATH=build/bin:$PATH sh bench/rows.sh
DATA=${DATA:-$(dirname "$0")/../../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# n WORD TEXT: the number before WORD in featurize's summary line, 0 when absent
n() { printf '%s\n' "$2" | sed -n "s/.* \([0-9][0-9]*\) $1.*/\1/p" | head -1 | sed 's/^$/0/'; }
check() { # name file
	lines=$(wc -l <"$2")
	[ -n "$(tail -c 1 "$2")" ] && lines=$((lines + 1))
	msg=$(nids-featurize -v --skip-bad -o "$tmp/out.rec" "$2" 2>&1 >/dev/null | head -1)
	rows=$(printf '%s\n' "$msg" | sed -n 's/.*: \([0-9][0-9]*\) rows (.*/\1/p')
	[ -n "$rows" ] || { echo "FAIL $1: $msg"; fail=1; return; }
	bad=$(n "bad records" "$msg") rep=$(n "repeated header" "$msg")
	drop=$(n "records with" "$msg") empty=$(n "empty records" "$msg")
	blank=$(n "blank lines" "$msg")
	hdr=$(head -c 4096 "$2" | head -1 | grep -Eqi '[a-z]{3}.*,.*[a-z]{3}.*,.*[a-z]{3}' && echo 1 || echo 0)
	case $1 in kdd*|corrected*|KDD*|ugr16-july*) hdr=0 ;; esac
	sum=$((hdr + rows + bad + rep + drop + empty + blank))
	st=ok; [ "$sum" -eq "$lines" ] || { st=FAIL; fail=1; }
	printf '%-4s %-52s lines %7d = header %d + rows %7d + bad %d + headers %d + dropped %d + empty %d + blank %d\n' \
		"$st" "$1" "$lines" "$hdr" "$rows" "$bad" "$rep" "$drop" "$empty" "$blank"
}
for z in "$DATA"/*.zst; do
	name=$(basename "$z" .zst)
	zstd -dc --long=31 "$z" >"$tmp/$name"
	check "$name" "$tmp/$name"
	f=$tmp/$name
	total=$(wc -l <"$f")
	head -n 3 "$f" >"$tmp/d"; printf '\n\n' >>"$tmp/d"; tail -n +4 "$f" | head -n 200 >>"$tmp/d"
	printf '\n' >>"$tmp/d"
	check "$name +3 blank lines" "$tmp/d"
	head -n 50 "$f" >"$tmp/d"; echo 'x,,garbage' >>"$tmp/d"; tail -n +51 "$f" | head -n 200 >>"$tmp/d"
	check "$name +garbage line" "$tmp/d"
	head -n 20 "$f" >"$tmp/d"; head -n 1 "$f" >>"$tmp/d"; tail -n +21 "$f" | head -n 100 >>"$tmp/d"
	check "$name +repeated first line" "$tmp/d"
	head -c $(( $(head -n 100 "$f" | wc -c) + 7 )) "$f" >"$tmp/d"
	check "$name cut mid-line" "$tmp/d"
	rm -f "$f"
done
exit $fail
