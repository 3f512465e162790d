#!/usr/bin/env bats
# The test machinery itself: tests/run.sh's plan check and skip counting, and the bats
# lint (tests/lint_bats.sh), on small made-up inputs.
bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# The runs below start from an empty environment: no NIDS_* (the bats file finds its
# tree) and no BATS_* of this bats run, whose PATH also leads to bats' own libexec.
outer_path() { printf '%s' "$PATH" | tr ':' '\n' | grep -v 'bats-core' | paste -sd: -; }

# fake_tree PLAN: a tree with tests/run.sh, one unit "binary" and one bats file in $tmp/proj
fake_tree() {
	mkdir -p "$tmp/proj/tests/cli" "$tmp/proj/build/tests"
	cp "$NIDS_TOP/tests/run.sh" "$tmp/proj/tests/"
	cp "$NIDS_TOP/tests/cli/helpers.bash" "$tmp/proj/tests/cli/"
	printf '#!/bin/sh\necho "ok 1 - one"\necho "ok 2 - two"\necho "1..%s"\n' "$1" \
		> "$tmp/proj/build/tests/test_fake"
	chmod +x "$tmp/proj/build/tests/test_fake"
	# (printf: a line starting with the test keyword would be a test of this file)
	printf '%s\n' 'load helpers' '@test "a" { true; }' \
		'@test "needs data" { need_shared not-there.zst; true; }' \
		'@test "other skip" { skip "no tool"; }' > "$tmp/proj/tests/cli/x.bats"
}

@test "run.sh: counts passed, failed and skipped; a plan mismatch fails" {
	fake_tree 2
	run env -i PATH="$(outer_path)" HOME="$HOME" sh "$tmp/proj/tests/run.sh"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "3 passed, 0 failed, 2 skipped" ]
	fake_tree 3
	run env -i PATH="$(outer_path)" HOME="$HOME" sh "$tmp/proj/tests/run.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not ok - test_fake: plan 1..3 but 2 results"* ]]
	[ "${lines[-1]}" = "3 passed, 1 failed, 2 skipped" ]
}

@test "run.sh: with ../shared/data present, a data-dependent skip is a failure" {
	fake_tree 2
	mkdir -p "$tmp/shared/data"
	run env -i PATH="$(outer_path)" HOME="$HOME" sh "$tmp/proj/tests/run.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"# x.bats: a data-dependent test skipped though ../shared/data exists: counted as failed"* ]]
	[ "${lines[-1]}" = "3 passed, 1 failed, 1 skipped" ]
}

@test "run.sh: the option coverage check counts as a test, its list as comments" {
	fake_tree 2
	printf '#!/bin/sh\necho "options that no test mentions:"\necho "  nids-x: --y"\nexit 1\n' \
		> "$tmp/proj/tests/option_coverage.sh"
	run env -i PATH="$(outer_path)" HOME="$HOME" sh "$tmp/proj/tests/run.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *$'not ok 1 - an option that no test mentions\n# options that no test mentions:\n#   nids-x: --y\n'* ]]
	[ "${lines[-1]}" = "3 passed, 1 failed, 2 skipped" ]
	printf '#!/bin/sh\necho "every option in every --help is mentioned by a test"\n' \
		> "$tmp/proj/tests/option_coverage.sh"
	run env -i PATH="$(outer_path)" HOME="$HOME" sh "$tmp/proj/tests/run.sh"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'ok 1 - every option in every --help is mentioned by a test\n'* ]]
	[ "${lines[-1]}" = "4 passed, 0 failed, 2 skipped" ]
}

@test "lint_bats.sh: a non-final ! or && line is rejected, the last line and [[ && ]] are not" {
	printf '%s\n' '@test "dead" {' '	! cmp -s a b' '	[ -e a ] && [ -e b ]' \
		'	[[ a == a && b == b ]]' '	grep -q "x && y" f' '	[ -e a ] && [ -e b ] || false' \
		'	cat <<-EOF' '		! not a command && neither' '	EOF' '	! cmp -s a b' '}' > "$tmp/t.bats"
	run sh "$NIDS_TOP/tests/lint_bats.sh" "$tmp/t.bats"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$tmp/t.bats:2: a negated command is not checked here: 	! cmp -s a b" ]
	[ "${lines[1]}" = "$tmp/t.bats:3: only the last command of an && list is checked: 	[ -e a ] && [ -e b ]" ]
}
