/* nids-roc: detection metrics of a scored, labeled stream as a table, JSON, curve or SVG. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nids/cli.h"
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
       OPT_CLASS, OPT_VS_BENIGN, OPT_DENSITY };

typedef struct opts {
	nids_roc_opts e;
	int json, bins, report; /* enum nids_roc_report, -1 for none */
	const char *curve, *params, *svg, *output, *density;
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
		case OPT_CURVE:
			if (strcmp(optarg, "roc") != 0 && strcmp(optarg, "pr") != 0)
				nids_cli_usage_error(prog, usage, "option '--curve': '%s' is not roc or pr", optarg);
			a->curve = optarg;
			break;
		case OPT_JSON: a->json = 1; break;
		case OPT_CLASS: o->cls = optarg; break;
		case OPT_DENSITY: a->density = optarg; break;
		case OPT_VS_BENIGN: o->vs_benign = 1; break;
		case OPT_HIGH: case OPT_LOW: nids_cli_direction(prog, usage, &o->direction, c == OPT_LOW); break;
		case OPT_SCORE: o->score = optarg; break;
		case OPT_SVG: a->svg = optarg; break;
		case OPT_THRESHOLD:
			o->threshold = nids_cli_double_or_die(prog, usage, "--threshold", optarg, -HUGE_VAL, HUGE_VAL);
			break;
		case 'p': a->params = optarg; break;
		case 'o': a->output = optarg; break;
		default: nids_cli_common(prog, usage, argv, c, &a->talk);
		}
	}
	int svg_out = a->svg && strcmp(a->svg, "-") == 0;
	if (a->json && a->curve)
		nids_cli_usage_error(prog, usage, "give one of --json and --curve");
	if (svg_out && (a->json || a->curve))
		nids_cli_usage_error(prog, usage, "--svg - writes the picture to stdout; it cannot "
		                                  "share it with --%s", a->json ? "json" : "curve");
	if (a->params && !isnan(o->threshold))
		nids_cli_usage_error(prog, usage, "give one of -p and --threshold");
	if (svg_out && a->output)
		nids_cli_usage_error(prog, usage, "--svg - writes the picture to stdout; -o has "
		                                  "nothing to write");
	a->report = a->json ? NIDS_ROC_JSON : !a->curve ? (svg_out ? -1 : NIDS_ROC_TABLE)
	          : strcmp(a->curve, "roc") ? NIDS_ROC_CURVE_PR : NIDS_ROC_CURVE_ROC;
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	opts a = { .e = { .threshold = NAN, .direction = -1 }, .bins = 60 };
	nids_err err = { 0 };
	parse(argc, argv, &a);
	nids_threshold t = { 0 };
	int rc = a.params ? nids_threshold_load(a.params, a.e.direction, &t, &err) : 0;
	if (rc == NIDS_EUSAGE)
		nids_cli_usage_error(prog, usage, "%s", err.msg);
	a.e.params = a.params ? &t : NULL;
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_progress *progress = NULL;
	nids_roc *res = NULL;
	char many[32], *label = NULL;
	if (!rc)
		rc = nids_cli_open_stream(prog, &a.talk, a.inputs, a.ninputs, &in, &r, &progress, &err);
	rc = rc ? rc : nids_roc_evaluate(&res, r, nids_input_name(in), &a.e, &err);
	nids_cli_progress_end(progress);
	if (!rc) { /* the reports name the input: the file, or how many */
		label = (char *)nids_cli_input_label(in, many, sizeof many);
		if (!a.talk.quiet && nids_roc_warning(res))
			fprintf(stderr, "%s: warning: %s: %s\n", prog, label, nids_roc_warning(res));
	}
	if (!rc && a.svg)
		rc = nids_roc_save(res, NIDS_ROC_SVG, a.svg, label, a.bins, &err);
	if (!rc && a.density)
		rc = nids_roc_save(res, NIDS_ROC_DENSITY, a.density, label, a.bins, &err);
	if (!rc && a.report >= 0)
		rc = nids_roc_save(res, a.report, a.output, label, a.bins, &err);
	if (!rc && !a.output)
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
