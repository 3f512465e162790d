/* nids-threshold: fit an alarm threshold to a scored stream, or apply one. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/io.h"
#include "nids/model.h"
#include "nids/progress.h"
#include "nids/scored.h"
#include "nids/stream.h"
#include "nids/threshold.h"
#include "nids/threshold_side.h"

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

enum { OPT_PERCENTILE = 256, OPT_SIGMA, OPT_RATE, OPT_BEST_F1, OPT_VALUE, OPT_ALARMS_ONLY,
       OPT_HIGH, OPT_LOW, OPT_SCORE, OPT_APPLY, OPT_PROGRESS, OPT_ALPHA };

typedef struct opts {
	int rule;      /* NIDS_FIT_* or -1 */
	double param;  /* the rule's parameter */
	double alpha;  /* --alpha, or 0 */
	const char *params; /* -p */
	const char *out;    /* -o */
	const char *model;  /* -m */
	const char *score;
	int direction; /* -1 = from the column */
	int alarms_only, level;
	int apply, exit_status; /* --apply, -e */
	nids_cli_talk talk;
	char **inputs;
	int ninputs;
} opts;

static void set_rule(opts *o, int rule, const char *arg, double lo, double hi, const char *name)
{
	if (o->rule >= 0 || o->params)
		nids_cli_usage_error(prog, usage, "give one of -p, --value, --percentile, --sigma, "
		                                  "--rate, --best-f1");
	o->rule = rule;
	if (arg)
		o->param = nids_cli_double_or_die(prog, usage, name, arg, lo, hi);
}

