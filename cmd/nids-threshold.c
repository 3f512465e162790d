/* nids-threshold: fit an alarm threshold to a scored stream, or apply one. */
#include <getopt.h>
#include <stdio.h>

#include "nids/cli.h"
#include "nids/err.h"
#include "nids/format.h"
#include "nids/io.h"
#include "nids/progress.h"
#include "nids/stream.h"
#include "nids/threshold.h"

static const char *prog = "nids-threshold";
static const char usage[] =
	"usage: nids-threshold [-p file | --value v | --alpha a | --percentile p | --sigma k |"
	" --rate r | --best-f1] [-eqv] [--apply] [--progress] [-z level] [--alarms-only] [--high | --low]"
	" [--score name] [-m model] [-o file] [file ...]\n"
	"Fits an alarm threshold to a scored stream (prints it; -o writes a threshold file,\n"
	"-m stores it in the model file), or applies one (appends an 'alarm' column, writes\n"
	"the stream to stdout or -o).\n"	"  --percentile p  fit: p-th percentile of the benign scores (all rows if unlabeled)\n"
	"  --sigma k       fit: benign mean + k sd (mean - k sd for --low scores)\n"
	"  --rate r        fit: flag the top fraction r of all rows\n"
	"  --best-f1       fit: the threshold with the highest F1 (needs labels)\n"
	"  --value v       apply v; with -o (and no --apply), write a threshold file holding v\n"
	"  --alpha a       the rule p < a on a probability p, on a -log p column (-ln a)\n"
	"                  or a log p column (--low or role score-low: ln a); as --value\n"
	"  -p file         apply the threshold file\n"
	"  --apply         apply (-p, --value): -o names the output stream\n"
	"  -e, --exit-status  apply: exit 0 if a row alarmed, 3 if none (1 error, 2 usage)\n"
	"  --alarms-only   apply: keep only alarm rows, without an alarm column\n"
	"  -z, --zstd level   apply: zstd-compress the output blocks at 1-19 [default: none]\n"
	"  --score name    score column [default: the one with role score or score-low]\n"
	"  --high, --low   higher (lower) scores are more anomalous [default: the column's role]\n"
	"  -o file         fit: write the threshold file; apply: write the stream to file\n"
	"  -q, --quiet     no counts, no progress on stderr\n"
	"  -v, --verbose   apply: rows and alarms on stderr even when it is not a terminal\n"
	"  --progress      a progress line on stderr even when it is not a terminal\n"
	"  -m model        store the threshold in the model file, which then alarms by itself\n"
	"                  (nids-score --alarms; fit mode)\n"	"  -h, --help      this help;  -V, --version  the version\n"
	"see nids-threshold(1)\n";

/* the rules first, in the order of enum nids_fit_rule */
enum { OPT_PERCENTILE = 256, OPT_SIGMA, OPT_RATE, OPT_BEST_F1, OPT_VALUE, OPT_ALARMS_ONLY,
       OPT_HIGH, OPT_LOW, OPT_SCORE, OPT_APPLY, OPT_ALPHA };

typedef struct opts {
	nids_threshold_opts t;
	nids_cli_talk talk;
	char **inputs;
	int ninputs;
} opts;

