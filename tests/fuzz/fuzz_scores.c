/* fuzz_scores.c: what reads scored streams: nids-roc's evaluation and reports (and
 * --multiclass), nids-threshold's fitting rules and its alarms pass, nids-split's
 * selection, sampling and train/validation routing.
 *
 * The input is not a stream but a recipe for one, written with the library's writer:
 * ten option bytes, then rows of a few bytes each. Scores come from a table of hard
 * values (NaN, infinities, signed zeros, denormals, float32's extremes, 2^52), from
 * small integers (ties), or from raw bits; the stream may have 0 to 3 score columns,
 * no label or no class column, odd class names, a 'pred' column, and may be two
 * concatenated copies. Besides crashes, the harness aborts when a result breaks what
 * the man pages promise:
 *   - AUROC equals the Mann-Whitney count done pair by pair, AUPRC lies in [0, 1], and
 *     either is NaN exactly when nids-roc(1) calls it undefined; a class against the
 *     benign rows gives the same figures in one walk as on its subset;
 *   - the best F1 is the largest F1 over the distinct scores, and is reached at its
 *     threshold;
 *   - a fitted threshold is a number that its threshold file writes and reads back, and
 *     a percentile or rate threshold flags, on the rows it was fitted on, the share of
 *     reference rows that its interpolation places it at;
 *   - applying a threshold counts the alarms that the comparison gives, and writes each
 *     row with its alarm (or the alarm rows alone);
 *   - the outputs of a split hold input rows in input order, their row counts add up
 *     to what was read less what the options drop, and exact-size samples have their
 *     size. */
#include "fuzz_common.h"

#include <float.h>
#include <math.h>

#include "metrics_class_impl.h"
#include "metrics_impl.h"
#include "nids/io.h"
#include "nids/roc.h"
#include "nids/split.h"
#include "nids/stream.h"
#include "nids/threshold.h"
#include "scored_impl.h"
#include "svg_density_impl.h"
#include "svg_plot_impl.h"
#include "threshold_impl.h"

#define MAX_ROWS 1024
#define NOPT 10

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_scores: %s\n", what);
	abort();
}

/* ---- the stream ---- */

typedef struct recipe {
	const uint8_t *opt;   /* [NOPT] */
	const uint8_t *p, *end;
	int nscore, label, cls, pred, twice, bad_labels;
	int nclasses;
	const char *classes[8];
	int C;                /* columns: i, scores, label, class, pred */
	int col_score[3], col_label, col_class, col_pred;
	size_t n;             /* rows per copy */
	float *rows;          /* [n x C] */
} recipe;

static const char *NAMES[] = { "normal", "benign", "dos", "a,b", "x\ty", "<&>\"'",
	                       "\xc3\xbc\xc3\xa9", "attack", "neptune", "0", "-", "a b",
	                       "pred", "score",
	                       "a-very-long-class-name-that-goes-on-and-on-past-forty-bytes" };

static float take_float(recipe *rc)
{
	static const float T[] = { NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-45f, -1e-45f,
		                   FLT_MIN, FLT_MAX, -FLT_MAX, 0x1p52f, -0x1p52f, 0x1p51f,
		                   1e30f, -1e30f, 0.1f, 1e-3f, 3e38f, 1e15f, 0x1.000002p52f };
	enum { NT = sizeof T / sizeof *T };
	if (rc->p >= rc->end)
		return 0;
	uint8_t b = *rc->p++;
	if (b < NT)
		return (!rc->bad_labels && b == 0) ? 1.0f : T[b];
	if (b == 255 && rc->end - rc->p >= 4) {
		float f;
		memcpy(&f, rc->p, 4);
		rc->p += 4;
		return isnan(f) && !rc->bad_labels ? 2.0f : f;
	}
	return (float)(b - NT) / 4 - 8; /* many ties, both signs */
}

