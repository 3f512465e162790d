/* nids-roc: detection metrics of a scored, labeled stream, as a table, JSON, curve
 * points or an SVG picture. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/io.h"
#include "nids/metrics_class.h"
#include "nids/metrics_multi.h"
#include "nids/progress.h"
#include "nids/scored.h"
#include "nids/stream.h"
#include "nids/svg_density.h"
#include "nids/svg_plot.h"
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
       OPT_PROGRESS, OPT_CLASS, OPT_VS_BENIGN, OPT_DENSITY, OPT_MULTICLASS, OPT_TRUTH };

typedef struct opts {
	int json;
	const char *curve, *params, *score, *svg, *output, *cls, *density;
	int vs_benign, multiclass;
	const char *truth;
	char **inputs;
	int ninputs;
	nids_cli_talk talk;
	double threshold; /* NaN unless --threshold */
	int direction, bins;
} opts;

typedef struct result {
	const char *name; /* input name */
	const nids_header *h;
	int score_col;
	nids_eval *e;
	double auroc, auprc, best_f1, best_t, at;
	const char *at_source; /* "best F1", "--threshold" or the file's method */
	nids_confusion c;
	nids_class_count *per_class;
	int vs_benign;
} result;

static void parse(int argc, char **argv, opts *o)
{
	static const struct option longs[] = {
		{ "bins", required_argument, 0, OPT_BINS },
		{ "class", required_argument, 0, OPT_CLASS },
		{ "curve", required_argument, 0, OPT_CURVE },
		{ "density", required_argument, 0, OPT_DENSITY },
		{ "help", no_argument, 0, 'h' },
		{ "high", no_argument, 0, OPT_HIGH },
		{ "json", no_argument, 0, OPT_JSON },
		{ "low", no_argument, 0, OPT_LOW },
		{ "multiclass", no_argument, 0, OPT_MULTICLASS },
		{ "output", required_argument, 0, 'o' },
		{ "progress", no_argument, 0, OPT_PROGRESS },
		{ "quiet", no_argument, 0, 'q' },
		{ "score", required_argument, 0, OPT_SCORE },
		{ "svg", required_argument, 0, OPT_SVG },
		{ "threshold", required_argument, 0, OPT_THRESHOLD },
		{ "truth", required_argument, 0, OPT_TRUTH },
		{ "version", no_argument, 0, 'V' },
		{ "vs-benign", no_argument, 0, OPT_VS_BENIGN },
		{ 0, 0, 0, 0 }
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:p:qV", longs, NULL)) != -1) {
		switch (c) {
		case OPT_BINS:
			o->bins = (int)nids_cli_long_or_die(prog, usage, "--bins", optarg, 2, 1000);
			break;
		case OPT_CURVE:
			if (strcmp(optarg, "roc") != 0 && strcmp(optarg, "pr") != 0)
				nids_cli_usage_error(prog, usage,
				                     "option '--curve': '%s' is not roc or pr",
				                     optarg);
			o->curve = optarg;
			break;
		case OPT_JSON: o->json = 1; break;
		case OPT_CLASS: o->cls = optarg; break;
		case OPT_DENSITY: o->density = optarg; break;
		case OPT_VS_BENIGN: o->vs_benign = 1; break;
		case OPT_MULTICLASS: o->multiclass = 1; break;
		case OPT_TRUTH:
			if (strcmp(optarg, "class") != 0 && strcmp(optarg, "label") != 0)
				nids_cli_usage_error(prog, usage,
				                     "option '--truth': '%s' is not class or label", optarg);
			o->truth = optarg;
			break;
		case OPT_HIGH: case OPT_LOW:
			if (o->direction >= 0)
				nids_cli_usage_error(prog, usage, "give one of --high and --low");
			o->direction = c == OPT_LOW ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
			break;
		case OPT_SCORE: o->score = optarg; break;
		case OPT_SVG: o->svg = optarg; break;
		case OPT_THRESHOLD:
			o->threshold = nids_cli_double_or_die(prog, usage, "--threshold", optarg,
			                                      -HUGE_VAL, HUGE_VAL);
			break;
		case 'p': o->params = optarg; break;
		case 'o': o->output = optarg; break;
		case 'q': o->talk.quiet = 1, o->talk.verbose = 0; break;
		case OPT_PROGRESS: o->talk.progress = 1; break;
		case 'h': nids_cli_help(usage);
		case 'V': nids_cli_version(prog);
		default: nids_cli_bad_option(prog, usage, argv, c);
		}
	}
	if (o->json && o->curve)
		nids_cli_usage_error(prog, usage, "give one of --json and --curve");
	if (o->svg && strcmp(o->svg, "-") == 0 && (o->json || o->curve))
		nids_cli_usage_error(prog, usage, "--svg - writes the picture to stdout; it cannot "
		                                  "share it with --%s", o->json ? "json" : "curve");
	if (o->params && !isnan(o->threshold))
		nids_cli_usage_error(prog, usage, "give one of -p and --threshold");
	if (o->svg && strcmp(o->svg, "-") == 0 && o->output)
		nids_cli_usage_error(prog, usage, "--svg - writes the picture to stdout; -o has "
		                                  "nothing to write");
	if (o->truth && !o->multiclass)
		nids_cli_usage_error(prog, usage, "--truth goes with --multiclass");
	if (o->multiclass && (o->curve || o->params || !isnan(o->threshold) || o->cls ||
	                      o->vs_benign || o->density || o->score || o->direction >= 0))
		nids_cli_usage_error(prog, usage, "--multiclass evaluates predicted classes: it takes "
		                                  "no scores, thresholds, curves or densities");
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
}