static void parse(int argc, char **argv, opts *a)
{
	nids_threshold_opts *o = &a->t;
	static const struct option longs[] = {
		{ "alarms-only", no_argument, 0, OPT_ALARMS_ONLY }, { "apply", no_argument, 0, OPT_APPLY },
		{ "alpha", required_argument, 0, OPT_ALPHA },
		{ "best-f1", no_argument, 0, OPT_BEST_F1 },   { "exit-status", no_argument, 0, 'e' },
		{ "help", no_argument, 0, 'h' },              { "high", no_argument, 0, OPT_HIGH },
		{ "low", no_argument, 0, OPT_LOW },           { "model", required_argument, 0, 'm' },
		{ "output", required_argument, 0, 'o' }, { "percentile", required_argument, 0, OPT_PERCENTILE },
		{ "progress", no_argument, 0, NIDS_CLI_PROGRESS }, { "quiet", no_argument, 0, 'q' },
		{ "rate", required_argument, 0, OPT_RATE },   { "score", required_argument, 0, OPT_SCORE },
		{ "sigma", required_argument, 0, OPT_SIGMA }, { "value", required_argument, 0, OPT_VALUE },
		{ "verbose", no_argument, 0, 'v' },           { "version", no_argument, 0, 'V' },
		{ "zstd", required_argument, 0, 'z' },        { 0, 0, 0, 0 }
	};
	nids_err err = { 0 };
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ehVm:o:p:qvz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_PERCENTILE: case OPT_SIGMA: case OPT_RATE: case OPT_BEST_F1: case OPT_VALUE:
		case OPT_ALPHA: /* one rule (the check counts them), its parameter as given */
			o->rule = c == OPT_ALPHA ? NIDS_FIT_VALUE : c - OPT_PERCENTILE + NIDS_FIT_PERCENTILE;
			o->arg = optarg, o->by_alpha = c == OPT_ALPHA, o->nrules++;
			break;
		case 'p': o->params = optarg, o->nrules++; break;
		case OPT_ALARMS_ONLY: o->alarms_only = 1; break;
		case OPT_APPLY: o->apply = 1; break;
		case 'e': o->exit_status = 1; break;
		case OPT_HIGH: case OPT_LOW: nids_cli_direction(prog, usage, &o->direction, c == OPT_LOW); break;
		case OPT_SCORE: o->score = optarg; break;
		case 'o': o->out = nids_cli_output(prog, usage, optarg); break;
		case 'm': o->model = optarg; break;
		case 'z': o->level = (int)nids_cli_long_or_die(prog, usage, "-z", optarg, 1, 19); break;
		default: nids_cli_common(prog, usage, argv, c, &a->talk);
		}
	}
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
	if (nids_threshold_opts_check(o, optind < argc, &err))
		nids_cli_usage_error(prog, usage, "%s", err.msg);
}

int main(int argc, char **argv)
{
	opts a = { .t = { .rule = -1, .direction = -1 } };
	nids_err err = { 0 };
	parse(argc, argv, &a);
	const nids_threshold_opts o = a.t;
	nids_threshold t = { .value = o.param, .direction = o.direction };
	int rc = o.params ? nids_threshold_load(o.params, o.direction, &t, &err) : 0;
	if (rc == NIDS_EUSAGE)
		nids_cli_usage_error(prog, usage, "%s", err.msg);
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	nids_progress *progress = NULL;
	nids_model *model = NULL; /* -m's, read once for the check and the store */
	unsigned long long alarms = 0;
	char num[32], warn[1024];
	if (!rc && o.rule == NIDS_FIT_VALUE && !o.apply) /* a threshold file holding --value */
		nids_threshold_set_value(&t, &o);
	else if (!rc)
		rc = nids_cli_open_stream(prog, &a.talk, a.inputs, a.ninputs, &in, &r, &progress, &err);
	if (!rc && r && !o.params && !a.talk.quiet &&
	    nids_threshold_side_warning(nids_reader_header(r), &o, warn, sizeof warn))
		fprintf(stderr, "%s: warning: %s\n", prog, warn);
	if (!rc && r && o.model && !(rc = nids_threshold_model_check(o.model, &model, nids_reader_header(r),
	    nids_input_name(in), warn, sizeof warn, &err)) && warn[0] && !a.talk.quiet)
		fprintf(stderr, "%s: warning: %s\n", prog, warn);
	if (!rc && r && !o.apply)
		rc = nids_threshold_fit_stream(r, nids_input_name(in), o.score, o.direction, o.rule,
		                               o.param, &t, &err);
	if (!rc && o.apply && !(rc = nids_output_open(&out, o.out, 1, &err)) &&
	    !(rc = nids_threshold_apply_stream(r, nids_input_name(in), &t, &o, nids_output_file(out),
	                                       nids_output_name(out), &alarms, &err))) {
		rc = nids_output_commit(out, &err);
		out = NULL;
	}
	nids_cli_progress_end(progress);
	if (!rc && o.apply && nids_cli_counts(&a.talk))
		fprintf(stderr, "%s: %llu rows, %llu alarms\n", prog, (unsigned long long)nids_reader_rows(r), alarms);
	if (!rc && !o.apply && !(rc = nids_threshold_save(o.out, model, o.model, &t, &err))) {
		printf("%s\n", nids_format_double(num, t.value));
		rc = nids_stdout_close(&err);
	}
	nids_output_abort(out);
	nids_model_free(model);
	nids_reader_free(r);
	nids_input_free(in);
	if (rc) {
		nids_err_print(prog, &err);
		return nids_err_exit_code(&err);
	}
	return nids_cli_alarm_status(o.exit_status, alarms);
}
