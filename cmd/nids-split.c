/* nids-split: keep benign, attack or named-class rows; sample; balance; split train/val. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
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
	"[--fraction f] [--partition k/n [--key column]] [--since time] [--until time] "
	"[--records file] [--rows n [--attack-ratio r]] [--benign-rows n] [--attack-rows n] "
	"[--seed n] [-o output] "
	"[--val f --val-output file] [-z level] [file ...]\n"
	"      --benign        keep rows with label 0\n"
	"      --attacks       keep rows with a non-zero label\n"
	"      --class NAMES   keep rows of these classes (comma-separated class names)\n"
	"      --fraction F    keep each selected row with probability F [default: 1]\n"
	"      --partition K/N keep the rows whose key hashes to part K of N (1 <= K <= N)\n"
	"      --key NAME      the --partition key column [default: the first address]\n"
	"      --since T       keep rows whose time is T or later (ISO 8601 or epoch seconds)\n"
	"      --until T       keep rows whose time is before T\n"
	"      --records FILE  keep rows whose record number is listed in FILE (N or A-B a line)\n"
	"      --rows N        then keep exactly N rows, each N-subset equally likely\n"
	"      --attack-ratio R  with --rows: exactly round(N R) attack rows, the rest benign\n"
	"      --benign-rows N, --attack-rows N  exactly N rows of that label (the other\n"
	"                      label's rows all, unless given too); samples are held in memory\n"
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
	uint64_t rows, quota[2]; /* --rows; --benign-rows, --attack-rows */
	int by_label;            /* bit 0: --benign-rows given, bit 1: --attack-rows */
	double ratio;            /* --attack-ratio, NaN when not given */
	uint64_t *rec;           /* --records' ranges */
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
	if (o->has_time && o->time_from >= o->time_to)
		nids_cli_usage_error(PROG, USAGE, "--since must be before --until");
	if (o->sampling && o->balance)
		nids_cli_usage_error(PROG, USAGE, "--balance and exact-size sampling (--rows, "
		                     "--benign-rows, --attack-rows) exclude each other");
	if (a->rows && a->by_label)
		nids_cli_usage_error(PROG, USAGE, "give --rows [--attack-ratio] or --benign-rows and "
		                     "--attack-rows");
	if (!isnan(a->ratio) && !a->rows)
		nids_cli_usage_error(PROG, USAGE, "--attack-ratio goes with --rows");
	if (o->sampling && o->sample_by_label && o->keep)
		nids_cli_usage_error(PROG, USAGE, "--%s keeps one label; use --rows",
		                     o->keep == NIDS_SPLIT_BENIGN ? "benign" : "attacks");
}

/* The exact-size sampling's quotas from --rows, --attack-ratio, --benign-rows and
 * --attack-rows. */
static void set_quotas(args *a)
{
	nids_split_opts *o = &a->o;
	if (a->rows && isnan(a->ratio)) {
		o->sampling = 1, o->sample[0] = a->rows;
	} else if (a->rows) {
		double k = nearbyint((double)a->rows * a->ratio);
		o->sampling = o->sample_by_label = 1;
		o->sample[1] = (uint64_t)k, o->sample[0] = a->rows - (uint64_t)k;
	} else if (a->by_label) {
		o->sampling = o->sample_by_label = 1;
		o->sample[0] = a->by_label & 1 ? a->quota[0] : UINT64_MAX;
		o->sample[1] = a->by_label & 2 ? a->quota[1] : UINT64_MAX;
	}
}

/* --since/--until T: ISO 8601 (what nids-cat prints) or seconds since the epoch. */
static int64_t parse_time(const char *opt, const char *arg)
{
	int64_t us;
	if (nids_time_parse(arg, strlen(arg), &us))
		nids_cli_usage_error(PROG, USAGE, "option '%s': '%s' is not a time (ISO 8601 "
		                     "such as 2016-07-27T13:43:21Z, or seconds since the epoch)",
		                     opt, arg);
	return us;
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
	       OPT_VAL_OUTPUT, OPT_CLASS, OPT_PROGRESS, OPT_KEY, OPT_PARTITION, OPT_SINCE,
	       OPT_UNTIL, OPT_RECORDS, OPT_ROWS, OPT_RATIO, OPT_BENIGN_ROWS, OPT_ATTACK_ROWS };
	static const struct option longs[] = {
		{ "attack-ratio", required_argument, NULL, OPT_RATIO },
		{ "attack-rows", required_argument, NULL, OPT_ATTACK_ROWS },
		{ "attacks", no_argument, NULL, OPT_ATTACKS },
		{ "benign-rows", required_argument, NULL, OPT_BENIGN_ROWS },
		{ "records", required_argument, NULL, OPT_RECORDS },
		{ "rows", required_argument, NULL, OPT_ROWS },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
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
	o->time_from = INT64_MIN, o->time_to = INT64_MAX;
	a->ratio = NAN;
	const char *records = NULL;
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
		case OPT_SINCE: o->has_time = 1, o->time_from = parse_time("--since", optarg); break;
		case OPT_UNTIL: o->has_time = 1, o->time_to = parse_time("--until", optarg); break;
		case OPT_RECORDS: records = optarg; break;
		case OPT_ROWS:
			a->rows = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--rows", optarg, 1,
			                                         LONG_MAX);
			break;
		case OPT_RATIO:
			a->ratio = nids_cli_double_or_die(PROG, USAGE, "--attack-ratio", optarg, 0, 1);
			break;
		case OPT_BENIGN_ROWS:
		case OPT_ATTACK_ROWS: {
			int g = c == OPT_ATTACK_ROWS;
			a->quota[g] = (uint64_t)nids_cli_long_or_die(
			        PROG, USAGE, g ? "--attack-rows" : "--benign-rows", optarg, 0, LONG_MAX);
			a->by_label |= 1 << g;
			break;
		}
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
	set_quotas(a);
	check_args(a);
	if (records) {
		nids_err err = { 0 };
		if (nids_split_records_read(records, &a->rec, &o->nrec, &err)) {
			nids_err_print(PROG, &err);
			exit(nids_err_exit_code(&err));
		}
		o->rec = a->rec;
	}
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
	free(a.rec);
	if (rc) {
		nids_err_print(PROG, &err);
		nids_output_abort(out[0]);
		nids_output_abort(out[1]);
		return nids_err_exit_code(&err);
	}
	return 0;
}
