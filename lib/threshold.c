/* threshold.c: threshold fitting rules and the versioned, checksummed threshold file. */
#include "threshold_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "nids/cli.h"
#include "nids/format.h"
#include "nids/io.h"
#include "model_impl.h"
#include "scored_impl.h"
#include "threshold_side_impl.h"

#define MAX_FILE 65536

double nids_percentile(const double *x, size_t n, double p)
{
	/* numpy 1.24 _quantile with method 'linear': q = p / 100, virtual index
	 * (n - 1) q, and _lerp, which interpolates from the upper end when the weight
	 * is at least one half */
	double q = p / 100.0;
	double h = (double)(n - 1) * q;
	if (h >= (double)(n - 1))
		return x[n - 1];
	if (h < 0)
		return x[0];
	double lo = floor(h);
	double g = h - lo;
	double a = x[(size_t)lo], b = x[(size_t)lo + 1];
	/* numpy's arithmetic gives nan next to an infinite score (inf - inf); the value
	   is the score itself on it, and an infinite neighbour past it, unless both are */
	if (g == 0 || a == b)
		return a;
	if (!isinf(a) != !isinf(b))
		return isinf(a) ? a : b;
	double d = b - a;
	return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/* The reference scores (benign rows, or all rows when unlabeled or all is set) in
 * ascending order, as doubles; *n receives their count. NULL when out of memory. */
static double *reference_scores(const nids_eval *e, int all, size_t *n)
{
	size_t rows = nids_eval_rows(e);
	int benign_only = !all && nids_eval_labeled(e);
	size_t m = benign_only ? nids_eval_benign(e) : rows;
	double *x = malloc((m ? m : 1) * sizeof *x);
	if (!x)
		return NULL;
	int high = nids_eval_direction(e) == NIDS_DIR_HIGH;
	size_t k = 0;
	for (size_t j = 0; j < rows; j++) {
		/* rows run from most to least anomalous: descending scores when high */
		size_t i = high ? rows - 1 - j : j;
		if (!benign_only || nids_eval_label_at(e, i) == 0)
			x[k++] = nids_eval_score_at(e, i);
	}
	*n = k;
	return x;
}

static int fit_moments(const double *x, size_t n, double k, int dir, double *out)
{
	long double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	double mean = (double)(sum / n);
	for (size_t i = 0; i < n; i++)
		ss += ((long double)x[i] - mean) * ((long double)x[i] - mean);
	double sd = sqrt((double)(ss / n));
	*out = dir == NIDS_DIR_LOW ? mean - k * sd : mean + k * sd;
	return 0;
}

int nids_threshold_fit(const nids_eval *e, int rule, double param, nids_threshold *t,
                       nids_err *err)
{
	char num[32];
	t->direction = nids_eval_direction(e);
	t->rows = nids_eval_rows(e);
	nids_format_double(num, param);
	if (rule == NIDS_FIT_VALUE) {
		t->value = param;
		snprintf(t->method, sizeof t->method, "value %s", num);
		return 0;
	}
	if (rule == NIDS_FIT_BEST_F1) {
		if (!nids_eval_labeled(e) || !nids_eval_attacks(e))
			return nids_err_set(err, NIDS_EFORMAT, NULL, "--best-f1 needs %s",
			                    nids_eval_labeled(e) ? "attack rows"
			                                         : "a label column");
		double f1;
		nids_eval_best_f1(e, &f1, &t->value);
		snprintf(t->method, sizeof t->method, "best-f1 %s", nids_format_double(num, f1));
		return 0;
	}
	int all = rule == NIDS_FIT_RATE;
	size_t n;
	double *x = reference_scores(e, all, &n);
	if (!x)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (n == 0) {
		free(x);
		return nids_err_set(err, NIDS_EFORMAT, NULL, "no %s rows to fit a threshold on",
		                    all || !nids_eval_labeled(e) ? "scored" : "benign");
	}
	if (rule == NIDS_FIT_PERCENTILE) {
		t->value = nids_percentile(x, n, param);
		snprintf(t->method, sizeof t->method, "percentile %s", num);
	} else if (rule == NIDS_FIT_RATE) {
		double p = t->direction == NIDS_DIR_LOW ? 100.0 * param : 100.0 - 100.0 * param;
		t->value = nids_percentile(x, n, p);
		snprintf(t->method, sizeof t->method, "rate %s", num);
	} else {
		fit_moments(x, n, param, t->direction, &t->value);
		snprintf(t->method, sizeof t->method, "sigma %s", num);
	}
	free(x);
	/* (a threshold file cannot hold nan, and no score is an alarm at it) */
	if (isnan(t->value))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s: the threshold is nan (the %s"
		                    "scores include infinite ones)", t->method,
		                    all || !nids_eval_labeled(e) ? "" : "benign ");
	return 0;
}

int nids_threshold_write(FILE *f, const char *name, const nids_threshold *t, nids_err *err)
{
	char buf[2048], num[32];
	int len = snprintf(buf, sizeof buf,
	                   "nids-threshold %d\nthreshold %s\ndirection %s\nscore %s\n"
	                   "method %s\nrows %llu\n",
	                   NIDS_THRESHOLD_VERSION, nids_format_double(num, t->value),
	                   t->direction == NIDS_DIR_LOW ? "low" : "high", t->score, t->method,
	                   (unsigned long long)t->rows);
	if (len < 0 || (size_t)len >= sizeof buf)
		return nids_err_set(err, NIDS_EUSAGE, name, "threshold file fields too long");
	unsigned sum = XXH32(buf, (size_t)len, 0);
	if (fputs(buf, f) == EOF || fprintf(f, "xxh32 %08x\n", sum) < 0)
		return nids_err_set(err, NIDS_EIO, name, "write error: %s", strerror(errno));
	return 0;
}

static int parse_line(char *key, char *val, nids_threshold *t, int *seen, const char *where,
                      nids_err *err)
{
	char *end;
	if (strcmp(key, "threshold") == 0) {
		errno = 0;
		t->value = strtod(val, &end);
		if (errno || *end || end == val || isnan(t->value))
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "threshold '%s' is not a number", val);
		seen[0] = 1;
	} else if (strcmp(key, "direction") == 0) {
		if (strcmp(val, "high") != 0 && strcmp(val, "low") != 0)
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "direction '%s' is not 'high' or 'low'", val);
		t->direction = strcmp(val, "low") == 0 ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
		seen[1] = 1;
	} else if (strcmp(key, "score") == 0) {
		if (!*val || strlen(val) >= sizeof t->score)
			return nids_err_set(err, NIDS_EFORMAT, where, "bad score column name");
		strcpy(t->score, val);
		seen[2] = 1;
	} else if (strcmp(key, "method") == 0) {
		snprintf(t->method, sizeof t->method, "%s", val);
	} else if (strcmp(key, "rows") == 0) {
		t->rows = strtoull(val, NULL, 10);
	}
	return 0;
}

