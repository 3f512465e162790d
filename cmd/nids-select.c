/* nids-select: choose the features to keep (top K by importance, then a correlation
 * filter), write the kept list; or apply a kept list to a stream. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "nids/cli.h"
#include "nids/err.h"
#include "nids/select.h"
#include "nids/stream.h"

static const char *prog = "nids-select";
static const char usage[] =
	"usage: nids-select [-q] [--importances file | -m model --permutation file] [--top k]"
	" [--corr t] [--repeats n] [--seed n] [-j threads] [-o list] [file ...]\n"
	"       nids-select --apply list [-z level] [-o output] [file ...]\n"
	"Chooses features: the top k of a ranking, then drops each one whose |Pearson r| with\n"
	"one before it is above t (over the input's rows); writes the kept names, one a line.\n"
	"  --importances F   the ranking: an importance file (nids-fit --importances)\n"
	"  -m, --model F     with --permutation: the model to rank the features for\n"
	"  --permutation F   rank by permutation importance (AUROC drop) on the input; write\n"
	"                    the importances to F\n"
	"  --top k           keep the k most important [default: all]\n"
	"  --corr t          drop features correlated above t with a more important one\n"
	"  --repeats n       shuffles per feature for --permutation [default: 5]\n"
	"  --seed n          seed of the shuffles [default: 0]\n"
	"  -j, --threads n   scoring threads for --permutation [default: 1]\n"
	"  --apply F         copy the input stream keeping only the features listed in F\n"
	"  -z, --zstd level  with --apply: compress blocks at zstd level (1-19) [default: 0]\n"
	"  -o, --output F    the list (or stream) to F, atomically [default: stdout]\n"
	"  -q, --quiet       no summary on stderr\n"
	"  -h, --help        this help;  -V, --version  the version\n"
	"see nids-select(1)\n";

static void parse(int argc, char **argv, nids_select_args *o, nids_cli_talk *talk)
{
	enum { O_IMP = 256, O_PERM, O_TOP, O_CORR, O_REPEATS, O_SEED, O_APPLY };
	static const struct option longs[] = {
		{ "apply", required_argument, 0, O_APPLY },   { "corr", required_argument, 0, O_CORR },
		{ "help", no_argument, 0, 'h' },              { "importances", required_argument, 0, O_IMP },
		{ "model", required_argument, 0, 'm' },       { "output", required_argument, 0, 'o' },
		{ "permutation", required_argument, 0, O_PERM }, { "quiet", no_argument, 0, 'q' },
		{ "repeats", required_argument, 0, O_REPEATS }, { "seed", required_argument, 0, O_SEED },
		{ "threads", required_argument, 0, 'j' },     { "top", required_argument, 0, O_TOP },
		{ "version", no_argument, 0, 'V' },           { "zstd", required_argument, 0, 'z' },
		{ 0, 0, 0, 0 }
	};
	nids_err err = { 0 };
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hj:m:o:qVz:", longs, NULL)) != -1) {
		switch (c) {
		case O_APPLY: o->apply = optarg; break;
		case O_CORR: o->corr = nids_cli_double_or_die(prog, usage, "--corr", optarg, 0, 1); break;
		case O_IMP: o->importances = optarg; break;
		case O_PERM: o->permutation = optarg; break;
		case O_REPEATS: o->repeats = (int)nids_cli_long_or_die(prog, usage, "--repeats", optarg, 1, 1000); break;
		case O_SEED: o->seed = (uint64_t)nids_cli_long_or_die(prog, usage, "--seed", optarg, 0, LONG_MAX); break;
		case O_TOP: o->top = (int)nids_cli_long_or_die(prog, usage, "--top", optarg, 1, 1 << 20); break;
		case 'j': o->threads = nids_cli_threads(prog, usage, optarg); break;
		case 'm': o->model = optarg; break;
		case 'o': o->output = nids_cli_output(prog, usage, optarg); break;
		case 'z': o->level = (int)nids_cli_long_or_die(prog, usage, "--zstd", optarg, 0, 19); break;
		default: nids_cli_common(prog, usage, argv, c, talk);
		}
	}
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	if (nids_select_check(o, &err))
		nids_cli_usage_error(prog, usage, "%s", err.msg);
}

int main(int argc, char **argv)
{
	nids_select_args a = { .corr = NAN, .repeats = 5, .threads = 1 };
	nids_select_summary sum;
	nids_cli_talk talk = { 0 };
	nids_err err = { 0 };
	parse(argc, argv, &a, &talk);
	int rc = a.apply ? nids_select_apply_files(&a, &err) : nids_select_choose_files(&a, &sum, &err);
	if (!rc && !a.apply && !talk.quiet && a.permutation)
		fprintf(stderr, "%s: AUROC %.6f on %zu rows; importances in %s\n", prog, sum.auroc,
		        sum.rows, a.permutation);
	if (!rc && !a.apply && !talk.quiet && a.output)
		fprintf(stderr, "%s: %d of %d features kept, %d dropped for correlation\n", prog,
		        sum.kept, sum.ranked, sum.dropped);
	if (rc) {
		nids_err_print(prog, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
