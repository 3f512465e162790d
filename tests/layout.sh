#!/bin/sh
# The source layout: include/nids/ holds exactly the public API, and the programs stay thin.
#   1. every header in include/nids/ is included by some cmd/*.c (one that no program
#      includes belongs in lib/ as an internal *_impl.h)
#   2. no public header and no program includes an internal header (lib/*.h)
#   3. every public header opens with a comment that calls it "Public API"
#   4. every public header compiles on its own
#   5. every cmd/*.c is at most 150 lines
# Prints TAP; each failure names the offending files, and the exit status is 1.
# usage: tests/layout.sh [top directory]  (default: the repository; CC and CPPFLAGS as make's)
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cc=${CC:-cc}
max=150
echo "1..5"
failed=0

# the header names a file includes with "nids/NAME.h"
included() { sed -n 's|^#include "nids/\([A-Za-z0-9_]*\.h\)".*|\1|p' "$@" 2>/dev/null; }

unused=""
for h in "$top"/include/nids/*.h; do
	n=$(basename "$h")
	included "$top"/cmd/*.c | grep -qx "$n" || unused="$unused $n"
done
if [ -z "$unused" ]; then
	echo "ok 1 - every public header is included by a program"
else
	failed=1; echo "not ok 1 - public headers no program includes (move them to lib/):$unused"
fi

bad=""
for f in "$top"/include/nids/*.h "$top"/cmd/*.c; do
	for i in $(sed -n 's|^#include "\([^"/]*\.h\)".*|\1|p' "$f"); do
		[ -e "$top/lib/$i" ] && bad="$bad $(basename "$f"):$i"
	done
done
if [ -z "$bad" ]; then
	echo "ok 2 - no public header or program includes an internal header"
else
	failed=1; echo "not ok 2 - internal headers included outside lib/:$bad"
fi

bad=""
for h in "$top"/include/nids/*.h; do
	awk '/\*\// { print; exit } { print }' "$h" | grep -q 'Public API' || bad="$bad $(basename "$h")"
done
if [ -z "$bad" ]; then
	echo "ok 3 - every public header's opening comment says it is public API"
else
	failed=1; echo "not ok 3 - public headers whose opening comment does not say 'Public API':$bad"
fi

bad=""
for h in "$top"/include/nids/*.h; do
	# shellcheck disable=SC2086 # CPPFLAGS is a list of flags
	$cc ${CPPFLAGS:--D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE} -I"$top/include" -std=c17 \
		-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -fsyntax-only -x c "$h" \
		>/dev/null 2>&1 || bad="$bad $(basename "$h")"
done
if [ -z "$bad" ]; then
	echo "ok 4 - every public header compiles on its own"
else
	failed=1; echo "not ok 4 - public headers that do not compile alone:$bad"
fi

bad=""
for f in "$top"/cmd/*.c; do
	n=$(wc -l <"$f")
	[ "$n" -le "$max" ] || bad="$bad $(basename "$f") ($n lines)"
done
if [ -z "$bad" ]; then
	echo "ok 5 - every program's main is at most $max lines"
else
	failed=1; echo "not ok 5 - mains over $max lines:$bad"
fi
exit $failed