/* Where the table, JSON or curve goes: stdout, or -o's file. */
static FILE *out;

/* Prints a number for JSON: shortest round-trip digits, null for NaN and infinities. */
static void jnum(const char *key, double v, const char *after)
{
	char b[32];
	fprintf(out, "\"%s\": %s%s", key, isfinite(v) ? nids_format_double(b, v) : "null", after);
}

static void jstr(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_json(const result *r)
{
	const nids_confusion *c = &r->c;
	fprintf(out, "{\"rows\": %zu, \"benign\": %zu, \"attacks\": %zu, ", nids_eval_rows(r->e),
	       nids_eval_benign(r->e), nids_eval_attacks(r->e));
	jnum("auroc", r->auroc, ", ");
	jnum("auprc", r->auprc, ", ");
	jnum("best_f1", r->best_f1, ", ");
	jnum("best_f1_threshold", r->best_t, ",\n ");
	jnum("threshold", r->at, ", ");
	fprintf(out, "\"threshold_source\": ");
	jstr(r->at_source);
	fprintf(out, ", \"tp\": %llu, \"fp\": %llu, \"tn\": %llu, \"fn\": %llu, ",
	       (unsigned long long)c->tp, (unsigned long long)c->fp, (unsigned long long)c->tn,
	       (unsigned long long)c->fn);
	jnum("precision", c->precision, ", ");
	jnum("recall", c->recall, ", ");
	jnum("f1", c->f1, ", ");
	jnum("accuracy", c->accuracy, ", ");
	jnum("fpr", c->fpr, ",\n \"classes\": [");
	int first = 1;
	for (int k = 0; k < r->h->nclasses; k++) {
		const nids_class_count *pc = &r->per_class[k];
		if (!pc->rows)
			continue;
		fprintf(out, "%s\n  {\"name\": ", first ? "" : ",");
		jstr(r->h->classes[k]);
		fprintf(out, ", \"rows\": %llu, \"attacks\": %llu, \"alarms\": %llu, ",
		       (unsigned long long)pc->rows, (unsigned long long)pc->attacks,
		       (unsigned long long)pc->alarms);
		jnum("alarm_rate", (double)pc->alarms / (double)pc->rows, "}");
		first = 0;
	}
	fprintf(out, "%s]", first ? "" : "\n ");
	if (r->vs_benign) {
		fprintf(out, ",\n \"vs_benign\": [");
		first = 1;
		for (int k = 0; k < r->h->nclasses; k++) {
			double auroc, auprc;
			if (!r->per_class[k].attacks)
				continue;
			nids_eval_vs_benign_auc(r->e, k, &auroc, &auprc);
			fprintf(out, "%s\n  {\"name\": ", first ? "" : ",");
			jstr(r->h->classes[k]);
			fprintf(out, ", \"rows\": %llu, ", (unsigned long long)r->per_class[k].rows);
			jnum("auroc", auroc, ", ");
			jnum("auprc", auprc, "}");
			first = 0;
		}
		fprintf(out, "%s]", first ? "" : "\n ");
	}
	fprintf(out, "}\n");
}

static void print_table(const result *r)
{
	const nids_confusion *c = &r->c;
	fprintf(out, "input       %s\nrows        %zu\nbenign      %zu\nattacks     %zu\n", r->name,
	       nids_eval_rows(r->e), nids_eval_benign(r->e), nids_eval_attacks(r->e));
	fprintf(out, "AUROC       %.6f\nAUPRC       %.6f\n", r->auroc, r->auprc);
	fprintf(out, "best F1     %.6f at threshold %.9g\n", r->best_f1, r->best_t);
	fprintf(out, "threshold   %.9g (%s)\n", r->at, r->at_source);
	fprintf(out, "precision   %.6f\nrecall      %.6f\nF1          %.6f\naccuracy    %.6f\n"
	       "FPR         %.6f\n", c->precision, c->recall, c->f1, c->accuracy, c->fpr);
	fprintf(out, "\n%-12s %14s %14s\n", "", "called benign", "called attack");
	fprintf(out, "%-12s %14llu %14llu\n", "benign", (unsigned long long)c->tn,
	       (unsigned long long)c->fp);
	fprintf(out, "%-12s %14llu %14llu\n", "attack", (unsigned long long)c->fn,
	       (unsigned long long)c->tp);
	int any = 0;
	for (int k = 0; k < r->h->nclasses; k++) {
		const nids_class_count *pc = &r->per_class[k];
		if (!pc->rows)
			continue;
		if (!any++)
			fprintf(out, "\n%-20s %-7s %12s %12s %10s\n", "class", "label", "rows", "alarms",
			       "rate");
		const char *kind = pc->attacks == pc->rows ? "attack"
		                   : pc->attacks           ? "mixed"
		                                           : "benign";
		fprintf(out, "%-20s %-7s %12llu %12llu %10.6f\n", r->h->classes[k], kind,
		       (unsigned long long)pc->rows, (unsigned long long)pc->alarms,
		       (double)pc->alarms / (double)pc->rows);
	}
	any = 0;
	for (int k = 0; r->vs_benign && k < r->h->nclasses; k++) {
		double auroc, auprc;
		if (!r->per_class[k].attacks)
			continue;
		if (!any++)
			fprintf(out, "\n%-20s %12s %10s %10s\n", "class vs benign", "rows", "AUROC",
			        "AUPRC");
		nids_eval_vs_benign_auc(r->e, k, &auroc, &auprc);
		fprintf(out, "%-20s %12llu %10.6f %10.6f\n", r->h->classes[k],
		        (unsigned long long)r->per_class[k].rows, auroc, auprc);
	}
}

static void print_curve(const result *r, int roc)
{
	double P = (double)nids_eval_attacks(r->e), N = (double)nids_eval_benign(r->e);
	char a[32], b[32], t[32];
	fprintf(out, "%s\n", roc ? "threshold\tfpr\ttpr" : "threshold\trecall\tprecision");
	if (roc)
		fprintf(out, "%s\t0\t0\n", nids_eval_direction(r->e) == NIDS_DIR_LOW ? "-inf" : "inf");
	size_t at = 0;
	nids_eval_point pt;
	while (nids_eval_next_point(r->e, &at, &pt)) {
		double x = roc ? pt.fp / N : pt.tp / P;
		double y = roc ? pt.tp / P : (double)pt.tp / (double)(pt.tp + pt.fp);
		fprintf(out, "%s\t%s\t%s\n", nids_format_double(t, pt.threshold),
		       nids_format_double(a, x), nids_format_double(b, y));
	}
}

static void write_svg(const opts *o, const result *r, nids_err *err)
{
	nids_output *svg;
	char title[300];
	snprintf(title, sizeof title, "nids-roc: %.200s, score '%.60s'", r->name,
	         r->h->cols[r->score_col].name);
	nids_svg_opts so = { title, (const char *const *)r->h->classes, r->h->nclasses, r->at,
		             o->bins };
	if (o->svg && nids_output_open(&svg, o->svg, 0, err))
		nids_cli_fail(prog, err);
	if (o->svg && nids_svg_plot(nids_output_file(svg), o->svg, r->e, &so, err)) {
		nids_output_abort(svg);
		nids_cli_fail(prog, err);
	}
	if (o->svg && nids_output_commit(svg, err))
		nids_cli_fail(prog, err);
	if (!o->density)
		return;
	if (nids_output_open(&svg, o->density, 0, err))
		nids_cli_fail(prog, err);
	if (nids_svg_density(nids_output_file(svg), o->density, r->e, &so, err)) {
		nids_output_abort(svg);
		nids_cli_fail(prog, err);
	}
	if (nids_output_commit(svg, err))
		nids_cli_fail(prog, err);
}

/* Keeps the rows of --class and the benign rows alone. */
static void only_class(const opts *o, result *res, nids_err *err)
{
	int k = 0;
	while (k < res->h->nclasses && strcmp(res->h->classes[k], o->cls))
		k++;
	if (k == res->h->nclasses) {
		char known[512] = "";
		for (int i = 0; i < res->h->nclasses; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
			         i ? ", " : "", res->h->classes[i]);
		nids_err_set(err, NIDS_EUSAGE, res->name, "unknown class '%s' (the stream has: %s)",
		             o->cls, known);
		nids_cli_fail(prog, err);
	}
	nids_eval *sub;
	if (nids_eval_vs_benign(res->e, k, &sub, err))
		nids_cli_fail(prog, err);
	nids_eval_free(res->e);
	res->e = sub;
}

/* --multiclass: the report of the predicted classes, as text, JSON or a heatmap. */
static void multiclass(const opts *o, nids_reader *r, const char *name, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	int pred = nids_header_find(h, "pred"), truth = -1;
	if (pred < 0 || h->cols[pred].role != NIDS_ROLE_CLASS) {
		nids_err_set(err, NIDS_EFORMAT, name, "no column 'pred' of role class (add it with "
		             "nids-score --predict)");
		nids_cli_fail(prog, err);
	}
	for (int i = 0; i < h->ncols && truth < 0; i++)
		if (i != pred && h->cols[i].role == NIDS_ROLE_CLASS &&
		    (!o->truth || !strcmp(o->truth, "class")))
			truth = i;
	if (truth < 0 && (!o->truth || !strcmp(o->truth, "label")))
		truth = nids_header_find_role(h, NIDS_ROLE_LABEL);
	if (truth < 0) {
		nids_err_set(err, NIDS_EFORMAT, name, "no %s column to take the true classes from",
		             o->truth ? o->truth : "class or label");
		nids_cli_fail(prog, err);
	}
	nids_mc_report *rep;
	if (nids_mc_read(r, truth, pred, name, &rep, err))
		nids_cli_fail(prog, err);
	if (o->svg) {
		char title[300];
		snprintf(title, sizeof title, "nids-roc: %.200s, '%s' against '%s'", name,
		         h->cols[pred].name, h->cols[truth].name);
		nids_output *svg;
		if (nids_output_open(&svg, o->svg, 0, err))
			nids_cli_fail(prog, err);
		if (nids_mc_svg(nids_output_file(svg), o->svg, rep, title, err)) {
			nids_output_abort(svg);
			nids_cli_fail(prog, err);
		}
		if (nids_output_commit(svg, err))
			nids_cli_fail(prog, err);
	}
	nids_output *report = NULL;
	if ((!o->svg || strcmp(o->svg, "-")) && nids_output_open(&report, o->output, 0, err))
		nids_cli_fail(prog, err);
	if (report && o->json)
		nids_mc_print_json(nids_output_file(report), rep);
	else if (report)
		nids_mc_print_text(nids_output_file(report), rep, name);
	nids_mc_report_free(rep);
	if (report && (nids_output_commit(report, err) || (!o->output && nids_stdout_close(err))))
		nids_cli_fail(prog, err);
}

/* Reads and scores the stream; the threshold to evaluate at comes from the options. */
static void evaluate(const opts *o, nids_reader *r, result *res, nids_threshold *t, nids_err *err)
{
	nids_scored_cols c;
	const char *score = o->score ? o->score : o->params ? t->score : NULL;
	int dir = o->params ? t->direction : o->direction;
	if (nids_scored_find(res->h, score, dir, &c, res->name, err))
		nids_cli_fail(prog, err);
	if (c.label < 0) {
		nids_err_set(err, NIDS_EFORMAT, res->name, "no label column (role label); metrics "
		                                         "need to know which rows are attacks");
		nids_cli_fail(prog, err);
	}
	if (!(res->e = nids_eval_new(c.direction)))
		nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!res->e || nids_scored_load(r, &c, res->e, res->name, err))
		nids_cli_fail(prog, err);
	if (o->cls)
		only_class(o, res, err);
	res->auroc = nids_eval_auroc(res->e);
	res->auprc = nids_eval_auprc(res->e);
	nids_eval_best_f1(res->e, &res->best_f1, &res->best_t);
	res->at = o->params ? t->value : !isnan(o->threshold) ? o->threshold : res->best_t;
	res->at_source = o->params ? t->method : !isnan(o->threshold) ? "--threshold" : "best F1";
	res->per_class = calloc((size_t)res->h->nclasses + 1, sizeof *res->per_class);
	if (!res->per_class) {
		nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		nids_cli_fail(prog, err);
	}
	nids_eval_confusion(res->e, res->at, &res->c, res->h->nclasses, res->per_class);
	res->score_col = c.score;
}

