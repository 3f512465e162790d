/* nids-roc: detection metrics of a scored, labeled stream as a table, JSON, curve or SVG. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/err.h"
#include "nids/io.h"
#include "nids/progress.h"
#include "nids/roc.h"
#include "nids/stream.h"
#include "nids/threshold.h"

static const char *prog = "nids-roc";
static const char usage[] =
	"usage: nids-roc [-q] [--progress] [--json | --curve roc|pr] [-p file | --threshold t]"
	" [--high | --low] [--score name] [--class name] [--vs-benign] [--svg file] [--bins n]"
	" [--density file] [-o output] [file ...]\n"
	"       nids-roc --multiclass [--truth class|label] [--json] [--svg file] [-o output]"
	" [file ...]\n"
	"Prints AUROC, AUPRC, best F1, the confusion matrix at a threshold and the detection\n"
	"rate of every class for a scored, labeled stream (memory: 8 bytes per row, 16 while\n"
	"sorting).\n"
	"  --json          print JSON instead of the table\n"
	"  --curve roc|pr  print the curve's points as TSV instead of the table\n"
	"  -p file         threshold file to evaluate at [default: the best-F1 threshold]\n"
	"  --threshold t   threshold to evaluate at\n"
	"  --score name    score column [default: the one with role score or score-low]\n"
	"  --high, --low   higher (lower) scores are more anomalous [default: the column's role]\n"
	"  --class name    evaluate the rows of this class against the benign rows alone\n"
	"  --vs-benign     also AUROC and AUPRC of each attack class against the benign rows\n"
	"  --svg file      also write ROC, PR and score-histogram plots as SVG ('-': to\n"
	"                  stdout, instead of the table)\n"
	"  --multiclass    the predicted classes (column 'pred', nids-score --predict) against\n"
	"                  the true ones: per-class precision, recall, F1, support, averages,\n"
	"                  accuracy and the confusion matrix (--svg: as a heatmap)\n"
	"  --truth class|label  the true class column [default: class, if the stream has one]\n"
	"  --bins n        histogram bins in the SVG [default: 60]\n"
	"  --density file  also write score densities (Gaussian KDE) of the benign rows and\n"
	"                  of each attack class as SVG\n"
	"  -o, --output F  write the table, JSON or curve to F (atomically) [default: stdout]\n"
	"  -q, --quiet     no warnings, no progress line on stderr\n"
	"  --progress      a progress line even when stderr is not a terminal\n"
	"Several inputs read as one stream, one after another.\n"
	"  -h, --help      this help;  -V, --version  the version\n"
	"see nids-roc(1)\n";

enum { OPT_JSON = 256, OPT_CURVE, OPT_THRESHOLD, OPT_HIGH, OPT_LOW, OPT_SCORE, OPT_SVG, OPT_BINS,
       OPT_CLASS, OPT_VS_BENIGN, OPT_DENSITY, OPT_MULTICLASS, OPT_TRUTH };

typedef struct opts {
	nids_roc_opts e;
	int bins;
	char **inputs; /* ninputs of them */
	int ninputs;
	nids_cli_talk talk;
} opts;

static void parse(int argc, char **argv, opts *a)
{
	static const struct option longs[] = {
		{ "bins", required_argument, 0, OPT_BINS },   { "class", required_argument, 0, OPT_CLASS },
		{ "curve", required_argument, 0, OPT_CURVE }, { "density", required_argument, 0, OPT_DENSITY },
		{ "help", no_argument, 0, 'h' },              { "high", no_argument, 0, OPT_HIGH },
		{ "json", no_argument, 0, OPT_JSON },         { "low", no_argument, 0, OPT_LOW },
		{ "multiclass", no_argument, 0, OPT_MULTICLASS }, { "truth", required_argument, 0, OPT_TRUTH },
		{ "output", required_argument, 0, 'o' },      { "progress", no_argument, 0, NIDS_CLI_PROGRESS },
		{ "quiet", no_argument, 0, 'q' },             { "score", required_argument, 0, OPT_SCORE },
		{ "svg", required_argument, 0, OPT_SVG },     { "threshold", required_argument, 0, OPT_THRESHOLD },
		{ "version", no_argument, 0, 'V' },           { "vs-benign", no_argument, 0, OPT_VS_BENIGN },
		{ 0, 0, 0, 0 }
	};
	nids_roc_opts *o = &a->e;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:p:qV", longs, NULL)) != -1) {
		switch (c) {
		case OPT_BINS: a->bins = (int)nids_cli_long_or_die(prog, usage, "--bins", optarg, 2, 1000); break;
		case OPT_CURVE: o->curve = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_MULTICLASS: o->multiclass = 1; break;
		case OPT_TRUTH: o->truth = optarg; break;
		case OPT_CLASS: o->cls = optarg; break;
		case OPT_DENSITY: o->density = optarg; break;
		case OPT_VS_BENIGN: o->vs_benign = 1; break;
		case OPT_HIGH: case OPT_LOW: nids_cli_direction(prog, usage, &o->direction, c == OPT_LOW); break;
		case OPT_SCORE: o->score = optarg; break;
		case OPT_SVG: o->svg = optarg; break;
		case OPT_THRESHOLD:
			o->threshold = nids_cli_double_or_die(prog, usage, "--threshold", optarg, -HUGE_VAL, HUGE_VAL);
			break;
		case 'p': o->params_file = optarg; break;
		case 'o': o->output = nids_cli_output(prog, usage, optarg); break;
		default: nids_cli_common(prog, usage, argv, c, &a->talk);
		}
	}
	nids_err err = { 0 };
	if (nids_roc_check(o, &err))
		nids_cli_usage_error(prog, usage, "%s", err.msg);
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	opts a = { .e = { .threshold = NAN, .direction = -1 }, .bins = 60 };
	const nids_roc_opts *o = &a.e;
	nids_err err = { 0 };
	parse(argc, argv, &a);
	nids_threshold t = { 0 };
	int rc = o->params_file ? nids_threshold_load(o->params_file, o->direction, &t, &err) : 0;
	if (rc == NIDS_EUSAGE)
		nids_cli_usage_error(prog, usage, "%s", err.msg);
	a.e.params = o->params_file ? &t : NULL;
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_progress *progress = NULL;
	nids_roc *res = NULL;
	char many[32], *label = NULL;
	if (!rc)
		rc = nids_cli_open_stream(prog, &a.talk, a.inputs, a.ninputs, &in, &r, &progress, &err);
	if (!rc && o->multiclass)
		rc = nids_roc_multiclass(r, nids_input_files(in) > 1 ? "several files" : nids_input_name(in), o, &err);
	else if (!rc)
		rc = nids_roc_evaluate(&res, r, nids_input_name(in), o, &err);
	nids_cli_progress_end(progress);
	if (!rc && res) { /* the reports name the input: the file, or how many */
		label = (char *)nids_cli_input_label(in, many, sizeof many);
		if (!a.talk.quiet && nids_roc_warning(res))
			fprintf(stderr, "%s: warning: %s: %s\n", prog, label, nids_roc_warning(res));
	}
	if (!rc && res)
		rc = nids_roc_save(res, o, label, a.bins, &err);
	if (!rc && !o->output)
		rc = nids_stdout_close(&err);
	nids_roc_free(res);
	nids_reader_free(r);
	nids_input_free(in);
	if (rc) {
		nids_err_print(prog, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
