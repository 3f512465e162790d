#!/bin/sh
# Lists every option a program's --help offers that no test mentions, and exits 1 if
# there is any. An option counts as mentioned when it is spelt as a word, in its long
# (--name) or short (-x) form, in the program's own bats files (tests/cli/<program>*.bats;
# for nids-fit also learning.bats), or on a line of another bats file that runs the
# program (by name, or by its wrapper in tests/cli/helpers.bash: feat, ncat, fit,
# score). A model option of nids-fit also counts when a unit test sets it by name
# ("name"). Mentioning is not testing: the rule that goes with this check is that the
# test which mentions an option fails if the option is ignored.
# usage: tests/option_coverage.sh [bindir]   (default: build/bin)
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/${BUILD:-build}/bin}
missing=0
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for p in "$bin"/nids-*; do
	[ -x "$p" ] || continue
	prog=$(basename "$p")
	case $prog in
	nids-featurize) wrap=feat ;; nids-cat) wrap=ncat ;; nids-fit) wrap=fit ;;
	nids-score) wrap=score ;; *) wrap=$prog ;;
	esac
	files=$(ls "$top"/tests/cli/"$prog"*.bats 2>/dev/null)
	[ "$prog" = nids-fit ] && files="$files $top/tests/cli/learning.bats"
	# the lines of the other bats files that run the program
	grep -hE "$prog|(^|[^a-zA-Z_\$-])$wrap( |\$)" "$top"/tests/cli/*.bats >"$lines"
	# one option per line: "long short" (either may be "-")
	opts=$("$p" --help | awk '
		/^[ \t]+-/ {
			n = split($0, seg, /;  +/)
			for (i = 1; i <= n; i++) {
				s = seg[i]; sub(/^[ \t]+/, "", s); sub(/  .*/, "", s)
				long = "-"; short = "-"
				m = split(s, tok, /[ \t]+/)
				for (j = 1; j <= m; j++) {
					t = tok[j]; sub(/[,:]$/, "", t)
					if (t !~ /^-/) break
					if (t ~ /^--/) {
						if (long != "-") { print long, short; short = "-" }
						long = t
					} else {
						if (short != "-" || long != "-") { print long, short; long = "-" }
						short = t
					}
				}
				if (long != "-" || short != "-") print long, short
			}
		}' | sort -u)
	echo "$opts" | while read -r long short; do
		[ -n "$long" ] || continue
		case "$long $short" in "--help "* | "--version "*) continue ;; esac
		if [ "$long" != - ]; then
			name=${long#--}
			grep -qE -- "(^|[^a-zA-Z0-9_-])--$name([^a-zA-Z0-9_-]|\$)" $files "$lines" && continue
			[ "$prog" = nids-fit ] && grep -qF "\"$name\"" "$top"/tests/unit/*.c && continue
		fi
		if [ "$short" != - ]; then
			grep -qE -- "(^|[ \"'(])$short( |\"|\$)" $files "$lines" && continue
		fi
		if [ "$long" = - ]; then echo "$prog: $short"
		elif [ "$short" = - ]; then echo "$prog: $long"
		else echo "$prog: $long ($short)"; fi
	done
done >"${TMPDIR:-/tmp}/nids-optcov.$$"
if [ -s "${TMPDIR:-/tmp}/nids-optcov.$$" ]; then
	echo "options that no test mentions:"
	sed 's/^/  /' "${TMPDIR:-/tmp}/nids-optcov.$$"
	missing=1
else
	echo "every option in every --help is mentioned by a test"
fi
rm -f "${TMPDIR:-/tmp}/nids-optcov.$$"
exit $missing
