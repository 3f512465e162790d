/* nids-split: keep benign, attack or named-class rows; sample; balance; split train/val. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nids/cli.h"
#include "nids/io.h"
#include "nids/progress.h"
#include "nids/split.h"
#include "nids/stream.h"

static const char *PROG = "nids-split";
static const char *USAGE =
	"usage: nids-split [-qv] [--progress] [--attacks | --benign] [--balance] [--class names] "
	"[--fraction f] [--partition k/n [--key column]] [--seed n] [-o output] "
	"[--val f --val-output file] [-z level] [file ...]\n"
	"      --benign        keep rows with label 0\n"
	"      --attacks       keep rows with a non-zero label\n"
	"      --class NAMES   keep rows of these classes (comma-separated class names)\n"
	"      --fraction F    keep each selected row with probability F [default: 1]\n"
	"      --partition K/N keep the rows whose key hashes to part K of N (1 <= K <= N)\n"
	"      --key NAME      the --partition key column [default: the first address]\n"
	"      --balance       downsample the majority label to the minority's count\n"
	"                      (spools the kept rows to a temporary file)\n"
	"      --val F         send each kept row to the validation output with probability F\n"
	"      --val-output F  the validation output (needed with --val)\n"
	"  -o, --output F      the (train) output [default: stdout]\n"
	"      --seed N        seed of every random choice [default: 0]\n"
	"  -q, --quiet         no counts or progress on stderr\n"
	"  -v, --verbose       counts on stderr even when it is not a terminal\n"
	"      --progress      a progress line on stderr even when it is not a terminal\n"
	"  -z, --zstd LEVEL    zstd-compress the streams' blocks at LEVEL (1-19) [default: 0]\n"
	"  -h, --help          this text;  -V, --version  the version\n"
	"Several input files read as one stream, one after another.\n"
	"see nids-split(1)\n";

#define MAX_CLASSES 256

static int is_stdout(const char *path) { return !path || strcmp(path, "-") == 0; }

static void report(const nids_split_counts *c, const char *in_name, const char *paths[2],
                   int nout)
{
	uint64_t kept = c->out[0] + c->out[1];
	fprintf(stderr, "%s: %s: %" PRIu64 " rows read, %" PRIu64 " kept\n", PROG, in_name, c->in,
	        kept);
	for (int k = 0; k < nout; k++) {
		fprintf(stderr, "%s: %s: %" PRIu64 " rows", PROG,
		        is_stdout(paths[k]) ? "-" : paths[k], c->out[k]);
		const char *sep = " (";
		for (int g = 0; g < c->ngroups; g++) {
			if (!c->by_group[k][g])
				continue;
			fprintf(stderr, "%s%s %" PRIu64, sep, c->groups ? c->groups[g] : "?",
			        c->by_group[k][g]);
			sep = ", ";
		}
		fputs(sep[0] == ',' ? ")\n" : "\n", stderr);
	}
}

/* What the command line asked for. */
typedef struct args {
	nids_split_opts o;
	char *classes[MAX_CLASSES];
	const char *paths[2]; /* train (NULL = stdout), validation */
	nids_cli_talk talk;
	char **inputs;
	int ninputs;
} args;

/* Checks the combinations getopt cannot. */
static void check_args(args *a)
{
	const nids_split_opts *o = &a->o;
	if (o->fraction <= 0)
		nids_cli_usage_error(PROG, USAGE, "--fraction must be above 0");
	if ((o->val > 0) != (a->paths[1] != NULL))
		nids_cli_usage_error(PROG, USAGE, "--val F and --val-output file go together (F above 0)");
	if (o->balance && o->keep)
		nids_cli_usage_error(PROG, USAGE, "--balance needs both labels; drop --%s",
		                     o->keep == NIDS_SPLIT_BENIGN ? "benign" : "attacks");
	for (int k = 0; k < o->nclasses; k++)
		if (!a->classes[k][0])
			nids_cli_usage_error(PROG, USAGE, "option '--class': empty class name");
	const char *t = a->paths[0], *v = a->paths[1];
	if (v && (is_stdout(v) ? is_stdout(t) : t && strcmp(t, v) == 0))
		nids_cli_usage_error(PROG, USAGE, "the train and validation outputs must differ");
	if (o->key && !o->part_n)
		nids_cli_usage_error(PROG, USAGE, "--key goes with --partition");
}

/* --partition K/N, 1 <= K <= N <= 65536 */
static void parse_partition(nids_split_opts *o, const char *arg)
{
	char buf[64];
	const char *slash = strchr(arg, '/');
	long k, n;
	if (!slash || (size_t)(slash - arg) >= sizeof buf)
		nids_cli_usage_error(PROG, USAGE, "option '--partition': '%s' is not K/N", arg);
	memcpy(buf, arg, (size_t)(slash - arg));
	buf[slash - arg] = 0;
	if (nids_cli_parse_long(slash + 1, 1, 65536, &n) || nids_cli_parse_long(buf, 1, n, &k))
		nids_cli_usage_error(PROG, USAGE, "option '--partition': '%s' is not K/N with "
		                     "1 <= K <= N <= 65536", arg);
	o->part_k = (int)k, o->part_n = (int)n;
}

