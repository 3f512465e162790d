#!/bin/sh
# make mutate: measures what the tests catch. Each mutation below is a deliberate bug of
# a kind the suite must catch; it is applied to a scratch copy of the tree (never the
# tree itself), the copy is rebuilt, the tests that claim to cover it run, and the
# failing tests are reported. A mutation that no test catches, or that no longer
# applies to the source (the code moved: update the mutation), fails the run.
# usage: scripts/mutate.sh [name ...]     (default: every mutation)
#        scripts/mutate.sh --applies      only whether each still applies (TAP)
#        MUTATE_ALL=1 scripts/mutate.sh   runs the whole suite for each mutation
#        MUTATE_KEEP=1                    keeps the scratch directory
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# The mutations: name | file | text | replacement | tests (unit binaries, bats files)
mutations() {
	cat <<'LIST'
optimizer-step-removed|lib/nn_train.c|nids_optim_step(&opt, net->params, t.grads[0]);|(void)opt;|learning.bats nids-fit-options.bats nids-fit-deep.bats test_deep_models
dagmm-lambdas-zero|lib/model_dagmm.c|a->lambda1 = (float)l1, a->lambda2 = (float)l2;|a->lambda1 = 0 * (float)l1, a->lambda2 = 0 * (float)l2;|test_objectives test_deep_grad test_deep_models nids-fit-deep.bats nids-fit-options.bats
threshold-prints-nan|cmd/nids-threshold.c|printf("%s\n", nids_format_double(num, t.value));|printf("%s\n", nids_format_double(num, __builtin_nan("")));|nids-threshold.bats
split-seed-ignored|lib/split.c|uint64_t key = mix64(seed + purpose * 0x9e3779b97f4a7c15ull);|uint64_t key = mix64(0 * seed + purpose * 0x9e3779b97f4a7c15ull);|nids-split.bats
roc-high-ignored|cmd/nids-roc.c|case OPT_HIGH: case OPT_LOW: nids_cli_direction(prog, usage, &o->direction, c == OPT_LOW); break;|case OPT_HIGH: case OPT_LOW: if (c == OPT_LOW) nids_cli_direction(prog, usage, &o->direction, 1); break;|nids-roc.bats
svg-script-injected|lib/svg_plot.c|fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);|fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H); fputs("<script href=\"https://example.com/x.js\"/>\n", f);|nids-roc.bats
params-left-on-failure|lib/normalize_run.c|	nids_outputs_abort(out, 2);|	(void)out;|nids-normalize.bats
kmeans-squared-distance|lib/model_kmeans.c|? sqrtf(s->dist[r])|? s->dist[r]|learning.bats test_classic nids-fit-classic.bats
early-stopping-disabled|lib/nn_train.c|} else if (++since_best >= o->patience) {|} else if (++since_best < 0) {|nids-fit-options.bats nids-fit.bats
score-z-ignored|cmd/nids-score.c|case 'z': level = (int)nids_cli_long_or_die(|case 'z': (void)nids_cli_long_or_die(|nids-score-options.bats nids-score.bats
window-sd-population|lib/window.c|sqrt(g->m2[i] / (double)(m[i] - 1))|sqrt(g->m2[i] / (double)m[i])|test_window nids-window.bats
window-rate-of-zero-duration|lib/window.c|	if (f->duration != 0) {|	if (f->duration >= 0) {|test_window nids-window.bats
window-late-flows-merged|lib/window.c|	if (start < nw->closed_upto) {|	if (start < nw->closed_upto && 0) {|test_window nids-window.bats
window-half-is-a-majority|lib/window.c|	if (2 * same > n)|	if (2 * same >= n)|test_window nids-window.bats
window-time-step-unnamed|lib/window_run.c|	if (c->late && warnings && c->jump_flow &&|	if (0 && c->late && warnings && c->jump_flow &&|nids-window.bats
address-leading-zero-taken|lib/feat_ids.c|		} else if (v == 0) { /* a leading zero */|		} else if (v == 0 && 0) { /* a leading zero */|test_feat_fields
csv-archive-unnamed|lib/csvin.c|	const char *kind = first ? archive_kind(p, n, member, sizeof member) : NULL;|	const char *kind = first && 0 ? archive_kind(p, n, member, sizeof member) : NULL;|nids-featurize.bats test_csvin
csv-spaces-kept|lib/csvin.c|			if (*f <= ' ') /* (one test for space and tab, then the exact one) */|			if (0) /* (one test for space and tab, then the exact one) */|test_csvin nids-featurize.bats
stream-bytes-after-end-accepted|lib/stream.c|	if (got == 0) {|	if (got < 8) {|test_stream nids-cat.bats
stream-lost-block-unnoticed|lib/stream.c|	if (total != r->seg_rows)|	if (total != r->seg_rows && 0)|test_stream
stream-class-id-at-table-size|lib/stream.c|!(f >= 0 && f < (float)r->classes.n)|!(f >= 0 && f <= (float)r->classes.n)|test_stream
best-f1-tie-most-anomalous|lib/metrics.c|if ((unsigned __int128)num * best_den >= (unsigned __int128)best_num * den) {|if ((unsigned __int128)num * best_den > (unsigned __int128)best_num * den) {|nids-threshold.bats nids-roc.bats
percentile-lerp-from-below|lib/threshold.c|	return g >= 0.5 ? b - d * (1 - g) : a + d * g;|	return a + d * g;|nids-threshold.bats
window-large-half-is-a-majority|lib/window.c|	if (2 * n > g->n)|	if (2 * n >= g->n)|test_window
benign-prefix-matches|lib/feat_fields.c|		if (len == n && !strncmp(b, label, n))|		if (len >= n && !strncmp(b, label, n))|nids-featurize-ugr16.bats
score-nan-last-feature-missed|lib/score.c|			finite &= isfinite(xr[j]) != 0;|			finite &= j == d - 1 ? 1 : isfinite(xr[j]) != 0;|nids-score.bats
ensemble-rank-ties-first|lib/model_ensemble.c|		if (c[mid] <= v)|		if (c[mid] < v)|test_ensemble
treeshap-cover-add-one-smoothing|lib/explain_tree.c|(count[i] + 0.5) / (count[parent[i]] + 1)|(count[i] + 1) / (count[parent[i]] + 2)|test_explain
kshap-middle-size-doubled|lib/explain_kernel.c|* (2 * s == M ? 1 : 2);|* 2;|test_explain
LIST
}

# --applies: only whether each mutation's text is still in its file, as one TAP test
# (make check runs it, so that a mutation whose code moved is found at once)
if [ "${1:-}" = --applies ]; then
	gone=$(mutations | while IFS='|' read -r name file old new tests; do
		OLD=$old perl -0ne 'exit(index($_, $ENV{OLD}) >= 0 ? 0 : 1)' "$top/$file" ||
			echo "$name: its text is no longer in $file (update the mutation)"
	done)
	echo "1..1"
	if [ -z "$gone" ]; then
		echo "ok 1 - every mutation of make mutate applies ($(mutations | grep -c .))"
	else
		echo "not ok 1 - mutations of make mutate that no longer apply"
		echo "$gone" | sed 's/^/# /'
	fi
	exit 0
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nids-mutate.XXXXXX")
[ "${MUTATE_KEEP:-0}" = 1 ] || trap 'rm -rf "$scratch"' EXIT
tree=$scratch/tree
mkdir "$tree"
(cd "$top" && tar --exclude=./build --exclude=./build-san --exclude=./.git -cf - .) |
	(cd "$tree" && tar -xf -)
echo "# scratch copy: $tree"
echo "# building it"
(cd "$tree" && make -j2 all >"$scratch/build.log" 2>&1) ||
	{ echo "the scratch copy does not build: see $scratch/build.log"; exit 1; }

# subst FILE OLD NEW: replaces the literal text OLD in FILE by NEW; fails if absent
subst() {
	OLD=$2 NEW=$3 perl -0pi -e 'our $n += s/\Q$ENV{OLD}\E/$ENV{NEW}/g; END { exit($n ? 0 : 1) }' "$tree/$1"
}


# run_tests LIST: runs the named tests in the scratch tree; prints "not ok" lines
run_tests() {
	export NIDS_TOP="$tree" NIDS_BIN="$tree/build/bin"
	for t in $1; do
		case $t in
		*.bats) bats --tap "$tree/tests/cli/$t" </dev/null 2>&1 | grep '^not ok' | sed "s|^|$t: |" ;;
		*) (cd "$tree" && "./build/tests/$t") </dev/null 2>&1 | grep '^not ok' | sed "s|^|$t: |" ;;
		esac
	done
}

all_tests=$(cd "$tree" && ls tests/cli/*.bats | sed 's|.*/||'; ls build/tests/ | grep '^test_')
want=" $* "
# the tests that fail without any mutation do not count as catching one
used=$(if [ "${MUTATE_ALL:-0}" = 1 ]; then echo "$all_tests"; else mutations | cut -d'|' -f5; fi |
	tr ' ' '\n' | grep . | sort -u)
run_tests "$used" | sed 's/^\([^:]*\): not ok [0-9]* -* */\1: /' | sort -u >"$scratch/baseline"
if [ -s "$scratch/baseline" ]; then
	echo "# failing without any mutation (not counted):"
	sed 's/^/#   /' "$scratch/baseline"
fi
report=$scratch/report
: >"$report"
mutations | while IFS='|' read -r name file old new tests; do
	[ "$want" = "  " ] || case $want in *" $name "*) ;; *) continue ;; esac
	cp "$tree/$file" "$scratch/orig"
	if ! subst "$file" "$old" "$new"; then
		echo "$name|$file|NOT APPLIED (the text is no longer in $file)" >>"$report"
		continue
	fi
	if ! (cd "$tree" && make -j2 all </dev/null >"$scratch/build.log" 2>&1); then
		echo "$name|$file|DOES NOT BUILD" >>"$report"
		cp "$scratch/orig" "$tree/$file"
		continue
	fi
	[ "${MUTATE_ALL:-0}" = 1 ] && tests=$all_tests
	run_tests "$tests" | sed 's/^\([^:]*\): not ok [0-9]* -* */\1: /' | sort -u |
		comm -23 - "$scratch/baseline" >"$scratch/caught.$name"
	n=$(grep -c . "$scratch/caught.$name")
	echo "# $name ($file): caught by $n test(s)"
	sed 's/^/#   /' "$scratch/caught.$name"
	echo "$name|$file|$n" >>"$report"
	cp "$scratch/orig" "$tree/$file"
	touch "$tree/$file"
done
echo
echo "| mutation | file | caught by |"
echo "|---|---|---|"
while IFS='|' read -r name file n; do
	case $n in
	0) what="**NOT CAUGHT**" ;;
	*[!0-9]*) what="**$n**" ;;
	*) what="$n: $(sed 's/$/<br>/' "$scratch/caught.$name" | tr -d '\n' | sed 's/<br>$//')" ;;
	esac
	echo "| $name | \`$file\` | $what |"
done <"$report"
bad=$(awk -F'|' '$3 !~ /^[1-9][0-9]*$/' "$report" | wc -l)
echo
if [ "$bad" -gt 0 ]; then
	echo "$bad of $(wc -l <"$report") mutations not caught or not applied"
	exit 1
fi
echo "every mutation caught ($(wc -l <"$report") mutations)"