static int build(recipe *rc, const uint8_t *data, size_t size)
{
	memset(rc, 0, sizeof *rc);
	if (size < NOPT)
		return -1;
	rc->opt = data;
	rc->p = data + NOPT;
	rc->end = data + size;
	uint8_t o0 = rc->opt[0], o1 = rc->opt[1];
	rc->nscore = o0 & 3;
	rc->label = (o0 >> 2) & 1;
	rc->cls = (o0 >> 3) & 1;
	rc->twice = (o0 >> 6) & 1;
	rc->bad_labels = (o0 >> 7) & 1;
	rc->nclasses = rc->cls ? 1 + (o1 & 7) : 0;
	rc->pred = rc->cls && (o1 & 0x80);
	for (int k = 0; k < rc->nclasses; k++)
		rc->classes[k] = NAMES[((o1 >> 3) + (unsigned)k * 7) % (sizeof NAMES / sizeof *NAMES)];
	int c = 1;
	for (int s = 0; s < rc->nscore; s++)
		rc->col_score[s] = c++;
	rc->col_label = rc->label ? c++ : -1;
	rc->col_class = rc->cls ? c++ : -1;
	rc->col_pred = rc->pred ? c++ : -1;
	rc->C = c;
	int per_row = rc->nscore + (rc->label || rc->cls ? 1 : 0);
	size_t avail = (size_t)(rc->end - rc->p);
	rc->n = per_row ? avail / (size_t)per_row : avail;
	if (rc->n > MAX_ROWS)
		rc->n = MAX_ROWS;
	rc->rows = calloc(rc->n * (size_t)c + 1, sizeof(float));
	if (!rc->rows)
		return -1;
	for (size_t i = 0; i < rc->n; i++) {
		float *row = rc->rows + i * (size_t)c;
		row[0] = (float)i;
		if (!per_row && rc->p < rc->end)
			rc->p++;
		for (int s = 0; s < rc->nscore; s++)
			row[rc->col_score[s]] = take_float(rc);
		if (rc->label || rc->cls) {
			uint8_t b = rc->p < rc->end ? *rc->p++ : 0;
			if (rc->label)
				row[rc->col_label] = rc->bad_labels && b == 0xff ? 0.5f : (float)(b & 1);
			if (rc->cls)
				row[rc->col_class] = (float)((b >> 1) % rc->nclasses);
			if (rc->pred)
				row[rc->col_pred] = (float)((b >> 4) % rc->nclasses);
		}
	}
	return 0;
}

static const char *score_name(int s) { static const char *N[] = { "score", "logp", "mae" }; return N[s]; }

/* The stream of the recipe (twice, concatenated, when asked) in *buf [*len]. */
static int write_stream(const recipe *rc, char **buf, size_t *len)
{
	nids_err err = { 0 };
	nids_header *h = nids_header_new();
	int ok = h && nids_header_add_column(h, "i", NIDS_ROLE_FEATURE, &err) >= 0;
	for (int s = 0; ok && s < rc->nscore; s++) /* the second is a log-likelihood */
		ok = nids_header_add_column(h, score_name(s), s == 1 || (rc->opt[0] & 0x20)
		                                                      ? NIDS_ROLE_SCORE_LOW
		                                                      : NIDS_ROLE_SCORE, &err) >= 0;
	if (ok && rc->label)
		ok = nids_header_add_column(h, "label", NIDS_ROLE_LABEL, &err) >= 0;
	if (ok && rc->cls)
		ok = nids_header_add_column(h, "class", NIDS_ROLE_CLASS, &err) >= 0;
	if (ok && rc->pred)
		ok = nids_header_add_column(h, "pred", NIDS_ROLE_CLASS, &err) >= 0;
	/* the second copy may list the classes the other way round: the reader maps its
	   ids onto the first copy's table */
	int flip = rc->twice && (rc->opt[1] & 0x40);
	nids_header *h2 = ok ? nids_header_copy(h) : NULL;
	float *rows2 = malloc(rc->n * (size_t)rc->C * sizeof(float) + 1);
	for (int k = 0; h2 && k < rc->nclasses; k++) {
		ok &= nids_header_add_class(h, rc->classes[k]) == k;
		ok &= nids_header_add_class(h2, rc->classes[flip ? rc->nclasses - 1 - k : k]) == k;
	}
	FILE *f = ok && h2 && rows2 ? open_memstream(buf, len) : NULL;
	if (!f) {
		nids_header_free(h);
		nids_header_free(h2);
		free(rows2);
		return -1;
	}
	memcpy(rows2, rc->rows, rc->n * (size_t)rc->C * sizeof(float));
	for (size_t i = 0; flip && i < rc->n; i++)
		for (int c = 0; c < rc->C; c++)
			if (c == rc->col_class || c == rc->col_pred)
				rows2[i * (size_t)rc->C + (size_t)c] =
				        (float)(rc->nclasses - 1) - rows2[i * (size_t)rc->C + (size_t)c];
	for (int copy = 0; copy <= rc->twice; copy++) {
		nids_writer *w = NULL;
		if (nids_writer_open(&w, f, "mem", copy ? h2 : h, (rc->opt[0] & 0x10) ? 1 : 0, &err) ||
		    nids_writer_write(w, copy ? rows2 : rc->rows, rc->n, &err) ||
		    nids_writer_close(w, &err))
			fail("the writer refused a stream of its own header");
	}
	nids_header_free(h);
	nids_header_free(h2);
	free(rows2);
	if (fclose(f))
		abort();
	return 0;
}

