#!/bin/sh
# Rejects assertions that bats cannot see. A bats test fails when a command fails under
# `set -e`, but bash's errexit ignores a command negated with `!` and every command of
# an `A && B` list but the last, so a test line `! cmp a b` or `[ -e x ] && [ -e y ]`
# checks nothing unless it is the test's last line (whose status is the test's).
# Write `run cmd` + `[ "$status" -ne 0 ]`, or two lines, instead. `&&` inside [[ ]] and
# inside quotes is fine, and so is `A && B || handler`; here-documents are skipped.
# Prints file:line: text for each, and exits 1 if any.
# usage: tests/lint_bats.sh [file.bats ...]  (default: tests/cli/*.bats)
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$top"/tests/cli/*.bats
awk '
function flush(   i) {
	for (i = 1; i < nb; i++)    # every body line but the last
		if (bad[i] != "")
			{ printf "%s:%d: %s: %s\n", FILENAME_OF[i], lno[i], bad[i], txt[i]; found++ }
	nb = 0
}
# the line with quoted text and [[ ... ]] blanked out; quotes may span lines (sq, dq)
function bare(s,   out, i, c, n) {
	out = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (sq) { if (c == "\047") sq = 0; continue }
		if (c == "\\") { i++; continue }
		if (dq) { if (c == "\"") dq = 0; continue }
		if (c == "\047") { sq = 1; out = out "Q"; continue }
		if (c == "\"") { dq = 1; out = out "Q"; continue }
		if (c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t]/)) break
		out = out c
	}
	while (match(out, /\[\[.*\]\]/)) out = substr(out, 1, RSTART - 1) "TEST" substr(out, RSTART + RLENGTH)
	return out
}
FNR == 1 { intest = 0; sq = dq = 0; heredoc = "" }
/^@test / { intest = 1; nb = 0; next }
intest && /^}[ \t]*$/ { flush(); intest = 0; next }
intest && heredoc != "" {   # a here-document is text, not commands
	t = $0; sub(/^\t*/, "", t)
	if (t == heredoc) heredoc = ""
	next
}
intest {
	if (!sq && !dq && $0 ~ /^[ \t]*(#.*)?$/) next
	if (!sq && !dq && match($0, /<<-?[ \t]*[\047"]?[A-Za-z_]+[\047"]?/)) {
		heredoc = substr($0, RSTART, RLENGTH)
		sub(/^<<-?[ \t]*[\047"]?/, "", heredoc); sub(/[\047"]$/, "", heredoc)
	}
	cont = sq || dq
	b = bare($0)
	if (cont) next   # inside a quoted text that began on an earlier line
	nb++
	txt[nb] = $0; lno[nb] = FNR; FILENAME_OF[nb] = FILENAME; bad[nb] = ""
	if (b ~ /^[ \t]*![ \t]/) bad[nb] = "a negated command is not checked here"
	else if (b ~ /&&/ && b !~ /&&[ \t]*\\?$/ && b !~ /&&.*\|\|/)
		bad[nb] = "only the last command of an && list is checked"
}
END { exit found > 0 }' "$@"
