/* fuzz_explain.c: nids-explain's library: nids_explain_check, nids_explain_stream with
 * every method a model type offers (TreeSHAP, kernel SHAP, gradients, integrated
 * gradients, reconstruction errors), a background, --alarms-only, --top (text and JSON),
 * fingerprints, heatmaps and waterfalls.
 *
 * The models are the seeds of fuzz_model (tests/fuzz/corpus/model, every type fitted on
 * 60 rows of 4 features), read once from the source tree named at build time. The input
 * is a recipe: six option bytes (model, method, outputs, budget, background, steps),
 * then rows, each feature a byte naming a hard value (NaN, infinities, signed zeros,
 * denormals, float32's extremes, 1e30) or a small number, or 0xff and a raw float, then
 * a byte for the label and class, and optionally a time and a label and class of such
 * values. The first rows also make the background. The harness writes the rows twice,
 * one copy after the other, and aborts when
 *   - a row's attributions differ, byte for byte, between its two copies (nids-explain(1):
 *     a row's attributions depend on the row alone, not on its position);
 *   - a row, its score and the base value are finite, and (for kernel SHAP and
 *     integrated gradients) the background lies within +-1e6, and (kernel SHAP) the
 *     rows mixing the row's and the background's values score finitely, but an
 *     attribution is not;
 *   - for tree and shap, the base value plus the attributions is not the score, to the
 *     tolerance of tests/cli/nids-explain.bats (1e-5 of the terms' sizes: each is stored
 *     as a float32);
 *   - every attribution is finite, but a heatmap or waterfall has a nan or inf
 *     coordinate. */
#include "fuzz_common.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <strings.h>

#include "model_impl.h"
#include "nids/explain.h"
#include "nids/io.h"
#include "nids/normalize.h"
#include "nids/score.h"
#include "nids/stream.h"

#ifndef FUZZ_MODELS
#error "FUZZ_MODELS: the directory of model seeds (the Makefile defines it)"
#endif

#define NOPT 6
#define MAX_ROWS 24 /* per copy: kernel SHAP costs rows x coalitions x background */
#define MAX_MODELS 32

static nids_model *models[MAX_MODELS];
static int nmodels;