/* Every row of the stream buf [len] into *rows [*n x *C] (malloc'd). 0 or -1. */
static int read_rows(const char *buf, size_t len, float **rows, size_t *n, int *C)
{
	nids_input *in;
	nids_reader *r;
	*rows = NULL, *n = 0;
	if (fuzz_open_stream(3, buf, len, &in, &r))
		return -1;
	*C = nids_reader_header(r)->ncols;
	nids_err err = { 0 };
	float *b;
	long k;
	while ((k = nids_reader_next(r, &b, &err)) > 0) {
		float *g = realloc(*rows, (*n + (size_t)k) * (size_t)*C * sizeof(float));
		if (!g)
			abort();
		*rows = g;
		memcpy(g + *n * (size_t)*C, b, (size_t)k * (size_t)*C * sizeof(float));
		*n += (size_t)k;
	}
	nids_reader_free(r);
	nids_input_free(in);
	return k < 0 ? -1 : 0;
}

/* ---- nids-roc ---- */

/* Mann-Whitney pair by pair: twice the count, as an exact integer. */
static double naive_auroc(const float *s, const int *y, size_t n, int dir)
{
	unsigned long long u2 = 0, P = 0, N = 0;
	for (size_t i = 0; i < n; i++) {
		P += y[i] == 1, N += y[i] == 0;
		for (size_t j = 0; y[i] == 1 && j < n; j++) {
			if (y[j] != 0)
				continue;
			int more = dir == NIDS_DIR_LOW ? s[i] < s[j] : s[i] > s[j];
			u2 += more ? 2 : s[i] == s[j];
		}
	}
	if (!P || !N)
		return NAN;
	return (double)((long double)u2 / (2.0L * (long double)P * (long double)N));
}

/* The largest F1 over thresholds at each distinct score, pair by pair. */
static double naive_best_f1(const float *s, const int *y, size_t n, int dir)
{
	size_t P = 0;
	for (size_t i = 0; i < n; i++)
		P += y[i] == 1;
	double best = NAN;
	for (size_t t = 0; P && t < n; t++) {
		size_t tp = 0, fp = 0;
		for (size_t i = 0; i < n; i++)
			if (dir == NIDS_DIR_LOW ? s[i] <= s[t] : s[i] >= s[t])
				tp += y[i] == 1, fp += y[i] == 0;
		double f1 = 2.0 * (double)tp / (double)(tp + fp + P);
		if (isnan(best) || f1 > best)
			best = f1;
	}
	return best;
}

static void check_svg(const char *svg, size_t len, const char *what)
{
	/* a number attribute never reads nan or inf (text such as "AUC = nan" may) */
	for (size_t i = 1; i + 4 < len; i++) {
		const char *p = svg + i;
		if (strncmp(p, "nan", 3) && strncmp(p, "inf", 3))
			continue;
		char a = p[-1] == '-' && i > 1 ? p[-2] : p[-1], z = p[3];
		if ((a == '"' || a == ',' || a == ' ') && (z == '"' || z == ',' || z == ' ')) {
			fprintf(stderr, "fuzz_scores: %s: '%.40s'\n", what, p - (p - svg < 40 ? p - svg : 40));
			fail("a non-finite number in an SVG attribute");
		}
	}
}