/* Checks the version line and the checksum line of the file text buf[0..len). */
static int check_envelope(const char *path, char *buf, size_t len, size_t *body,
                          nids_err *err)
{
	char where[256];
	snprintf(where, sizeof where, "%.240s:1", path);
	int major;
	char c;
	if (sscanf(buf, "nids-threshold %d%c", &major, &c) != 2 || c != '\n')
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "not a threshold file (no 'nids-threshold 1' line)");
	if (major != NIDS_THRESHOLD_VERSION)
		return nids_err_set(err, NIDS_EVERSION, where,
		                    "threshold file version %d is not supported (this reads %d)",
		                    major, NIDS_THRESHOLD_VERSION);
	if (len == 0 || buf[len - 1] != '\n')
		return nids_err_set(err, NIDS_ETRUNCATED, path, "truncated threshold file");
	buf[len - 1] = 0;
	char *last = strrchr(buf, '\n');
	unsigned want;
	if (!last || sscanf(last + 1, "xxh32 %8x%c", &want, &c) != 1 || strlen(last + 1) != 14)
		return nids_err_set(err, NIDS_ETRUNCATED, path,
		                    "truncated threshold file (no checksum line)");
	*body = (size_t)(last + 1 - buf);
	if (XXH32(buf, *body, 0) != want)
		return nids_err_set(err, NIDS_ECHECKSUM, path,
		                    "threshold file checksum mismatch (damaged or edited? "
		                    "write a new one with nids-threshold --value)");
	return 0;
}

