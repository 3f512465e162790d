/* nids-window: GEE's per-source tumbling-window features from a flow stream. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/err.h"
#include "nids/feat.h"
#include "nids/io.h"
#include "nids/progress.h"
#include "nids/stream.h"
#include "nids/window.h"

static const char *PROG = "nids-window";
static const char *USAGE =
	"usage: nids-window [-qv] [--progress] [--by src | dst] [-f format] [--lateness seconds] "
	"[--min-flows n] [--mixed] [--window seconds] [-o output] [-z level] [file ...]\n"
	"      --by src|dst      group by source or destination address [default: src]\n"
	"  -f, --format F        the inputs are CSV flow records in nids-featurize's format F\n"
	"                        (ugr16, nfdump, netflow, cic; auto to detect), featurized\n"
	"                        here: the rows of nids-featurize -f F | nids-window\n"
	"      --window S        tumbling windows of S seconds on the flow time [default: 180]\n"
	"      --lateness S      keep a window open S seconds past its end for out-of-order\n"
	"                        flows; later ones are counted and dropped [default: 60]\n"
	"      --min-flows N     drop groups of fewer than N flows [default: 10]\n"
	"      --mixed           keep groups where no class has more than half the flows, as\n"
	"                        class 'mixed' [default: drop them]\n"
	"  -o, --output F        write the stream to F [default: stdout]\n"
	"  -q, --quiet           no counts, warnings or progress on stderr\n"
	"  -v, --verbose         counts on stderr even when it is not a terminal\n"
	"      --progress        a progress line on stderr even when it is not a terminal\n"
	"  -z, --zstd LEVEL      zstd-compress the stream's blocks at LEVEL (1-19) [default: 0]\n"
	"  -h, --help            this text;  -V, --version  the version\n"
	"Each row: 69 features, label and class (by majority), window start and address.\n"
	"see nids-window(1)\n";

typedef struct args {
	nids_window_opts o;
	const char *format; /* CSV inputs featurized here, or NULL for a stream */
	nids_feat_opts fo;
	const char *out_path;
	char **inputs;
	int ninputs;
	nids_cli_talk talk;
} args;

static int64_t seconds_us(const char *opt, const char *s, double lo)
{
	double v = nids_cli_double_or_die(PROG, USAGE, opt, s, lo, 1e9);
	return (int64_t)llround(v * 1e6);
}

static void parse_args(int argc, char **argv, args *a)
{
	enum { OPT_BY = 256, OPT_LATENESS, OPT_MIN_FLOWS, OPT_MIXED, OPT_WINDOW };
	static const struct option longs[] = {
		{ "by", required_argument, NULL, OPT_BY },      { "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ "lateness", required_argument, NULL, OPT_LATENESS },
		{ "min-flows", required_argument, NULL, OPT_MIN_FLOWS },
		{ "mixed", no_argument, NULL, OPT_MIXED },      { "output", required_argument, NULL, 'o' },
		{ "progress", no_argument, NULL, NIDS_CLI_PROGRESS }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },          { "version", no_argument, NULL, 'V' },
		{ "window", required_argument, NULL, OPT_WINDOW }, { "zstd", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	nids_window_opts *o = &a->o;
	*o = (nids_window_opts){ .window_us = 180000000, .lateness_us = 60000000, .min_flows = 10 };
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:ho:qvVz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_BY:
			if (strcmp(optarg, "src") && strcmp(optarg, "dst"))
				nids_cli_usage_error(PROG, USAGE,
				                     "option '--by': '%s' is not src or dst", optarg);
			o->by = strcmp(optarg, "src") ? NIDS_WINDOW_BY_DST : NIDS_WINDOW_BY_SRC;
			break;
		case OPT_LATENESS: o->lateness_us = seconds_us("--lateness", optarg, 0); break;
		case OPT_MIN_FLOWS:
			o->min_flows = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--min-flows",
			                                              optarg, 1, 1L << 40);
			break;
		case OPT_MIXED: o->keep_mixed = 1; break;
		case OPT_WINDOW: o->window_us = seconds_us("--window", optarg, 1e-6); break;
		case 'f': a->format = optarg; break;
		case 'o': a->out_path = nids_cli_output(PROG, USAGE, optarg); break;
		case 'z': o->level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		default: nids_cli_common(PROG, USAGE, argv, c, &a->talk);
		}
	}
	nids_feat_opts_init(&a->fo);
	if (a->format) /* "auto": detected, as nids-featurize does without -f */
		nids_cli_check_format(PROG, USAGE, a->format, 1);
	a->fo.format = a->format && strcmp(a->format, "auto") ? a->format : NULL;
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	args a = { 0 };
	parse_args(argc, argv, &a);
	nids_window_counts counts = { 0 };
	nids_output *out = NULL;
	nids_err err = { 0 };
	nids_input *in = NULL, **csv = NULL;
	nids_reader *r = NULL;
	nids_progress *progress = NULL;
	int ncsv = a.ninputs ? a.ninputs : 1, rc;
	if (a.format)
		rc = nids_cli_open_inputs(PROG, &a.talk, a.inputs, a.ninputs, &csv, &progress, &err);
	else
		rc = nids_cli_open_stream(PROG, &a.talk, a.inputs, a.ninputs, &in, &r, &progress, &err);
	char label[32];
	const char *name = rc ? "-" : nids_cli_inputs_label(a.format ? csv : &in, ncsv, label);
	nids_feat_stats st = { 0 };
	if (!rc)
		rc = nids_output_open(&out, a.out_path, 1, &err);
	if (!rc && a.format)
		rc = nids_window_run_csv(&a.o, &a.fo, csv, ncsv, name, nids_output_file(out),
		                         nids_output_name(out), &counts, &st, &err);
	else if (!rc)
		rc = nids_window_run(&a.o, r, nids_input_name(in), nids_output_file(out),
		                     nids_output_name(out), &counts, &err);
	nids_cli_progress_end(progress);
	nids_reader_free(r);
	if (!rc) {
		rc = nids_output_commit(out, &err);
		out = NULL;
	}
	if (!rc && (!a.out_path || !strcmp(a.out_path, "-")))
		rc = nids_stdout_close(&err);
	if (!rc && st.note[0]) /* a warning, as nids-featurize says it */
		fprintf(stderr, "%s: %s: %s\n", PROG, name, st.note);
	if (!rc)
		nids_window_report(stderr, PROG, name, &counts, &a.o, nids_cli_counts(&a.talk),
		                   !a.talk.quiet);
	nids_input_free(in);
	nids_cli_inputs_free(csv, a.ninputs);
	nids_output_abort(out);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