/* The figures of the rows in e checked against the pair-by-pair ones. */
static void check_eval(const nids_eval *e, int nclasses)
{
	size_t n = nids_eval_rows(e);
	float *s = malloc((n + 1) * sizeof *s);
	int *y = malloc((n + 1) * sizeof *y);
	if (!s || !y)
		abort();
	int dir = nids_eval_direction(e);
	for (size_t i = 0; i < n; i++)
		s[i] = nids_eval_score_at(e, i), y[i] = nids_eval_label_at(e, i);
	for (size_t i = 1; i < n; i++) /* most anomalous first */
		if (dir == NIDS_DIR_LOW ? s[i] < s[i - 1] : s[i] > s[i - 1])
			fail("rows not sorted from most to least anomalous");
	double auroc = nids_eval_auroc(e), auprc = nids_eval_auprc(e), f1, t;
	nids_eval_best_f1(e, &f1, &t);
	int has_p = nids_eval_attacks(e) > 0, has_n = nids_eval_benign(e) > 0;
	if (isnan(auroc) != !(has_p && has_n) || isnan(auprc) != !has_p || isnan(f1) != !has_p)
		fail("a metric is NaN when it is defined, or defined when it is not");
	if (!isnan(auroc) && auroc != naive_auroc(s, y, n, dir))
		fail("AUROC differs from the pairwise Mann-Whitney count");
	if (!isnan(auprc) && !(auprc >= 0 && auprc <= 1 + 1e-12))
		fail("AUPRC outside [0, 1]");
	if (has_p) {
		if (fabs(f1 - naive_best_f1(s, y, n, dir)) > 1e-12)
			fail("best F1 is not the largest F1");
		nids_confusion c;
		nids_eval_confusion(e, t, &c, 0, NULL);
		if (fabs(c.f1 - f1) > 1e-12)
			fail("best F1 is not reached at its threshold");
	}
	for (int k = 0; k < nclasses && nids_eval_labeled(e); k++) {
		double a1, p1;
		nids_eval_vs_benign_auc(e, k, &a1, &p1);
		nids_eval *sub = NULL;
		nids_err err = { 0 };
		if (nids_eval_vs_benign(e, k, &sub, &err))
			abort();
		double a2 = nids_eval_auroc(sub), p2 = nids_eval_auprc(sub);
		if (isnan(a1) != isnan(a2) || isnan(p1) != isnan(p2) ||
		    (!isnan(a1) && fabs(a1 - a2) > 1e-9) || (!isnan(p1) && fabs(p1 - p2) > 1e-9))
			fail("a class against the benign rows differs between its two ways");
		nids_eval_free(sub);
	}
	free(s);
	free(y);
}