static void fail(const char *what, int model, long row)
{
	fprintf(stderr, "fuzz_explain: model %s, row %ld: %s\n", models[model]->type->name, row, what);
	abort();
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads every model file of FUZZ_MODELS, in name order. */
static void load_models(void)
{
	DIR *dir = opendir(FUZZ_MODELS);
	char *names[MAX_MODELS], path[4096];
	int n = 0;
	struct dirent *de;
	if (!dir) {
		perror(FUZZ_MODELS);
		abort();
	}
	while ((de = readdir(dir)) && n < MAX_MODELS)
		if (de->d_name[0] != '.' && !(names[n++] = strdup(de->d_name)))
			abort();
	closedir(dir);
	qsort(names, (size_t)n, sizeof *names, by_name);
	for (int i = 0; i < n; i++) {
		nids_err err = { 0 };
		snprintf(path, sizeof path, "%s/%s", FUZZ_MODELS, names[i]);
		if (nids_model_read(&models[nmodels], path, &err) == 0)
			nmodels++;
		free(names[i]);
	}
	if (!nmodels)
		abort();
}

/* ---- the input ---- */

typedef struct recipe {
	const uint8_t *opt, *p, *end;
	int model, d, label, cls, time, C; /* columns: i, features, label, class, time */
	size_t n, nbg;               /* rows per copy; the first nbg are the background */
	int bg_tame;                 /* the background's features lie within +-1e6 */
	float *rows;                 /* [2 n x C]: the rows, then the same again */
} recipe;

static float take_float(recipe *rc)
{
	static const float T[] = { NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-45f, -1e-45f,
		                   FLT_MIN, 1e-40f, FLT_MAX, -FLT_MAX, 1e30f, -1e30f, 3e38f,
		                   65536.0f, 1e-3f, 0.5f, 1.0f };
	enum { NT = sizeof T / sizeof *T };
	if (rc->p >= rc->end)
		return 0;
	uint8_t b = *rc->p++;
	if (b < NT)
		return T[b];
	if (b == 255 && rc->end - rc->p >= 4) {
		float f;
		memcpy(&f, rc->p, 4);
		rc->p += 4;
		return f;
	}
	return (float)(b - NT) / 16 - 4; /* near the training rows' range, and ties */
}

static int build(recipe *rc, const uint8_t *data, size_t size)
{
	memset(rc, 0, sizeof *rc);
	if (size < NOPT)
		return -1;
	rc->opt = data, rc->p = data + NOPT, rc->end = data + size;
	rc->model = rc->opt[0] % nmodels;
	rc->d = models[rc->model]->d;
	rc->label = rc->opt[4] >> 2 & 1;
	rc->cls = rc->opt[4] >> 3 & 1;
	rc->time = rc->opt[4] >> 4 & 1; /* a time column, and label and class of any value */
	rc->C = 1 + rc->d + rc->label + rc->cls + rc->time;
	rc->rows = calloc((size_t)2 * MAX_ROWS * (size_t)rc->C, sizeof(float));
	if (!rc->rows)
		return -1;
	for (; rc->p < rc->end && rc->n < MAX_ROWS; rc->n++) {
		float *row = rc->rows + rc->n * (size_t)rc->C;
		row[0] = (float)rc->n;
		for (int j = 0; j < rc->d; j++)
			row[1 + j] = take_float(rc);
		uint8_t b = rc->p < rc->end ? *rc->p++ : 0;
		if (rc->label)
			row[1 + rc->d] = rc->time && (b & 2) ? take_float(rc) : (float)(b & 1);
		if (rc->cls)
			row[1 + rc->d + rc->label] = rc->time && (b & 4) ? take_float(rc) : (float)(b % 3);
		if (rc->time)
			row[rc->C - 1] = take_float(rc);
	}
	rc->nbg = rc->n * (size_t)(rc->opt[4] >> 5) / 7;
	rc->bg_tame = 1;
	for (size_t i = 0; i < rc->nbg; i++)
		for (int j = 0; j < rc->d; j++)
			rc->bg_tame &= fabsf(rc->rows[i * (size_t)rc->C + 1 + (size_t)j]) <= 1e6f;
	memcpy(rc->rows + rc->n * (size_t)rc->C, rc->rows, sizeof(float) * rc->n * (size_t)rc->C);
	for (size_t i = 0; i < rc->n; i++)
		rc->rows[(rc->n + i) * (size_t)rc->C] = (float)(rc->n + i);
	return rc->n ? 0 : -1;
}

/* The stream of rows [n x C] in *buf [*len]; 0 or -1. */
static int write_stream(const recipe *rc, const float *rows, size_t n, char **buf, size_t *len)
{
	static const char *const classes[] = { "normal", "dos", "probe" };
	const nids_model *m = models[rc->model];
	nids_err err = { 0 };
	nids_header *h = nids_header_new();
	int ok = h && nids_header_add_column(h, "i", NIDS_ROLE_ID, &err) >= 0;
	for (int j = 0; ok && j < rc->d; j++)
		ok = nids_header_add_column(h, m->features[j], NIDS_ROLE_FEATURE, &err) >= 0;
	if (ok && rc->label)
		ok = nids_header_add_column(h, "label", NIDS_ROLE_LABEL, &err) >= 0;
	if (ok && rc->cls)
		ok = nids_header_add_column(h, "class", NIDS_ROLE_CLASS, &err) >= 0;
	if (ok && rc->time)
		ok = nids_header_add_column(h, "time", NIDS_ROLE_TIME, &err) >= 0;
	for (int k = 0; ok && rc->cls && k < 3; k++)
		ok = nids_header_add_class(h, classes[k]) == k;
	FILE *f = ok ? open_memstream(buf, len) : NULL;
	nids_writer *w = NULL;
	if (!f) {
		nids_header_free(h);
		return -1;
	}
	if (nids_writer_open(&w, f, "mem", h, 0, &err) || nids_writer_write(w, rows, n, &err) ||
	    nids_writer_close(w, &err))
		abort(); /* the writer refused a stream of its own header */
	nids_header_free(h);
	return fclose(f) ? -1 : 0;
}

/* ---- the checks ---- */

/* The model's score of every row of out [n x C] (the explained stream, header h), with
 * the preprocessing nids-score applies: into sc [n]. 0, or -1 when it cannot score. */
static int scores(const nids_model *m, const nids_header *h, const float *out, size_t n,
                  int logit, double *sc)
{
	nids_err err = { 0 };
	struct nids_norm *norm = NULL;
	int clamp = 0, C = h->ncols, d = m->d, rc = -1;
	if (nids_score_plan(m, h, &norm, &clamp, &err) ||
	    (norm && nids_norm_bind(norm, h, "model", &err))) {
		nids_norm_free(norm);
		return -1;
	}
	float *rows = malloc(sizeof(float) * (n ? n : 1) * (size_t)C);
	float *x = malloc(sizeof(float) * (n ? n : 1) * (size_t)d);
	int nout = nids_model_outputs(m, 0, NULL, &err);
	float *o = nout > 0 ? malloc(sizeof(float) * (n ? n : 1) * (size_t)nout) : NULL;
	nids_scorer *s = NULL;
	if (rows && x && o && n) {
		memcpy(rows, out, sizeof(float) * n * (size_t)C);
		if ((!norm || !nids_norm_apply(norm, rows, n, clamp, "mem", 1, &err)) &&
		    !nids_scorer_new(&s, m, 0, 1, (int)n, &err)) {
			for (size_t i = 0; i < n; i++)
				for (int j = 0, k = 0; j < C; j++)
					if (h->cols[j].role == NIDS_ROLE_FEATURE)
						x[i * d + k++] = rows[i * C + j];
			nids_scorer_run(s, x, (int)n, 0, o);
			for (size_t i = 0; i < n; i++) {
				double v = o[i * nout];
				sc[i] = logit ? log(v / (1 - v)) : v;
			}
			rc = 0;
		}
	}
	nids_scorer_free(s);
	nids_norm_free(norm);
	free(rows), free(x), free(o);
	return rc;
}

/* 1 when the model scores finitely every row that takes each feature from row (of the
 * explained stream, header h) or from one of the background's rows, 1024 rows at most
 * (else 0): the rows kernel SHAP evaluates are among them, since its k-means centroids
 * take values the background takes. A model may score a finite row nan (vae, from an
 * encoder log-variance whose exp overflows), and such a row then makes the
 * attributions nan. */
static int mixes_finite(const recipe *rc, const nids_header *h, const float *row, int logit)
{
	enum { CAP = 1024 };
	float vals[4][MAX_ROWS + 1];
	int nv[4], d = rc->d, C = h->ncols, total = 1, ok = 1;
	if (d > 4)
		return 0;
	for (int j = 0; j < d; j++) {
		vals[j][0] = row[1 + j], nv[j] = 1;
		for (size_t i = 0; i < rc->nbg; i++)
			vals[j][nv[j]++] = rc->rows[i * (size_t)rc->C + 1 + (size_t)j];
		if ((total *= nv[j]) > CAP)
			return 0;
	}
	float *rows = malloc(sizeof(float) * (size_t)total * (size_t)C);
	double *sc = malloc(sizeof(double) * (size_t)total);
	for (int t = 0; rows && sc && t < total; t++) {
		float *r = rows + (size_t)t * C;
		memcpy(r, row, sizeof(float) * (size_t)C);
		for (int j = 0, q = t; j < d; q /= nv[j], j++)
			r[1 + j] = vals[j][q % nv[j]];
	}
	ok = rows && sc && scores(models[rc->model], h, rows, (size_t)total, logit, sc) == 0;
	for (int t = 0; ok && t < total; t++)
		ok = isfinite(sc[t]) != 0;
	free(rows), free(sc);
	return ok;
}

/* Aborts when an SVG holds nan or inf inside a tag (a coordinate or a size); its text
 * may name such values, a feature's value for instance. */
static void svg_check(const char *s, size_t n, int model, const char *what)
{
	int tag = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '<' || s[i] == '>')
			tag = s[i] == '<';
		else if (tag && n - i >= 3 && (!strncasecmp(s + i, "nan", 3) || !strncasecmp(s + i, "inf", 3)))
			fail(what, model, -1);
}

