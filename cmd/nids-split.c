/* nids-split: keep benign, attack or named-class rows; sample; balance; split train/val. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/err.h"
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
	"      --balance       downsample the majority label to the minority's count (spools\n"
	"                      the kept rows to a temporary file; not with --*rows)\n"
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

/* What the command line asked for. */
typedef struct args {
	nids_split_opts o;
	nids_split_args s;
	char *classes[MAX_CLASSES];
	nids_cli_talk talk;
	char **inputs;
	int ninputs;
} args;

static void parse_args(int argc, char **argv, args *a)
{
	enum { OPT_ATTACKS = 256, OPT_BALANCE, OPT_BENIGN, OPT_FRACTION, OPT_SEED, OPT_VAL,
	       OPT_VAL_OUTPUT, OPT_CLASS, OPT_KEY, OPT_PARTITION, OPT_SINCE, OPT_UNTIL, OPT_RECORDS,
	       OPT_ROWS, OPT_RATIO, OPT_BENIGN_ROWS, OPT_ATTACK_ROWS };
	static const struct option longs[] = {
		{ "attack-ratio", required_argument, NULL, OPT_RATIO }, { "attacks", no_argument, NULL, OPT_ATTACKS },
		{ "attack-rows", required_argument, NULL, OPT_ATTACK_ROWS }, { "balance", no_argument, NULL, OPT_BALANCE },
		{ "benign-rows", required_argument, NULL, OPT_BENIGN_ROWS }, { "benign", no_argument, NULL, OPT_BENIGN },
		{ "records", required_argument, NULL, OPT_RECORDS }, { "rows", required_argument, NULL, OPT_ROWS },
		{ "since", required_argument, NULL, OPT_SINCE }, { "until", required_argument, NULL, OPT_UNTIL },
		{ "class", required_argument, NULL, OPT_CLASS }, { "zstd", required_argument, NULL, 'z' },
		{ "fraction", required_argument, NULL, OPT_FRACTION }, { "key", required_argument, NULL, OPT_KEY },
		{ "partition", required_argument, NULL, OPT_PARTITION }, { "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },     { "progress", no_argument, NULL, NIDS_CLI_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },            { "seed", required_argument, NULL, OPT_SEED },
		{ "val", required_argument, NULL, OPT_VAL },    { "val-output", required_argument, NULL, OPT_VAL_OUTPUT },
		{ "verbose", no_argument, NULL, 'v' },          { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	nids_split_opts *o = &a->o;
	nids_split_args *s = &a->s;
	int c;
	o->fraction = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:qvVz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_ATTACKS: case OPT_BENIGN:
			if (o->keep)
				nids_cli_usage_error(PROG, USAGE, "give one of --benign and --attacks");
			o->keep = c == OPT_BENIGN ? NIDS_SPLIT_BENIGN : NIDS_SPLIT_ATTACKS;
			break;
		case OPT_BALANCE: o->balance = 1; break;
		case OPT_CLASS:
			o->classes = a->classes;
			o->nclasses = nids_cli_split_list(optarg, a->classes, MAX_CLASSES);
			break;
		case OPT_FRACTION: o->fraction = nids_cli_double_or_die(PROG, USAGE, "--fraction", optarg, 0, 1); break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_SINCE: s->since = optarg; break;
		case OPT_UNTIL: s->until = optarg; break;
		case OPT_RECORDS: s->records = optarg; break;
		case OPT_ROWS: s->rows = optarg; break;
		case OPT_RATIO: s->ratio = optarg; break;
		case OPT_BENIGN_ROWS: case OPT_ATTACK_ROWS: s->quota[c == OPT_ATTACK_ROWS] = optarg; break;
		case OPT_PARTITION: s->partition = optarg; break;
		case 'o': s->out[0] = nids_cli_output(PROG, USAGE, optarg); break;
		case OPT_SEED: o->seed = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--seed", optarg, 0, LONG_MAX); break;
		case OPT_VAL: o->val = nids_cli_double_or_die(PROG, USAGE, "--val", optarg, 0, 1); break;
		case OPT_VAL_OUTPUT: s->out[1] = optarg; break;
		case 'z': o->level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		default: nids_cli_common(PROG, USAGE, argv, c, &a->talk);
		}
	}
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	args a = { 0 };
	parse_args(argc, argv, &a);
	const char *const *paths = a.s.out;
	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_split_counts counts = { 0 };
	nids_progress *progress = NULL;
	uint64_t *rec = NULL;
	int rc = nids_split_args_apply(&a.o, &a.s, &rec, &err);
	if (rc == NIDS_EUSAGE)
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
	if (!rc)
		rc = nids_cli_open_stream(PROG, &a.talk, a.inputs, a.ninputs, &in, &r, &progress, &err);
	if (!rc)
		rc = nids_split_to_files(&a.o, r, nids_input_name(in), paths, &counts, &err);
	nids_cli_progress_end(progress);
	nids_reader_free(r);
	char many[32]; /* counts only once the outputs are safely written */
	if (!rc && nids_cli_counts(&a.talk))
		nids_split_report(stderr, PROG, &counts, nids_cli_input_label(in, many, sizeof many), paths, paths[1] ? 2 : 1);
	nids_split_counts_free(&counts);
	nids_input_free(in);
	free(rec);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