static void roc(const recipe *rc, const char *buf, size_t len)
{
	uint8_t o2 = rc->opt[2], o3 = rc->opt[3];
	static const char *CURVE[] = { NULL, "roc", "pr", NULL };
	static const double TV[] = { 0, 1, -1, 0.5, INFINITY, -INFINITY, 1e30, 0x1p52 };
	nids_roc_opts o = { .threshold = NAN, .direction = (o3 & 3) == 3 ? -1 : (o3 & 1) };
	o.json = o2 & 1;
	o.curve = CURVE[(o2 >> 1) & 3];
	if (o.json && o.curve)
		o.curve = NULL;
	o.vs_benign = (o2 >> 3) & 1;
	if ((o2 & 0x10) && rc->nclasses)
		o.cls = rc->classes[o3 >> 6 < rc->nclasses ? o3 >> 6 : 0];
	if (o2 & 0x20)
		o.threshold = TV[(o3 >> 2) & 7];
	nids_threshold t = { .value = TV[(o3 >> 5) & 7], .direction = o3 & 1 };
	snprintf(t.score, sizeof t.score, "%s", score_name(o3 & 1 ? 1 : 0));
	snprintf(t.method, sizeof t.method, "value");
	if ((o2 & 0x40) && isnan(o.threshold)) {
		o.params = &t;
		o.params_file = "t";
	}
	if ((o2 & 0x80) && rc->nscore)
		o.score = score_name((o3 >> 4) % rc->nscore);
	o.output = o.svg = o.density = "/dev/null";
	if (!(rc->opt[4] & 0x80))
		o.svg = o.density = NULL;
	nids_err err = { 0 };
	if (nids_roc_check(&o, &err))
		fail("a combination that nids-roc takes is refused");
	nids_input *in;
	nids_reader *r;
	if (fuzz_open_stream(0, buf, len, &in, &r))
		fail("a stream of the writer does not open");
	nids_roc *res = NULL;
	if (!nids_roc_evaluate(&res, r, "mem", &o, &err)) {
		nids_roc_warning(res);
		nids_roc_save(res, &o, "mem", 2 + (o3 >> 2) % 100, &err);
	}
	nids_roc_free(res);
	nids_reader_free(r);
	nids_input_free(in);

	if (rc->pred) { /* --multiclass: 'pred' against the class or the label */
		static const char *TRUTH[] = { NULL, "class", "label", NULL };
		nids_roc_opts m = { .threshold = NAN, .direction = -1, .multiclass = 1,
			            .json = o2 & 1, .truth = TRUTH[(o3 >> 2) & 3],
			            .output = "/dev/null", .svg = (o3 & 2) ? "/dev/null" : NULL };
		if (nids_roc_check(&m, &err))
			fail("a --multiclass combination that nids-roc takes is refused");
		if (fuzz_open_stream(0, buf, len, &in, &r))
			abort();
		nids_roc_multiclass(r, "mem", &m, &err);
		nids_reader_free(r);
		nids_input_free(in);
	}

	/* the same rows as nids_roc_evaluate loads them, checked, then drawn to memory */
	if (fuzz_open_stream(0, buf, len, &in, &r))
		abort();
	nids_scored_cols c;
	const nids_header *h = nids_reader_header(r);
	nids_eval *e = NULL;
	if (!nids_scored_find(h, o.score, o.direction, &c, "mem", &err) &&
	    (e = nids_eval_new(c.direction)) && !nids_scored_load(r, &c, e, "mem", &err)) {
		check_eval(e, h->nclasses);
		nids_svg_opts so = { "t", (const char *const *)h->classes, h->nclasses,
			             isnan(o.threshold) ? 0.5 : o.threshold, 2 + o3 % 200 };
		if (nids_eval_rows(e) && (o3 & 0x80)) /* a threshold at a score, as best F1's */
			so.threshold = nids_eval_score_at(e, nids_eval_rows(e) / 2);
		char *svg = NULL;
		size_t slen = 0;
		FILE *f = open_memstream(&svg, &slen);
		if (!f)
			abort();
		int bad = nids_svg_plot(f, "mem", e, &so, &err);
		fflush(f);
		if (!bad)
			check_svg(svg, slen, "plot");
		rewind(f);
		bad = nids_svg_density(f, "mem", e, &so, &err);
		fflush(f);
		if (!bad)
			check_svg(svg, ftell(f) < 0 ? 0 : (size_t)ftell(f), "density");
		fclose(f);
		free(svg);
	}
	nids_eval_free(e);
	nids_reader_free(r);
	nids_input_free(in);
}

/* ---- nids-threshold ---- */

/* Reference scores (benign rows if labeled and not all, else every row) ascending. */
static size_t reference(const nids_eval *e, int all, double *x)
{
	size_t n = nids_eval_rows(e), k = 0;
	for (size_t i = 0; i < n; i++)
		if (all || !nids_eval_labeled(e) || nids_eval_label_at(e, i) == 0)
			x[k++] = nids_eval_score_at(e, i);
	for (size_t i = 1; i < k; i++) /* insertion sort: sorted already, reversed or not */
		for (size_t j = i; j > 0 && x[j - 1] > x[j]; j--) {
			double v = x[j];
			x[j] = x[j - 1], x[j - 1] = v;
		}
	return k;
}