static void parse(int argc, char **argv, opts *o)
{
	static const struct option longs[] = {
		{ "alarms-only", no_argument, 0, OPT_ALARMS_ONLY },
		{ "alpha", required_argument, 0, OPT_ALPHA },
		{ "apply", no_argument, 0, OPT_APPLY },
		{ "best-f1", no_argument, 0, OPT_BEST_F1 },
		{ "exit-status", no_argument, 0, 'e' },
		{ "help", no_argument, 0, 'h' },
		{ "high", no_argument, 0, OPT_HIGH },
		{ "low", no_argument, 0, OPT_LOW },
		{ "model", required_argument, 0, 'm' },
		{ "output", required_argument, 0, 'o' },
		{ "percentile", required_argument, 0, OPT_PERCENTILE },
		{ "progress", no_argument, 0, OPT_PROGRESS },
		{ "quiet", no_argument, 0, 'q' },
		{ "rate", required_argument, 0, OPT_RATE },
		{ "score", required_argument, 0, OPT_SCORE },
		{ "sigma", required_argument, 0, OPT_SIGMA },
		{ "value", required_argument, 0, OPT_VALUE },
		{ "verbose", no_argument, 0, 'v' },
		{ "version", no_argument, 0, 'V' },
		{ "zstd", required_argument, 0, 'z' },
		{ 0, 0, 0, 0 }
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ehVm:o:p:qvz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_PERCENTILE:
			set_rule(o, NIDS_FIT_PERCENTILE, optarg, 0, 100, "--percentile");
			break;
		case OPT_SIGMA: set_rule(o, NIDS_FIT_SIGMA, optarg, -1e6, 1e6, "--sigma"); break;
		case OPT_RATE: set_rule(o, NIDS_FIT_RATE, optarg, 0, 1, "--rate"); break;
		case OPT_BEST_F1: set_rule(o, NIDS_FIT_BEST_F1, NULL, 0, 0, NULL); break;
		case OPT_VALUE:
			set_rule(o, NIDS_FIT_VALUE, optarg, -3.4e38, 3.4e38, "--value");
			break;
		case OPT_ALPHA:
			set_rule(o, NIDS_FIT_VALUE, optarg, 0x1p-1074, 1, "--alpha");
			if (o->param >= 1)
				nids_cli_usage_error(prog, usage, "option '--alpha': '%s' is not "
				                     "between 0 and 1", optarg);
			o->alpha = o->param;
			o->param = nids_threshold_alpha(o->alpha, o->direction < 0 ? NIDS_DIR_HIGH
			                                                           : o->direction);
			break;
		case 'p':
			if (o->rule >= 0 || o->params)
				set_rule(o, 0, NULL, 0, 0, NULL);
			o->params = optarg;
			break;
		case OPT_ALARMS_ONLY: o->alarms_only = 1; break;
		case OPT_APPLY: o->apply = 1; break;
		case 'e': o->exit_status = 1; break;
		case 'q': o->talk.quiet = 1, o->talk.verbose = 0; break;
		case 'v': o->talk.verbose = 1, o->talk.quiet = 0; break;
		case OPT_PROGRESS: o->talk.progress = 1; break;
		case OPT_HIGH: case OPT_LOW:
			if (o->direction >= 0)
				nids_cli_usage_error(prog, usage, "give one of --high and --low");
			o->direction = c == OPT_LOW ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
			break;
		case OPT_SCORE: o->score = optarg; break;
		case 'o': o->out = optarg; break;
		case 'm': o->model = optarg; break;
		case 'z':
			o->level = (int)nids_cli_long_or_die(prog, usage, "-z", optarg, 1, 19);
			break;
		case 'h': nids_cli_help(usage);
		case 'V': nids_cli_version(prog);
		default: nids_cli_bad_option(prog, usage, argv, c);
		}
	}
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	if (o->alpha > 0) /* --low after --alpha */
		o->param = nids_threshold_alpha(o->alpha, o->direction < 0 ? NIDS_DIR_HIGH
		                                                           : o->direction);
	if (o->rule < 0 && !o->params)
		nids_cli_usage_error(prog, usage,
		                     "give a rule to fit (--percentile, --sigma, --rate, "
		                     "--best-f1) or a threshold to apply (-p, --value)");
	if (o->apply && !o->params && o->rule != NIDS_FIT_VALUE)
		nids_cli_usage_error(prog, usage, "--apply goes with -p or --value");
	o->apply |= o->params || (o->rule == NIDS_FIT_VALUE && !o->out);
	if (o->model && (o->apply || o->rule == NIDS_FIT_VALUE))
		nids_cli_usage_error(prog, usage, "-m stores a fitted threshold (--percentile, "
		                                  "--sigma, --rate, --best-f1)");
	if (!o->apply && (o->alarms_only || o->level || o->exit_status))
		nids_cli_usage_error(prog, usage, "%s is for applying a threshold (-p or --value)",
		                     o->alarms_only ? "--alarms-only" : o->level ? "-z" : "-e");
	if (o->rule == NIDS_FIT_VALUE && !o->apply && optind < argc)
		nids_cli_usage_error(prog, usage, "--value with -o writes a threshold file and reads "
		                                  "no input (--apply -o writes the stream)");
}

/* Stores t in the model file at path, which is rewritten atomically. */
static int store_in_model(const char *path, const nids_threshold *t, nids_err *err)
{
	nids_model *m = NULL;
	nids_output *out = NULL;
	int rc = nids_model_read(&m, path, err);
	if (!rc && strlen(t->score) >= sizeof m->threshold_score)
		rc = nids_err_set(err, NIDS_EUSAGE, path, "score column name too long");
	if (!rc) {
		m->has_threshold = 1;
		m->threshold = t->value;
		m->threshold_high = t->direction != NIDS_DIR_LOW;
		memcpy(m->threshold_score, t->score, strlen(t->score) + 1); /* length checked above */
		rc = nids_output_open(&out, path, 1, err);
	}
	if (!rc && (rc = nids_model_write(m, nids_output_file(out), err)))
		nids_output_abort(out);
	else if (!rc)
		rc = nids_output_commit(out, err);
	nids_model_free(m);
	return rc;
}

/* Prints the value and writes the threshold file (or stores it in the model) when
 * asked. */