int main(int argc, char **argv)
{
	opts o = { .threshold = NAN, .direction = -1, .bins = 60 };
	nids_err err = { 0 };
	parse(argc, argv, &o);
	nids_threshold t = { 0 };
	if (o.params && nids_threshold_read(o.params, &t, &err))
		nids_cli_fail(prog, &err);
	if (o.params && o.direction >= 0 && o.direction != t.direction)
		nids_cli_usage_error(prog, usage, "--%s contradicts the direction '%s' in '%s'",
		                     o.direction == NIDS_DIR_LOW ? "low" : "high",
		                     t.direction == NIDS_DIR_LOW ? "low" : "high", o.params);
	nids_input *in;
	nids_reader *r;
	if (nids_input_open_files(&in, (const char *const *)o.inputs, o.ninputs, 0, &err) ||
	    nids_reader_open(&r, in, &err))
		nids_cli_fail(prog, &err);
	nids_progress *progress = nids_cli_progress(prog, &o.talk, in, r);
	if (o.multiclass) {
		multiclass(&o, r, nids_input_files(in) > 1 ? "several files" : nids_input_name(in), &err);
		nids_cli_progress_end(progress);
		nids_reader_free(r);
		nids_input_free(in);
		return 0;
	}
	/* the table names the input: the file, or how many */
	char many[32];
	snprintf(many, sizeof many, "%d files", nids_input_files(in));
	result res = { .name = nids_input_name(in), .h = nids_reader_header(r),
		       .vs_benign = o.vs_benign };
	evaluate(&o, r, &res, &t, &err);
	nids_cli_progress_end(progress);
	if (nids_input_files(in) > 1)
		res.name = many;
	if (!o.talk.quiet && (!nids_eval_attacks(res.e) || !nids_eval_benign(res.e)))
		fprintf(stderr, "%s: warning: %s: no %s rows; AUROC%s undefined (nan)\n", prog,
		        res.name, nids_eval_attacks(res.e) ? "benign" : "attack",
		        nids_eval_attacks(res.e) ? " is" : ", AUPRC and best F1 are");
	if (o.svg || o.density)
		write_svg(&o, &res, &err);
	nids_output *report = NULL;
	if (nids_output_open(&report, o.output, 0, &err))
		nids_cli_fail(prog, &err);
	out = nids_output_file(report);
	if (o.json)
		print_json(&res);
	else if (o.curve)
		print_curve(&res, strcmp(o.curve, "roc") == 0);
	else if (!o.svg || strcmp(o.svg, "-") != 0)
		print_table(&res);
	nids_eval_free(res.e);
	free(res.per_class);
	nids_reader_free(r);
	nids_input_free(in);
	if (nids_output_commit(report, &err) || (!o.output && nids_stdout_close(&err)))
		nids_cli_fail(prog, &err);
	return 0;
}