/* A percentile threshold v at p of x [n] flags what its interpolation says: every
 * reference row past the upper neighbour of the virtual index, and none short of the
 * lower one. */
static void check_share(const nids_eval *e, int all, double p, double v)
{
	double *x = malloc((nids_eval_rows(e) + 1) * sizeof *x);
	if (!x)
		abort();
	size_t n = reference(e, all, x), alarms = 0;
	int dir = nids_eval_direction(e);
	for (size_t i = 0; i < n; i++)
		alarms += nids_is_alarm((float)x[i], v, dir);
	double h = (double)(n - 1) * p / 100;
	size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
	size_t least = 0, most = 0; /* rows at least as anomalous as x[hi] / as x[lo] */
	for (size_t i = 0; i < n; i++) {
		least += nids_is_alarm((float)x[i], x[dir == NIDS_DIR_LOW ? lo : hi], dir);
		most += nids_is_alarm((float)x[i], x[dir == NIDS_DIR_LOW ? hi : lo], dir);
	}
	if (alarms < least || alarms > most) {
		fprintf(stderr, "fuzz_scores: %zu reference rows, p %.17g, threshold %.17g: %zu "
		        "alarms, expected %zu to %zu\n", n, p, v, alarms, least, most);
		fail("a fitted threshold does not flag the share it was fitted to");
	}
	free(x);
}

static double rule_param(int rule, uint8_t b)
{
	static const double V[] = { 0, 1, -1, 0.5, 1e300, -1e300, INFINITY, 0x1p52 };
	switch (rule) {
	case NIDS_FIT_PERCENTILE: return b == 255 ? 100 : b * 100.0 / 254;
	case NIDS_FIT_SIGMA: return b < 200 ? (b - 100) / 10.0 : (b & 1 ? 1e6 : -1e6);
	case NIDS_FIT_RATE: return b / 255.0;
	default: return V[b & 7];
	}
}

static void threshold(const recipe *rc, const char *buf, size_t len)
{
	uint8_t o4 = rc->opt[4], o5 = rc->opt[5];
	int rule = o4 % 5, dir = (o4 >> 3) % 3 - 1;
	double param = rule_param(rule, o5);
	const char *score = (o4 & 0x40) && rc->nscore ? score_name(o5 % rc->nscore) : NULL;
	nids_input *in;
	nids_reader *r;
	if (fuzz_open_stream(1, buf, len, &in, &r))
		abort();
	nids_threshold t = { 0 };
	nids_err err = { 0 };
	int rc_fit = nids_threshold_fit_stream(r, "mem", score, dir, rule, param, &t, &err);
	nids_reader_free(r);
	nids_input_free(in);
	if (rc_fit)
		return;
	/* the threshold file it makes reads back as the same threshold */
	char *file = NULL;
	size_t flen = 0;
	FILE *f = open_memstream(&file, &flen);
	if (!f)
		abort();
	if (nids_threshold_write(f, "mem", &t, &err))
		fail("a fitted threshold does not write");
	fclose(f);
	nids_threshold back;
	if (nids_threshold_read(fuzz_file(2, (const uint8_t *)file, flen), &back, &err)) {
		fprintf(stderr, "fuzz_scores: %s: %s\n%s", err.where, err.msg, file);
		fail("the threshold file of a fitted threshold does not read back");
	}
	if (!(back.value == t.value || (isnan(back.value) && isnan(t.value))) ||
	    back.direction != t.direction || strcmp(back.score, t.score))
		fail("the threshold file reads back as another threshold");
	free(file);

	/* the share it flags, on the rows it was fitted on */
	if (rule == NIDS_FIT_PERCENTILE || rule == NIDS_FIT_RATE) {
		if (fuzz_open_stream(1, buf, len, &in, &r))
			abort();
		nids_scored_cols c;
		nids_eval *e = NULL;
		if (nids_scored_find(nids_reader_header(r), score, dir, &c, "mem", &err) ||
		    !(e = nids_eval_new(c.direction)) || nids_scored_load(r, &c, e, "mem", &err))
			fail("rows that fitted do not load");
		double p = rule == NIDS_FIT_PERCENTILE ? param
		           : c.direction == NIDS_DIR_LOW ? 100.0 * param : 100.0 - 100.0 * param;
		check_share(e, rule == NIDS_FIT_RATE, p, t.value);
		nids_eval_free(e);
		nids_reader_free(r);
		nids_input_free(in);
	}

	/* applied to the same rows: each row once, with its alarm */
	nids_threshold_opts o = { .rule = -1, .direction = dir, .score = score,
		                  .alarms_only = (o4 >> 5) & 1, .params = "t" };
	if (o4 & 0x80) /* --alpha instead: its threshold in the column's units */
		o.params = NULL, o.alpha = (o5 + 1) / 257.0;
	if (fuzz_open_stream(1, buf, len, &in, &r))
		abort();
	char *out = NULL;
	size_t olen = 0;
	f = open_memstream(&out, &olen);
	if (!f)
		abort();
	unsigned long long alarms = 0;
	int arc = nids_threshold_apply_stream(r, "mem", &t, &o, f, "out", &alarms, &err);
	uint64_t in_rows = nids_reader_rows(r);
	nids_reader_free(r);
	nids_input_free(in);
	fclose(f);
	float *rows;
	size_t n;
	int C;
	if (!arc) {
		if (read_rows(out, olen, &rows, &n, &C))
			fail("the stream of the alarms pass does not read back");
		if (n != (o.alarms_only ? alarms : in_rows))
			fail("the alarms pass wrote another number of rows than it counted");
		for (size_t i = 0; !o.alarms_only && i < n; i++)
			alarms -= rows[i * (size_t)C + (size_t)C - 1] == 1.0f;
		if (!o.alarms_only && alarms)
			fail("the alarm column disagrees with the alarm count");
		free(rows);
	}
	free(out);
}