int nids_threshold_read(const char *path, nids_threshold *t, nids_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return nids_err_set(err, NIDS_EIO, path, "cannot open: %s", strerror(errno));
	char *buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	}
	size_t len = fread(buf, 1, MAX_FILE + 1, f);
	int rerr = ferror(f);
	fclose(f);
	int rc = 0;
	size_t body = 0;
	if (rerr)
		rc = nids_err_set(err, NIDS_EIO, path, "read error");
	else if (len > MAX_FILE || memchr(buf, 0, len))
		rc = nids_err_set(err, NIDS_EFORMAT, path, "not a threshold file");
	else {
		buf[len] = 0;
		rc = check_envelope(path, buf, len, &body, err);
	}
	memset(t, 0, sizeof *t);
	int seen[3] = { 0, 0, 0 };
	char *line = rc ? NULL : strchr(buf, '\n') + 1;
	for (int no = 2; !rc && line < buf + body; no++) {
		char *nl = strchr(line, '\n'), where[256];
		*nl = 0;
		snprintf(where, sizeof where, "%.240s:%d", path, no);
		char *sp = strchr(line, ' ');
		if (!sp)
			rc = nids_err_set(err, NIDS_EFORMAT, where, "line '%s' is not 'key value'",
			                  line);
		else {
			*sp = 0;
			rc = parse_line(line, sp + 1, t, seen, where, err);
		}
		line = nl + 1;
	}
	static const char *required[3] = { "threshold", "direction", "score" };
	for (int i = 0; !rc && i < 3; i++)
		if (!seen[i])
			rc = nids_err_set(err, NIDS_EFORMAT, path, "no '%s' line", required[i]);
	free(buf);
	return rc;
}

/* ---- fitting to a stream, applying to a stream (nids-threshold) ---- */

/* The rule's parameter, from o->arg. */
static int rule_param(nids_threshold_opts *o, nids_err *err)
{
	static const struct { const char *name; double lo, hi; } R[] = {
		[NIDS_FIT_PERCENTILE] = { "--percentile", 0, 100 },
		[NIDS_FIT_SIGMA] = { "--sigma", -1e6, 1e6 },
		[NIDS_FIT_RATE] = { "--rate", 0, 1 },
		[NIDS_FIT_VALUE] = { "--value", -3.4e38, 3.4e38 },
	};
	const char *name = o->by_alpha ? "--alpha" : R[o->rule].name;
	double lo = o->by_alpha ? 0x1p-1074 : R[o->rule].lo, hi = o->by_alpha ? 1 : R[o->rule].hi;
	if (nids_cli_parse_double(o->arg, lo, hi, &o->param))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '%s': '%s' is not a number from "
		                    "%g to %g", name, o->arg, lo, hi);
	if (o->by_alpha && o->param >= 1)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--alpha': '%s' is not between 0 "
		                    "and 1", o->arg);
	o->alpha = o->by_alpha ? o->param : 0;
	return 0;
}

int nids_threshold_opts_check(nids_threshold_opts *o, int has_inputs, nids_err *err)
{
	if (o->nrules > 1)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "give one of -p, --value, --percentile, "
		                    "--sigma, --rate, --best-f1");
	if (o->rule >= 0 && o->arg && rule_param(o, err))
		return NIDS_EUSAGE;
	if (o->alpha > 0) /* in the direction of --high or --low */
		o->param = nids_threshold_alpha(o->alpha, o->direction < 0 ? NIDS_DIR_HIGH : o->direction);
	if (o->rule < 0 && !o->params)
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "give a rule to fit (--percentile, --sigma, --rate, "
		                    "--best-f1) or a threshold to apply (-p, --value)");
	if (o->apply && !o->params && o->rule != NIDS_FIT_VALUE)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--apply goes with -p or --value");
	o->apply |= o->params || (o->rule == NIDS_FIT_VALUE && !o->out);
	if (o->model && (o->apply || o->rule == NIDS_FIT_VALUE))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "-m stores a fitted threshold "
		                    "(--percentile, --sigma, --rate, --best-f1)");
	if (!o->apply && (o->alarms_only || o->level || o->exit_status))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    o->rule == NIDS_FIT_VALUE
		                            ? "%s is for applying a threshold: --value with -o writes "
		                              "a threshold file (--apply -o writes the stream)"
		                            : "%s is for applying a threshold (-p or --value)",
		                    o->alarms_only ? "--alarms-only" : o->level ? "-z" : "-e");
	if (o->rule == NIDS_FIT_VALUE && !o->apply && has_inputs)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--value with -o writes a threshold file "
		                    "and reads no input (--apply -o writes the stream)");
	return 0;
}