static void finish_fit(const opts *o, const nids_threshold *t, nids_err *err)
{
	char num[32];
	if (o->model && store_in_model(o->model, t, err))
		nids_cli_fail(prog, err);
	if (o->out) {
		nids_output *out;
		if (nids_output_open(&out, o->out, 0, err))
			nids_cli_fail(prog, err);
		if (nids_threshold_write(nids_output_file(out), o->out, t, err)) {
			nids_output_abort(out);
			nids_cli_fail(prog, err);
		}
		if (nids_output_commit(out, err))
			nids_cli_fail(prog, err);
	}
	printf("%s\n", nids_format_double(num, t->value));
	if (nids_stdout_close(err))
		nids_cli_fail(prog, err);
}

/* A --high or --low against the column's role: a warning with the fix. */
static void warn_side(const opts *o, const nids_header *h, int col)
{
	char msg[1024];
	if (!o->talk.quiet && o->direction >= 0 &&
	    nids_threshold_side_check(h, col, o->direction, o->rule, o->param, msg, sizeof msg))
		fprintf(stderr, "%s: warning: %s\n", prog, msg);
}

static void fit(const opts *o, nids_reader *r, const char *name, nids_progress *progress,
                nids_err *err)
{
	nids_scored_cols c;
	const nids_header *h = nids_reader_header(r);
	if (nids_scored_find(h, o->score, o->direction, &c, name, err))
		nids_cli_fail(prog, err);
	warn_side(o, h, c.score);
	nids_eval *e = nids_eval_new(c.direction);
	if (!e) {
		nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		nids_cli_fail(prog, err);
	}
	nids_threshold t = { 0 };
	int rc = nids_scored_load(r, &c, e, name, err);
	nids_cli_progress_end(progress);
	if (rc || nids_threshold_fit(e, o->rule, o->param, &t, err)) {
		if (!err->where[0])
			snprintf(err->where, sizeof err->where, "%s", name);
		nids_eval_free(e);
		nids_cli_fail(prog, err);
	}
	nids_eval_free(e);
	snprintf(t.score, sizeof t.score, "%s", h->cols[c.score].name);
	finish_fit(o, &t, err);
}

/* Appends the alarm column (or drops non-alarm rows) block by block. */
static int apply(const opts *o, const nids_threshold *t, nids_reader *r, const char *name,
                 unsigned long long *alarms, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	nids_scored_cols c;
	const char *score = o->score ? o->score : t->score[0] ? t->score : NULL;
	if (nids_scored_find(h, score, t->direction, &c, name, err))
		return err->code;
	nids_header *oh = nids_header_copy(h);
	if (!oh)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!o->alarms_only && nids_header_add_column(oh, "alarm", NIDS_ROLE_ALARM, err) < 0) {
		nids_header_free(oh);
		return nids_err_set(err, NIDS_EFORMAT, name,
		                    "the stream already has a column 'alarm'");
	}
	size_t in_c = (size_t)h->ncols, out_c = (size_t)oh->ncols, M = (size_t)h->meta_width;
	nids_output *out = NULL;
	nids_writer *w = NULL;
	float *rows, *buf = NULL;
	unsigned char *mbuf = NULL;
	long n = 0;
	int rc = nids_output_open(&out, o->out, 1, err);
	if (!rc)
		rc = nids_writer_open(&w, nids_output_file(out), nids_output_name(out), oh, o->level,
		                      err);
	while (!rc && (n = nids_reader_next(r, &rows, err)) > 0) {
		if ((rc = nids_writer_sync_classes(w, nids_reader_header(r), err)))
			break;
		float *grown = realloc(buf, (size_t)n * out_c * sizeof *buf);
		unsigned char *mgrown = grown ? realloc(mbuf, (size_t)n * M + 1) : NULL;
		if (grown)
			buf = grown;
		if (!grown || !mgrown) {
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
			break;
		}
		mbuf = mgrown;
		const unsigned char *meta = nids_reader_meta(r);
		size_t kept = 0;
		uint64_t first = nids_reader_rows(r) - (uint64_t)n;
		for (long i = 0; i < n; i++) {
			const float *row = rows + (size_t)i * in_c;
			float s = row[c.score];
			if (isnan(s)) {
				char where[256];
				snprintf(where, sizeof where, "%.200s: row %llu", name,
				         (unsigned long long)(first + (uint64_t)i + 1));
				rc = nids_err_set(err, NIDS_EFORMAT, where, "score '%s' is nan",
				                  h->cols[c.score].name);
				break;
			}
			int alarm = nids_is_alarm(s, t->value, t->direction);
			*alarms += (unsigned long long)alarm;
			if (o->alarms_only && !alarm)
				continue;
			memcpy(buf + kept * out_c, row, in_c * sizeof *row);
			if (M)
				memcpy(mbuf + kept * M, meta + (size_t)i * M, M);
			if (!o->alarms_only)
				buf[kept * out_c + in_c] = (float)alarm;
			kept++;
		}
		if (!rc && kept)
			rc = nids_writer_write_meta(w, buf, mbuf, kept, err);
	}
	if (!rc && n < 0)
		rc = (int)n;
	if (!rc) {
		rc = nids_writer_close(w, err);
		w = NULL;
	}
	if (!rc)
		rc = nids_output_commit(out, err);
	else {
		nids_writer_free(w);
		nids_output_abort(out);
	}
	free(buf);
	free(mbuf);
	nids_header_free(oh);
	return rc;
}