/* ---- nids-split ---- */

/* Whether the rows a [na x C] are a subsequence of b [nb x C], bit for bit. */
static int subsequence(const float *a, size_t na, const float *b, size_t nb, int C)
{
	size_t j = 0;
	for (size_t i = 0; i < na; i++) {
		while (j < nb && memcmp(a + i * (size_t)C, b + j * (size_t)C, (size_t)C * sizeof(float)))
			j++;
		if (j++ >= nb)
			return 0;
	}
	return 1;
}

static void split(const recipe *rc, const char *buf, size_t len)
{
	uint8_t o6 = rc->opt[6], o7 = rc->opt[7], o8 = rc->opt[8], o9 = rc->opt[9];
	nids_split_opts o = { .fraction = 1, .seed = o9 };
	nids_split_args a = { 0 };
	static const char *ROWS[] = { "1", "2", "3", "5", "10", "64", "1000", "9223372036854775807" };
	static const char *RATIO[] = { "0", "1", "0.5", "0.25", "0.999", "1e-9", "0.1", "0.75" };
	static const char *QUOTA[] = { "0", "1", "2", "7", "100", "9223372036854775807" };
	char *classes[2];
	o.keep = o6 % 3;
	if (o6 & 0x04)
		o.fraction = (o8 + 1) / 256.0;
	if (o6 & 0x08)
		o.val = (o8 & 0x0f) / 15.0;
	a.out[1] = o.val > 0 ? "val" : NULL;
	o.balance = !o.keep && (o6 & 0x10);
	switch ((o6 >> 5) & 3) {
	case 1: a.rows = ROWS[o7 & 7]; break;
	case 2: a.rows = ROWS[o7 & 7], a.ratio = RATIO[(o7 >> 3) & 7]; break;
	case 3:
		if (!o.keep) {
			a.quota[0] = (o7 & 0x40) ? QUOTA[(o7 & 7) % 6] : NULL;
			a.quota[1] = (o7 & 0x80) ? QUOTA[((o7 >> 3) & 7) % 6] : NULL;
		}
		break;
	}
	if ((o6 & 0x80) && rc->nclasses) {
		classes[0] = (char *)rc->classes[o8 % rc->nclasses];
		classes[1] = (char *)(o8 & 0x80 ? "no-such-class" : rc->classes[o9 % rc->nclasses]);
		o.classes = classes;
		o.nclasses = 1 + (o8 >> 6 & 1);
	}
	if (o.balance && (a.rows || a.quota[0] || a.quota[1]))
		a.rows = a.ratio = a.quota[0] = a.quota[1] = NULL;
	nids_err err = { 0 };
	uint64_t *rec = NULL;
	if (nids_split_args_apply(&o, &a, &rec, &err))
		return;
	nids_input *in;
	nids_reader *r;
	if (fuzz_open_stream(1, buf, len, &in, &r))
		abort();
	char *ob[2] = { NULL, NULL };
	size_t ol[2] = { 0, 0 };
	FILE *f[2] = { open_memstream(&ob[0], &ol[0]), open_memstream(&ob[1], &ol[1]) };
	if (!f[0] || !f[1])
		abort();
	const char *names[2] = { "train", "val" };
	nids_split_counts c = { 0 };
	int src = nids_split_run(&o, r, "mem", f, names, &c, &err);
	nids_reader_free(r);
	nids_input_free(in);
	fclose(f[0]);
	fclose(f[1]);
	if (!src) {
		float *all, *part[2] = { NULL, NULL };
		size_t n, np[2] = { 0, 0 };
		int C, Cp;
		if (read_rows(buf, len, &all, &n, &C))
			abort();
		for (int k = 0; k < 1 + (o.val > 0); k++) {
			if (read_rows(ob[k], ol[k], &part[k], &np[k], &Cp) || Cp != C)
				fail("a split output does not read back");
			if (np[k] != c.out[k])
				fail("a split output holds another number of rows than counted");
			if (!subsequence(part[k], np[k], all, n, C))
				fail("a split output holds rows that are not input rows in input order");
			uint64_t g = 0;
			for (int j = 0; j < c.ngroups; j++)
				g += c.by_group[k][j];
			if (c.ngroups && g != c.out[k])
				fail("the per-group counts do not add up to the output's rows");
		}
		uint64_t kept = c.out[0] + c.out[1], attacks = 0;
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; rc->label && i < np[k]; i++)
				attacks += part[k][i * (size_t)C + (size_t)rc->col_label] != 0;
		if (c.in != n || kept > n)
			fail("a split keeps more rows than it read");
		if (!o.keep && o.fraction >= 1 && !o.nclasses && !o.sampling && !o.balance &&
		    kept != n)
			fail("a split that drops nothing lost rows");
		if (o.sampling && !o.sample_by_label && kept != o.sample[0])
			fail("--rows kept another number of rows");
		if (o.sampling && o.sample_by_label &&
		    ((o.sample[1] != UINT64_MAX && attacks != o.sample[1]) ||
		     (o.sample[0] != UINT64_MAX && kept - attacks != o.sample[0])))
			fail("exact-size sampling by label kept other counts");
		if (o.balance && attacks * 2 != kept)
			fail("--balance kept unequal labels");
		if (o.keep && attacks != (o.keep == NIDS_SPLIT_ATTACKS ? kept : 0))
			fail("--benign or --attacks kept the other label");
		free(all);
		free(part[0]);
		free(part[1]);
	}
	nids_split_counts_free(&c);
	free(ob[0]);
	free(ob[1]);
	free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	recipe rc;
	if (build(&rc, data, size))
		return 0;
	char *buf = NULL;
	size_t len = 0;
	if (write_stream(&rc, &buf, &len) == 0) {
		const char *dump = getenv("FUZZ_SCORES_DUMP"); /* the stream, for the programs */
		FILE *df = dump ? fopen(dump, "wb") : NULL;
		if (df && (fwrite(buf, 1, len, df) != len || fclose(df)))
			abort();
		roc(&rc, buf, len);
		threshold(&rc, buf, len);
		split(&rc, buf, len);
	}
	free(buf);
	free(rc.rows);
	return 0;
}