int nids_threshold_load(const char *path, int direction, nids_threshold *t, nids_err *err)
{
	int rc = nids_threshold_read(path, t, err);
	if (rc || direction < 0 || direction == t->direction)
		return rc;
	return nids_err_set(err, NIDS_EUSAGE, NULL, "--%s contradicts the direction '%s' in '%s'",
	                    direction == NIDS_DIR_LOW ? "low" : "high",
	                    t->direction == NIDS_DIR_LOW ? "low" : "high", path);
}

int nids_threshold_fit_stream(nids_reader *r, const char *name, const char *score, int direction,
                              int rule, double param, nids_threshold *t, nids_err *err)
{
	nids_scored_cols c;
	const nids_header *h = nids_reader_header(r);
	int rc = nids_scored_find(h, score, direction, &c, name, err);
	if (rc)
		return rc;
	nids_eval *e = nids_eval_new(c.direction);
	if (!e)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	rc = nids_scored_load(r, &c, e, name, err);
	if (!rc)
		rc = nids_threshold_fit(e, rule, param, t, err);
	nids_eval_free(e);
	if (rc && !err->where[0])
		snprintf(err->where, sizeof err->where, "%s", name);
	if (!rc)
		snprintf(t->score, sizeof t->score, "%s", h->cols[c.score].name);
	return rc;
}

void nids_threshold_set_value(nids_threshold *t, const nids_threshold_opts *o)
{
	char num[32];
	t->value = o->param;
	snprintf(t->score, sizeof t->score, "%s", o->score ? o->score : "score");
	snprintf(t->method, sizeof t->method, "%s %s", o->alpha > 0 ? "alpha" : "value",
	         nids_format_double(num, o->alpha > 0 ? o->alpha : o->param));
}

int nids_threshold_side_warning(const nids_header *h, const nids_threshold_opts *o, char *msg,
                                size_t n)
{
	nids_scored_cols c;
	return o->direction >= 0 && !nids_scored_find(h, o->score, o->direction, &c, "", NULL) &&
	       nids_threshold_side_check(h, c.score, o->direction, o->rule, o->param, msg, n);
}


int nids_threshold_model_check(const char *model_path, nids_model **m, const nids_header *h,
                               const char *name, char *warn, size_t n, nids_err *err)
{
	char want[32], had[32] = "";
	*m = NULL;
	int rc = nids_model_read(m, model_path, err);
	if (!rc && nids_model_id(*m, want))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (rc)
		return rc;
	size_t len;
	const unsigned char *got = nids_header_get_ext(h, NIDS_SCORE_RECORD, &len);
	for (size_t i = 0; got && i < len && i < sizeof had - 1; i++) /* (printable, for the message) */
		had[i] = got[i] >= 0x20 && got[i] < 0x7f ? (char)got[i] : '?';
	warn[0] = 0;
	if (!got)
		snprintf(warn, n, "%s does not say which model scored it (nids-score records it): "
		         "-m %s is taken on trust", name, model_path);
	else if (len != strlen(want) || memcmp(got, want, len))
		return nids_err_set(err, NIDS_EMISMATCH, name,
		                    "scored by another model than %s (the stream's %s, the file's %s): "
		                    "score the rows with %s, or store the threshold in the model that "
		                    "scored them",
		                    model_path, had, want, model_path);
	return 0;
}