/* Reads the explained stream back and checks its rows (see the top of the file); returns
 * 1 when every attribution and base value it holds is finite (NaN bases where the method
 * has none). */
static int check(const recipe *rc, const nids_explain_opts *o, int method, const char *buf,
                  size_t len)
{
	const nids_model *m = models[rc->model];
	nids_input *in;
	nids_reader *r;
	nids_err err = { 0 };
	if (fuzz_open_stream(2, buf, len, &in, &r))
		fail("the explained stream does not read back", rc->model, -1);
	const nids_header *h = nids_reader_header(r);
	int C = h->ncols, d = rc->d, a0 = C - d - 1;
	size_t n = 0, cap = 2 * MAX_ROWS;
	float *all = malloc(sizeof(float) * cap * (size_t)C), *rows;
	long got;
	while (all && (got = nids_reader_next(r, &rows, &err)) > 0) {
		if (n + (size_t)got > cap)
			fail("more rows out than in", rc->model, -1);
		memcpy(all + n * C, rows, sizeof(float) * (size_t)got * C);
		n += (size_t)got;
	}
	if (!all || got < 0)
		fail("the explained stream does not read back", rc->model, -1);
	double *sc = malloc(sizeof(double) * (n ? n : 1));
	/* gmm's stage explains the mixture's score of the error vector: the same score */
	int have = sc && scores(m, h, all, n, o->logit, sc) == 0;
	const float *first[MAX_ROWS] = { NULL };
	int based = method == NIDS_EXPLAIN_TREE || method == NIDS_EXPLAIN_SHAP, all_finite = 1;
	/* kernel SHAP and integrated gradients score rows made with the background's values:
	   NaN, or 3e38 on a path where a model's squares overflow float32, may make their
	   scores, and so the attributions, inf or nan */
	int bg_used = method == NIDS_EXPLAIN_SHAP || (method == NIDS_EXPLAIN_GRADIENT && o->ig_steps);
	for (size_t i = 0; i < n; i++) {
		const float *row = all + i * C;
		for (int j = a0; j < C; j++)
			all_finite &= isfinite(row[j]) || (j == C - 1 && !based && isnan(row[j]));
		long id = (long)row[0];
		if (id < 0 || (size_t)id >= 2 * rc->n)
			fail("a row that was not in the input", rc->model, id);
		size_t orig = (size_t)id % rc->n;
		if (!first[orig])
			first[orig] = row;
		else if (memcmp(first[orig] + a0, row + a0, sizeof(float) * (size_t)(d + 1)))
			fail("the same row explained twice differs", rc->model, id);
		int finite = have && isfinite(sc[i]) && (rc->bg_tame || !bg_used);
		for (int j = 1; j <= d; j++)
			finite &= isfinite(row[j]) != 0;
		double base = row[C - 1];
		if (!finite || (based && !isfinite(base)))
			continue;
		double sum = 0, size = fabs(base) + fabs(sc[i]);
		/* kernel SHAP's values are scores of mixed rows (gmm's stage: of error
		   vectors, which the harness does not form); the second copy equals the first */
		int mixes = method != NIDS_EXPLAIN_SHAP ||
		            (!o->gmm_stage && id < (long)rc->n && mixes_finite(rc, h, row, o->logit));
		for (int j = 0; j < d; j++) {
			if (mixes && !isfinite(row[a0 + j])) {
				for (int k = 0; k < C; k++)
					fprintf(stderr, "%s=%.9g ", h->cols[k].name, row[k]);
				fprintf(stderr, "score %.9g\n", sc[i]);
				fail("an attribution is not finite", rc->model, id);
			}
			sum += row[a0 + j], size += fabs(row[a0 + j]);
		}
		if (based && fabs(base + sum - sc[i]) > 1e-5 * size + 1e-7) {
			fprintf(stderr, "base %.9g + sum %.9g = %.9g, score %.9g\n", base, sum, base + sum,
			        sc[i]);
			fail("the base value and the attributions do not add up to the score", rc->model, id);
		}
	}
	free(sc);
	free(all);
	nids_reader_free(r);
	nids_input_free(in);
	return all_finite;
}