static void parse_args(int argc, char **argv, args *a)
{
	enum { OPT_ATTACKS = 256, OPT_BALANCE, OPT_BENIGN, OPT_FRACTION, OPT_SEED, OPT_VAL,
	       OPT_VAL_OUTPUT, OPT_CLASS, OPT_PROGRESS, OPT_KEY, OPT_PARTITION };
	static const struct option longs[] = {
		{ "attacks", no_argument, NULL, OPT_ATTACKS },
		{ "balance", no_argument, NULL, OPT_BALANCE },
		{ "benign", no_argument, NULL, OPT_BENIGN },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "zstd", required_argument, NULL, 'z' },
		{ "fraction", required_argument, NULL, OPT_FRACTION },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "partition", required_argument, NULL, OPT_PARTITION },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "val", required_argument, NULL, OPT_VAL },
		{ "val-output", required_argument, NULL, OPT_VAL_OUTPUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	nids_split_opts *o = &a->o;
	int c;
	o->fraction = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:qvVz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_ATTACKS:
		case OPT_BENIGN:
			if (o->keep)
				nids_cli_usage_error(PROG, USAGE,
				                     "give one of --benign and --attacks");
			o->keep = c == OPT_BENIGN ? NIDS_SPLIT_BENIGN : NIDS_SPLIT_ATTACKS;
			break;
		case OPT_BALANCE: o->balance = 1; break;
		case OPT_CLASS:
			o->classes = a->classes;
			o->nclasses = nids_cli_split_list(optarg, a->classes, MAX_CLASSES);
			break;
		case OPT_FRACTION:
			o->fraction =
			        nids_cli_double_or_die(PROG, USAGE, "--fraction", optarg, 0, 1);
			break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_PARTITION: parse_partition(o, optarg); break;
		case 'h': nids_cli_help(USAGE);
		case 'o': a->paths[0] = optarg; break;
		case 'q': a->talk.quiet = 1, a->talk.verbose = 0; break;
		case OPT_PROGRESS: a->talk.progress = 1; break;
		case OPT_SEED:
			o->seed = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--seed", optarg, 0,
			                                         LONG_MAX);
			break;
		case OPT_VAL:
			o->val = nids_cli_double_or_die(PROG, USAGE, "--val", optarg, 0, 1);
			break;
		case OPT_VAL_OUTPUT: a->paths[1] = optarg; break;
		case 'v': a->talk.verbose = 1, a->talk.quiet = 0; break;
		case 'V': nids_cli_version(PROG);
		case 'z':
			o->level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19);
			break;
		default: nids_cli_bad_option(PROG, USAGE, argv, c);
		}
	}
	check_args(a);
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	args a = { 0 };
	parse_args(argc, argv, &a);
	const char **paths = a.paths;
	int nout = paths[1] ? 2 : 1;

	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out[2] = { NULL, NULL };
	nids_split_counts counts = { 0 };
	nids_progress *progress = NULL;
	int rc = nids_input_open_files(&in, (const char *const *)a.inputs, a.ninputs, 0, &err);
	if (!rc)
		rc = nids_reader_open(&r, in, &err);
	if (!rc)
		progress = nids_cli_progress(PROG, &a.talk, in, r);
	for (int k = 0; k < nout && !rc; k++)
		rc = nids_output_open(&out[k], paths[k], 1, &err);
	const char *names[2] = { NULL, NULL };
	FILE *files[2] = { NULL, NULL };
	for (int k = 0; k < nout && !rc; k++) {
		files[k] = nids_output_file(out[k]);
		names[k] = nids_output_name(out[k]);
	}
	if (!rc)
		rc = nids_split_run(&a.o, r, nids_input_name(in), files, names, &counts, &err);
	nids_cli_progress_end(progress);
	nids_reader_free(r);
	/* commit in order; if the second fails, take the first back when it is a file */
	for (int k = 0; k < nout && !rc; k++) {
		rc = nids_output_commit(out[k], &err);
		out[k] = NULL;
		if (rc && k == 1 && !is_stdout(paths[0]))
			nids_output_take_back(paths[0]);
	}
	if (!rc && (is_stdout(paths[0]) || (paths[1] && is_stdout(paths[1]))))
		rc = nids_stdout_close(&err);
	/* counts only once the outputs are safely written */
	if (!rc && nids_cli_counts(&a.talk)) {
		char many[32];
		snprintf(many, sizeof many, "%d files", in ? nids_input_files(in) : 0);
		report(&counts, in && nids_input_files(in) > 1 ? many : nids_input_name(in), paths,
		       nout);
	}
	nids_split_counts_free(&counts);
	nids_input_free(in);
	if (rc) {
		nids_err_print(PROG, &err);
		nids_output_abort(out[0]);
		nids_output_abort(out[1]);
		return nids_err_exit_code(&err);
	}
	return 0;
}