int main(int argc, char **argv)
{
	opts o = { .rule = -1, .direction = -1 };
	nids_err err = { 0 };
	parse(argc, argv, &o);
	nids_threshold t = { .value = o.param, .direction = o.direction < 0 ? 0 : o.direction };
	if (o.rule == NIDS_FIT_VALUE && !o.apply) {
		snprintf(t.score, sizeof t.score, "%s", o.score ? o.score : "score");
		char num[32];
		snprintf(t.method, sizeof t.method, "%s %s", o.alpha > 0 ? "alpha" : "value",
		         nids_format_double(num, o.alpha > 0 ? o.alpha : o.param));
		finish_fit(&o, &t, &err);
		return 0;
	}
	if (o.params) {
		if (nids_threshold_read(o.params, &t, &err))
			nids_cli_fail(prog, &err);
		if (o.direction >= 0 && o.direction != t.direction)
			nids_cli_usage_error(
			        prog, usage, "--%s contradicts the direction '%s' in '%s'",
			        o.direction == NIDS_DIR_LOW ? "low" : "high",
			        t.direction == NIDS_DIR_LOW ? "low" : "high", o.params);
	}
	nids_input *in;
	nids_reader *r;
	if (nids_input_open_files(&in, (const char *const *)o.inputs, o.ninputs, 0, &err) ||
	    nids_reader_open(&r, in, &err))
		nids_cli_fail(prog, &err);
	nids_progress *progress = nids_cli_progress(prog, &o.talk, in, r);
	const char *name = nids_input_name(in);
	unsigned long long alarms = 0;
	if (!o.apply) {
		fit(&o, r, name, progress, &err);
	} else {
		if (!o.params) {
			/* --value: the direction comes from the flag or the column's role */
			nids_scored_cols c;
			if (nids_scored_find(nids_reader_header(r), o.score, o.direction, &c, name,
			                     &err))
				nids_cli_fail(prog, &err);
			warn_side(&o, nids_reader_header(r), c.score);
			t.direction = c.direction;
			if (o.alpha > 0) /* in the column's units: -log p, or log p */
				t.value = nids_threshold_alpha(o.alpha, c.direction);
		}
		int rc = apply(&o, &t, r, name, &alarms, &err);
		nids_cli_progress_end(progress);
		if (rc)
			nids_cli_fail(prog, &err);
		if (nids_cli_counts(&o.talk))
			fprintf(stderr, "%s: %llu rows, %llu alarms\n", prog,
			        (unsigned long long)nids_reader_rows(r), alarms);
	}
	nids_reader_free(r);
	nids_input_free(in);
	return nids_cli_alarm_status(o.exit_status, alarms);
}
