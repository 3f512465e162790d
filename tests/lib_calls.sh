#!/bin/sh
# The library's file-level reference graph has no cycle: no lib/*.c file refers to a
# function or object of a file that, directly or through others, refers back to it.
# The graph is read from the built objects (nm: each file's defined global symbols and
# its undefined ones), so it is what the linker sees, macros and inline helpers included.
# Prints TAP (one test); a failure names each cycle's files, and for a pair that refers
# to each other, one symbol each way.
# usage: tests/lib_calls.sh [object directory]  (default: $BUILD/lib, BUILD=build)
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/${BUILD:-build}/lib}
echo "1..1"
set -- "$dir"/*.o
if [ ! -e "$1" ]; then
	echo "not ok 1 - library reference graph: no objects in $dir (run make)"
	exit 1
fi
# "file kind symbol" lines: kind D (defined, global) or U (undefined)
nm -A "$@" 2>/dev/null | awk '
	{ f = $1; sub(/:.*/, "", f); sub(/.*\//, "", f); sub(/\.o$/, "", f) }
	NF == 3 && $2 ~ /^[TDBRCVWG]$/ { print f, "D", $3 }
	NF == 3 && $2 == "U" { print f, "U", $3 }
' | awk '
	$2 == "D" { def[$3] = $1; files[$1] = 1; next }
	$2 == "U" { use[++nu] = $1 SUBSEP $3; files[$1] = 1 }
	END {
		for (i = 1; i <= nu; i++) {
			split(use[i], p, SUBSEP)
			a = p[1]; b = def[p[2]]
			if (b == "" || b == a) continue
			if (!((a, b) in edge)) { edge[a, b] = 1; via[a, b] = p[2] }
		}
		n = 0
		for (f in files) name[++n] = f
		# sort the names, so that the report reads the same every time
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && name[j - 1] > name[j]; j--) { t = name[j]; name[j] = name[j - 1]; name[j - 1] = t }
		for (i = 1; i <= n; i++)
			for (j = 1; j <= n; j++)
				reach[i, j] = (name[i], name[j]) in edge
		for (k = 1; k <= n; k++)
			for (i = 1; i <= n; i++)
				if (reach[i, k])
					for (j = 1; j <= n; j++)
						if (reach[k, j]) reach[i, j] = 1
		bad = 0
		for (i = 1; i <= n; i++) {
			if (!reach[i, i] || seen[i]) continue
			line = ""
			for (j = 1; j <= n; j++)
				if (reach[i, j] && reach[j, i]) { seen[j] = 1; line = line " " name[j] ".c" }
			out[++bad] = "cycle:" line
			for (j = 1; j <= n; j++)
				if (j > i && reach[i, j] && reach[j, i] && ((name[i], name[j]) in edge) && ((name[j], name[i]) in edge))
					out[++bad] = "  " name[i] ".c -> " name[j] ".c (" via[name[i], name[j]] "), " \
					    name[j] ".c -> " name[i] ".c (" via[name[j], name[i]] ")"
		}
		if (bad) {
			print "not ok 1 - library reference graph has cycles"
			for (i = 1; i <= bad; i++) print "# " out[i]
			exit 1
		}
		print "ok 1 - library reference graph: " n " files, no cycle"
	}'