int nids_threshold_save(const char *path, nids_model *m, const char *model_path,
                        const nids_threshold *t, nids_err *err)
{
	nids_output *out[2] = { NULL, NULL };
	int rc = m ? nids_model_set_threshold(m, t->value, t->direction != NIDS_DIR_LOW, t->score,
	                                      err)
	           : 0;
	if (rc == NIDS_EUSAGE)
		snprintf(err->where, sizeof err->where, "%s", model_path);
	if (!rc && path && !(rc = nids_output_open(&out[0], path, 0, err)))
		rc = nids_threshold_write(nids_output_file(out[0]), path, t, err);
	if (!rc && m && !(rc = nids_output_open(&out[1], model_path, 1, err)))
		rc = nids_model_write(m, nids_output_file(out[1]), err);
	if (!rc)
		rc = nids_outputs_commit(out, 2, err);
	nids_outputs_abort(out, 2);
	return rc;
}

/* What applying keeps of a block: the alarm rows (alarms_only), or every row with its
 * alarm column. Returns the rows written to buf/mbuf, or a negative code. */
static long alarm_rows(const nids_header *h, int score, const nids_threshold *t, int alarms_only,
                       const float *rows, const unsigned char *meta, long n, uint64_t first,
                       const char *name, float *buf, unsigned char *mbuf,
                       unsigned long long *alarms, nids_err *err)
{
	size_t in_c = (size_t)h->ncols, out_c = in_c + !alarms_only, M = (size_t)h->meta_width;
	long kept = 0;
	for (long i = 0; i < n; i++) {
		const float *row = rows + (size_t)i * in_c;
		float s = row[score];
		if (isnan(s)) {
			char where[256];
			snprintf(where, sizeof where, "%.200s: row %llu", name,
			         (unsigned long long)(first + (uint64_t)i + 1));
			return nids_err_set(err, NIDS_EFORMAT, where, "score '%s' is nan",
			                    h->cols[score].name);
		}
		int alarm = nids_is_alarm(s, t->value, t->direction);
		*alarms += (unsigned long long)alarm;
		if (alarms_only && !alarm)
			continue;
		memcpy(buf + (size_t)kept * out_c, row, in_c * sizeof *row);
		if (M)
			memcpy(mbuf + (size_t)kept * M, meta + (size_t)i * M, M);
		if (!alarms_only)
			buf[(size_t)kept * out_c + in_c] = (float)alarm;
		kept++;
	}
	return kept;
}

int nids_threshold_apply_stream(nids_reader *r, const char *name, const nids_threshold *t,
                                const nids_threshold_opts *o, FILE *out, const char *out_name,
                                unsigned long long *alarms, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	nids_scored_cols c;
	const char *score = o->score ? o->score : t->score[0] ? t->score : NULL;
	int alarms_only = o->alarms_only;
	if (nids_scored_find(h, score, t->direction, &c, name, err))
		return err->code;
	nids_threshold at = *t;
	at.direction = c.direction; /* --value without --high or --low: the column's role */
	if (o->alpha > 0 && !o->params) /* in the column's units: -log p, or log p */
		at.value = nids_threshold_alpha(o->alpha, c.direction);
	nids_header *oh = nids_header_copy(h);
	if (!oh)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!alarms_only && nids_header_add_column(oh, "alarm", NIDS_ROLE_ALARM, err) < 0) {
		nids_header_free(oh);
		return nids_err_set(err, NIDS_EFORMAT, name, "the stream already has a column 'alarm'");
	}
	size_t out_c = (size_t)oh->ncols, M = (size_t)h->meta_width;
	nids_writer *w = NULL;
	float *rows, *buf = NULL;
	unsigned char *mbuf = NULL;
	long n = 0, kept;
	int rc = nids_writer_open(&w, out, out_name, oh, o->level, err);
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
		kept = alarm_rows(h, c.score, &at, alarms_only, rows, nids_reader_meta(r), n,
		                  nids_reader_file_rows(r) - (uint64_t)n, name, buf, mbuf, alarms, err);
		if (kept < 0)
			rc = (int)kept;
		else if (kept)
			rc = nids_writer_write_meta(w, buf, mbuf, (size_t)kept, err);
	}
	if (!rc && n < 0)
		rc = (int)n;
	if (!rc) {
		rc = nids_writer_close(w, err);
		w = NULL;
	}
	nids_writer_free(w);
	free(buf);
	free(mbuf);
	nids_header_free(oh);
	return rc;
}
