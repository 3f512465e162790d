#!/usr/bin/env bats
# tests/layout.sh, which make check runs on the repository, on small trees made here: it
# must name a public header no program includes, an internal header included outside
# lib/, a public header that does not say it is public API or does not compile alone,
# and a main over 150 lines; and pass a tree that keeps the rules.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	mkdir -p "$tmp/include/nids" "$tmp/cmd" "$tmp/lib"
	printf '/* a.h: a thing.\n * Public API of libnids. */\nint nids_a(void);\n' >"$tmp/include/nids/a.h"
	printf '/* c_impl.h: internal. */\nint nids_c(void);\n' >"$tmp/lib/c_impl.h"
	printf '#include "nids/a.h"\nint main(void) { return nids_a(); }\n' >"$tmp/cmd/x.c"
}
teardown() { teardown_tmp; }

@test "layout: a tree that keeps the rules passes" {
	run sh "$NIDS_TOP/tests/layout.sh" "$tmp"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1..5" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^ok ')" -eq 5 ]
}

@test "layout: each broken rule is named with its files" {
	# b.h: no program includes it, it includes an internal header, it says nothing of
	# being public, and it does not compile alone
	printf '/* b.h: another thing. */\n#include "c_impl.h"\nunknown_t nids_b(void);\n' \
		>"$tmp/include/nids/b.h"
	{ printf '#include "nids/a.h"\n'; for i in $(seq 150); do printf '/* %d */\n' "$i"; done
	  printf 'int main(void) { return nids_a(); }\n'; } >"$tmp/cmd/x.c"
	run -1 sh "$NIDS_TOP/tests/layout.sh" "$tmp"
	[ "${lines[1]}" = "not ok 1 - public headers no program includes (move them to lib/): b.h" ]
	[ "${lines[2]}" = "not ok 2 - internal headers included outside lib/: b.h:c_impl.h" ]
	[ "${lines[3]}" = "not ok 3 - public headers whose opening comment does not say 'Public API': b.h" ]
	[ "${lines[4]}" = "not ok 4 - public headers that do not compile alone: b.h" ]
	[ "${lines[5]}" = "not ok 5 - mains over 150 lines: x.c (152 lines)" ]
}

@test "layout: a program that includes an internal header is named" {
	printf '#include "c_impl.h"\n' >>"$tmp/cmd/x.c"
	run -1 sh "$NIDS_TOP/tests/layout.sh" "$tmp"
	[ "${lines[2]}" = "not ok 2 - internal headers included outside lib/: x.c:c_impl.h" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^ok ')" -eq 4 ]
}
