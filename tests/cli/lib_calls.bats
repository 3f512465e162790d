#!/usr/bin/env bats
# tests/lib_calls.sh, which make check runs on the library's objects, on small objects made
# here: it must name a pair of files that refer to each other and a longer cycle, and
# pass a graph that runs one way only.
bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

# obj NAME 'C source': compiles it into $tmp/NAME.o
obj() {
	printf '%s\n' "$2" >"$tmp/$1.c"
	cc -c -o "$tmp/$1.o" "$tmp/$1.c"
}

@test "lib_calls: two files calling each other are named, with a symbol each way" {
	obj a 'int b_fn(void); int a_fn(void) { return b_fn(); }'
	obj b 'int a_fn(void); int b_fn(void) { return 1; } int b_two(void) { return a_fn(); }'
	obj c 'int a_fn(void); int c_fn(void) { return a_fn(); }'
	run -1 sh "$NIDS_TOP/tests/lib_calls.sh" "$tmp"
	[[ "${lines[0]}" == "1..1" ]]
	[[ "${lines[1]}" == "not ok 1 - library reference graph has cycles" ]]
	[[ "${lines[2]}" == "# cycle: a.c b.c" ]]
	[[ "${lines[3]}" == "#   a.c -> b.c (b_fn), b.c -> a.c (a_fn)" ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "lib_calls: a cycle through a table of function pointers is a cycle" {
	obj table 'int impl_run(void); int (*const table[])(void) = { impl_run };'
	obj impl 'int table_get(void); int impl_run(void) { return table_get(); }'
	obj get 'extern int (*const table[])(void); int table_get(void) { return table[0] != 0; }'
	run -1 sh "$NIDS_TOP/tests/lib_calls.sh" "$tmp"
	[[ "${lines[2]}" == "# cycle: get.c impl.c table.c" ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "lib_calls: a graph that runs one way passes" {
	obj top 'int mid_fn(void); int low_fn(void); int top_fn(void) { return mid_fn() + low_fn(); }'
	obj mid 'int low_fn(void); int mid_fn(void) { return low_fn(); }'
	obj low 'int low_fn(void) { return 0; }'
	run -0 sh "$NIDS_TOP/tests/lib_calls.sh" "$tmp"
	[[ "$output" == "1..1"$'\n'"ok 1 - library reference graph: 3 files, no cycle" ]]
}

@test "lib_calls: no objects is a failure, not a pass" {
	run -1 sh "$NIDS_TOP/tests/lib_calls.sh" "$tmp"
	[[ "${lines[1]}" == "not ok 1 - library reference graph: no objects in $tmp (run make)" ]]
}