/* ---- one input ---- */

static void options(const recipe *rc, nids_explain_opts *o)
{
	static const double thr[] = { 0, 0.5, 1, -1, 1e30, NAN };
	const uint8_t *b = rc->opt;
	static const int method[] = { -1, NIDS_EXPLAIN_TREE, NIDS_EXPLAIN_SHAP, NIDS_EXPLAIN_GRADIENT,
		                      NIDS_EXPLAIN_ERROR, NIDS_EXPLAIN_SHAP, NIDS_EXPLAIN_GRADIENT,
		                      NIDS_EXPLAIN_GRADIENT };
	*o = (nids_explain_opts){ .method = method[b[1] & 7], .bg_max = 10000, .threads = 1,
		                  .fp_top = 20 };
	o->times_input = b[1] >> 3 & 1;
	o->ig_steps = (b[1] >> 4 & 1) && !o->times_input ? 1 + (b[5] & 7) : 0;
	o->logit = b[1] >> 5 & 1;
	o->gmm_stage = b[1] >> 6 & 1;
	o->alarms_only = b[1] >> 7;
	o->top = b[2] & 7;
	o->json = o->top && (b[2] >> 3 & 1);
	o->nsamples = 2 + (b[3] & 31);
	o->bg_rows = 1 + (b[3] >> 5);
	o->bg_sample = b[4] & 1;
	o->has_threshold = b[4] >> 1 & 1;
	o->threshold = thr[(b[5] >> 3) % 6];
	o->seed = b[5] >> 6;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!nmodels)
		load_models();
	recipe rc;
	if (build(&rc, data, size)) {
		free(rc.rows);
		return 0;
	}
	const nids_model *m = models[rc.model];
	nids_explain_opts o;
	options(&rc, &o);
	/* what nids-explain checks first, with the side files the option bytes ask for */
	const char *side[2 + NIDS_EXPLAIN_MAX_WF] = { NULL };
	uint64_t wf_rows[NIDS_EXPLAIN_MAX_WF];
	FILE *wf_out[NIDS_EXPLAIN_MAX_WF], *svg[3] = { NULL }; /* heatmap, waterfalls */
	char *svg_buf[3] = { NULL };
	size_t svg_len[3] = { 0 };
	char wf_arg[2][32];
	nids_err err = { 0 };
	side[0] = rc.opt[2] & 0x10 ? (rc.opt[2] & 0x20 ? "fp.json" : "fp.tsv") : NULL;
	side[1] = rc.opt[2] & 0x40 ? "heat.svg" : NULL;
	for (int i = 0; i < 2 && (rc.opt[2] & 0x80); i++) {
		snprintf(wf_arg[i], sizeof wf_arg[i], "%u:wf%d.svg", 1 + (unsigned)(rc.opt[5] >> (3 * i)) % 8, i);
		if (nids_explain_add_waterfall(&o, wf_rows, side + 2, wf_arg[i], &err))
			abort();
		if (!(wf_out[i] = svg[1 + i] = open_memstream(&svg_buf[1 + i], &svg_len[1 + i])))
			abort();
	}
	nids_explain_files files = { .model = "model", .side = side, .nside = 2 + o.nwf };
	if (nids_explain_check(&o, &files, NULL, NULL, 1, &err))
		abort();
	o.fp_table = side[0] ? fuzz_null() : NULL;
	if (side[1] && !(svg[0] = open_memstream(&svg_buf[0], &svg_len[0])))
		abort();
	o.fp_svg = svg[0];
	o.wf_out = wf_out;
	int trees = !strcmp(m->type->name, "tree") || !strcmp(m->type->name, "forest");
	int method = o.method >= 0 ? o.method : trees ? NIDS_EXPLAIN_TREE : NIDS_EXPLAIN_SHAP;
	char *in_buf = NULL, *bg_buf = NULL, *out_buf = NULL;
	size_t in_len = 0, bg_len = 0, out_len = 0;
	nids_input *in = NULL, *bgin = NULL;
	nids_reader *r = NULL, *bg = NULL;
	if (write_stream(&rc, rc.rows, 2 * rc.n, &in_buf, &in_len) ||
	    (rc.nbg && write_stream(&rc, rc.rows, rc.nbg, &bg_buf, &bg_len)))
		abort();
	if (fuzz_open_stream(0, in_buf, in_len, &in, &r) ||
	    (rc.nbg && fuzz_open_stream(1, bg_buf, bg_len, &bgin, &bg)))
		fail("a stream of the harness does not read", rc.model, -1);
	FILE *out = o.top ? fuzz_null() : open_memstream(&out_buf, &out_len);
	nids_explain_stats st;
	if (!out)
		abort();
	int ret = nids_explain_stream(r, bg, m, &o, out, "mem", &st, &err);
	if (!o.top && fclose(out))
		abort();
	if (getenv("FUZZ_EXPLAIN_DEBUG")) /* why an input stopped early */
		fprintf(stderr, "%s, method %d, %zu rows, %zu background: %s\n", m->type->name, method,
		        rc.n, rc.nbg, ret ? err.msg : "explained");
	for (int i = 0; i < 3; i++)
		if (svg[i] && fclose(svg[i]))
			abort();
	if (ret == 0 && !o.top && check(&rc, &o, method, out_buf, out_len))
		for (int i = 0; i < 3; i++)
			svg_check(svg_buf[i], svg_len[i], rc.model, i ? "nan or inf in a waterfall's "
			          "coordinates" : "nan or inf in a heatmap's coordinates");
	nids_reader_free(r);
	nids_input_free(in);
	nids_reader_free(bg);
	nids_input_free(bgin);
	free(in_buf), free(bg_buf), free(out_buf), free(rc.rows);
	for (int i = 0; i < 3; i++)
		free(svg_buf[i]);
	return 0;
}
