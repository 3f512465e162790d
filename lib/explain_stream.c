/* explain_stream.c: nids-explain over a stream. Rows are read in chunks, the model's
 * preprocessing is applied to a copy as nids-score applies it (nids_score_plan), the
 * rows are scored (for --alarms-only and the text lines), and each row to explain gets
 * d attributions by the chosen method; the output is the input stream with attr_
 * columns appended, or one text or JSON line per row with its top attributions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cat_ext_impl.h"
#include "explain_impl.h"
#include "nids/cat.h"
#include "nids/clock.h"
#include "nids/format.h"
#include "nids/normalize.h"
#include "nids/score.h"
#include "json_impl.h"
#include "model_impl.h"

#define CHUNK 256   /* rows read, scored and explained at once */
#define FCAP 4096   /* rows per call of the model inside kernel SHAP and differences */
#define FD_STEP 1e-3 /* central differences' step (features are normalized) */

int nids_explain_method_parse(const char *name)
{
	static const char *const names[] = { "tree", "shap", "gradient", "error", NULL };
	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

typedef struct ex {
	const nids_model *m;
	const nids_explain_opts *o;
	const nids_header *h;
	int C, M, d, nscores;
	int *fcol, *idx;
	struct nids_norm *norm;
	int clamp;
	nids_scorer *s;       /* CHUNK rows, with the method's outputs */
	unsigned outs;
	int nout, attr_col, alarm_col, alarm_high, analytic;
	double thr;
	nids_scorer *fs;      /* FCAP rows, the score alone: f for kernel SHAP, differences */
	int fnout;
	float *fbuf, *sc, *gsc, *x, *raw, *tmp, *rowsout, *fd;
	double *attr, *base, *gtmp;
	float *xg;            /* [CHUNK x d] the rows whose gradients go in one batch */
	double *gch;          /* [CHUNK x d] their gradients */
	int batched, gnext;   /* gradients computed per chunk; the next one to take */
	int scores;           /* the chunk is scored: for --alarms-only, --top, -t error and
	                       * the gradients the scorer gives (ae, vae) */
	unsigned char *meta;
	nids_treeshap *ts;
	nids_kshap *ks;
	float *baseline;      /* [d] integrated gradients' starting point */
	nids_writer *w;
	nids_fingerprint *fp;
	int class_col, label_col;
	FILE *out;
	nids_explain_stats *st;
	char chunk_name[4096]; /* the chunk's input file (a chunk holds rows of one file) */
	uint64_t chunk_row;   /* and its first row's number within that file, from 0 */
	unsigned wf_done;     /* bit i: waterfall i was written */
} ex;

/* f for kernel SHAP: the model's score (or its logit) of B rows. */
static void eval_fn(void *ctx, const float *x, int B, double *out)
{
	ex *e = ctx;
	if (e->o->gmm_stage) { /* x are error vectors: the mixture's score alone */
		if (nids_aegmm_energy(e->m, x, B, out, NULL) < 0)
			for (int r = 0; r < B; r++)
				out[r] = NAN;
		return;
	}
	for (int i = 0; i < B; i += FCAP) {
		int n = B - i < FCAP ? B - i : FCAP;
		nids_scorer_run(e->fs, x + (size_t)i * e->d, n, 0, e->fbuf);
		for (int r = 0; r < n; r++) {
			double v = e->fbuf[(size_t)r * e->fnout];
			if (e->o->logit)
				v = log(v / (1 - v));
			out[i + r] = v;
		}
	}
}

/* The points x - h and x + h of a central difference: h = FD_STEP, or, where that step
 * vanishes in float32 (|x| from 2^15 on), x's neighbours, so that the quotient's
 * denominator is not 0; x itself in place of a neighbour past FLT_MAX. */
static void fd_points(float x, float *xm, float *xp)
{
	*xm = x - (float)FD_STEP, *xp = x + (float)FD_STEP;
	if (*xm != *xp)
		return;
	*xm = nextafterf(x, -INFINITY), *xp = nextafterf(x, INFINITY);
	if (isinf(*xm))
		*xm = x;
	if (isinf(*xp))
		*xp = x;
}

/* G [n x d] = d score / d x at the rows X [n x d]: the model's own gradient when it has
 * one, else central differences through eval_fn. */
static int gradient(ex *e, const float *X, int n, double *G, nids_err *err)
{
	int d = e->d;
	if (e->analytic >= 2) { /* aegmm, dsebm, memae, dagmm, sae, logreg: their own */
		float *g = e->fd; /* FCAP rows of room */
		for (int i = 0; i < n; i += FCAP / 2) {
			int B = n - i < FCAP / 2 ? n - i : FCAP / 2;
			const float *xi = X + (size_t)i * d;
			int rc = e->analytic == 2 ? nids_aegmm_gradient(e->m, xi, B, g, err)
			       : e->analytic == 3 ? nids_dsebm_gradient(e->m, xi, B, g, err)
			       : e->analytic == 4 ? nids_memae_gradient(e->m, xi, B, g, err)
			       : e->analytic == 5 ? nids_dagmm_gradient(e->m, xi, B, g, err)
			       : e->analytic == 6 ? nids_sae_gradient(e->m, xi, B, g, err)
			                          : nids_logreg_gradient(e->m, xi, B, g, err);
			if (rc)
				return rc;
			for (size_t k = 0; k < (size_t)B * d; k++)
				G[(size_t)i * d + k] = g[k];
		}
		return 0;
	}
	if (e->analytic) {
		for (int i = 0; i < n; i += CHUNK) {
			int B = n - i < CHUNK ? n - i : CHUNK;
			nids_scorer_run(e->s, X + (size_t)i * d, B, 0, e->gsc);
			for (int r = 0; r < B; r++)
				for (int j = 0; j < d; j++)
					G[(size_t)(i + r) * d + j] = e->gsc[(size_t)r * e->nout + e->attr_col + j];
		}
		return 0;
	}
	int per = FCAP / (2 * d) > 0 ? FCAP / (2 * d) : 1; /* rows per batch of differences */
	for (int i = 0; i < n; i += per) {
		int B = n - i < per ? n - i : per, k = 0;
		for (int r = 0; r < B; r++)
			for (int j = 0; j < d; j++, k += 2) {
				float *row = e->fd + (size_t)k * d, xm, xp;
				fd_points(X[(size_t)(i + r) * d + j], &xm, &xp);
				memcpy(row, X + (size_t)(i + r) * d, sizeof(float) * (size_t)d);
				memcpy(row + d, row, sizeof(float) * (size_t)d);
				row[j] = xm, row[d + j] = xp;
			}
		eval_fn(e, e->fd, k, e->gtmp);
		for (int r = 0, q = 0; r < B; r++)
			for (int j = 0; j < d; j++, q += 2) {
				float xm, xp; /* the step actually taken in float32 */
				fd_points(X[(size_t)(i + r) * d + j], &xm, &xp);
				G[(size_t)(i + r) * d + j] = (e->gtmp[q + 1] - e->gtmp[q]) / ((double)xp - xm);
			}
	}
	return 0;
}

/* Integrated gradients from e->baseline to x [d] with ig_steps midpoints. */
static int integrated(ex *e, const float *x, double *a, nids_err *err)
{
	int d = e->d, m = e->o->ig_steps;
	float *X = e->fd + (size_t)(FCAP + 2 * d) * d; /* after the differences' rows */
	double *G = e->gtmp + FCAP + 2 * d;
	memset(a, 0, sizeof(double) * (size_t)d);
	for (int k0 = 0; k0 < m; k0 += CHUNK) {
		int B = m - k0 < CHUNK ? m - k0 : CHUNK;
		for (int k = 0; k < B; k++)
			for (int j = 0; j < d; j++) {
				double t = (k0 + k + 0.5) / m;
				X[(size_t)k * d + j] = (float)(e->baseline[j] + t * (x[j] - e->baseline[j]));
			}
		int rc = gradient(e, X, B, G, err);
		if (rc)
			return rc;
		for (int k = 0; k < B; k++)
			for (int j = 0; j < d; j++)
				a[j] += G[(size_t)k * d + j];
	}
	for (int j = 0; j < d; j++)
		a[j] *= (x[j] - e->baseline[j]) / m;
	return 0;
}

/* The attributions of row b of the chunk (features x [d]) into attr [d], base value. */
static int explain_row(ex *e, int b, const float *x, double *attr, double *base, nids_err *err)
{
	int d = e->d;
	*base = NAN;
	switch (e->o->method) {
	case NIDS_EXPLAIN_TREE: /* computed for the chunk in flush() */
		*base = nids_treeshap_base(e->ts);
		memcpy(attr, e->gch + (size_t)e->gnext++ * d, sizeof(double) * (size_t)d);
		return 0;
	case NIDS_EXPLAIN_SHAP:
		*base = nids_kshap_base(e->ks);
		if (e->o->gmm_stage) { /* the row's error vector */
			float *ev = e->fd;
			int rc = nids_aegmm_errors(e->m, x, 1, ev, err);
			return rc ? rc : nids_kshap_row(e->ks, ev, attr, NULL, err);
		}
		return nids_kshap_row(e->ks, x, attr, NULL, err);
	case NIDS_EXPLAIN_ERROR:
		for (int j = 0; j < d; j++)
			attr[j] = e->sc[(size_t)b * e->nout + e->attr_col + j];
		return 0;
	default:
		break;
	}
	if (e->o->ig_steps > 0)
		return integrated(e, x, attr, err);
	if (e->analytic == 1) {
		for (int j = 0; j < d; j++)
			attr[j] = e->sc[(size_t)b * e->nout + e->attr_col + j];
	} else if (e->batched) {
		memcpy(attr, e->gch + (size_t)e->gnext++ * d, sizeof(double) * (size_t)d);
	} else {
		int rc = gradient(e, x, 1, attr, err);
		if (rc)
			return rc;
	}
	if (e->o->times_input)
		for (int j = 0; j < d; j++)
			attr[j] *= x[j];
	return 0;
}

/* ---- output ---- */

/* A number as JSON accepts it (null for NaN and infinities). */
static void json_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs("null", f);
}

/* 1 when feature a goes after feature b: smaller |attribution|, or equal and later. */
static int after(const double *attr, int a, int b)
{
	double x = fabs(attr[a]), y = fabs(attr[b]);
	return x != y ? x < y : a > b;
}

/* Sorts idx [d] by |attr| descending, ties in feature order (insertion sort: d is small
 * and the output needs only the first few). */
static void sort_idx(int *idx, int d, const double *attr)
{
	for (int i = 1; i < d; i++) {
		int v = idx[i], j = i;
		while (j > 0 && after(attr, idx[j - 1], v)) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* 1 for a float column that identifies a row in the text lines: label, class, id,
 * time, and other carried values but the per-feature outputs of nids-score. */
static int identifies(const nids_column *c)
{
	static const char *const skip[] = { "attr_", "err_", "grad_", "p_", NULL };
	if (c->role == NIDS_ROLE_LABEL || c->role == NIDS_ROLE_CLASS || c->role == NIDS_ROLE_ID ||
	    c->role == NIDS_ROLE_TIME)
		return 1;
	if (c->role != NIDS_ROLE_META)
		return 0;
	for (int i = 0; skip[i]; i++)
		if (!strncmp(c->name, skip[i], strlen(skip[i])))
			return 0;
	return 1;
}

/* s as one word of a text line (logfmt's quoting): as it is, or in double quotes with
 * \" \\ \t \n \r escaped when it is empty or holds a space, tab, line end, quote,
 * backslash or '=', so that the line splits back into its name=value pairs. */
static void put_word(FILE *f, const char *s)
{
	if (*s && !s[strcspn(s, " \t\n\r\"\\=")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	nids_cat_put_escaped(f, s, "\\\"");
	fputc('"', f);
}

/* name=value, after a space unless first */
static void put_pair(FILE *f, int first, const char *name, const char *value)
{
	if (!first)
		fputc(' ', f);
	put_word(f, name);
	fputc('=', f);
	put_word(f, value);
}

/* One line: the row's identifiers, score and base value, then the top K attributions. */
static void top_line(ex *e, const float *raw, const unsigned char *meta, double score,
                     double base, const double *attr, int *idx)
{
	FILE *f = e->out;
	const nids_header *h = e->h;
	char buf[256];
	int json = e->o->json, K = e->o->top < e->d ? e->o->top : e->d, first = 1;
	if (json)
		fputc('{', f);
	for (int k = 0; k < h->nmeta; k++) {
		nids_cat_format_meta(h, k, meta, 0, buf, sizeof buf);
		if (json) {
			fprintf(f, "%s", first ? "" : ",");
			nids_json_string(f, h->meta[k].name);
			fputc(':', f);
			char *end;
			double v = strtod(buf, &end);
			if (*buf && !*end && isfinite(v) && h->meta[k].role != NIDS_ROLE_TIME)
				fputs(buf, f);
			else
				nids_json_string(f, buf);
		} else {
			put_pair(f, first, h->meta[k].name, buf);
		}
		first = 0;
	}
	for (int c = 0; c < e->C; c++) {
		int role = h->cols[c].role;
		if (!identifies(&h->cols[c]))
			continue;
		/* the range first: a label or time past int's range is no class, and no cast */
		const char *name = role == NIDS_ROLE_CLASS && raw[c] > -1 && raw[c] < h->nclasses
		                           ? h->classes[(int)raw[c]] : NULL;
		if (json) {
			fprintf(f, "%s", first ? "" : ",");
			nids_json_string(f, h->cols[c].name);
			fputc(':', f);
			if (name)
				nids_json_string(f, name);
			else
				json_number(f, raw[c]);
		} else {
			nids_format_float(buf, raw[c]);
			put_pair(f, first, h->cols[c].name, name ? name : buf);
		}
		first = 0;
	}
	for (int j = 0; j < e->d; j++)
		idx[j] = j;
	sort_idx(idx, e->d, attr);
	if (json) {
		fprintf(f, "%s\"score\":", first ? "" : ",");
		json_number(f, score);
		fputs(",\"base\":", f);
		json_number(f, base);
		fputs(",\"top\":[", f);
		for (int i = 0; i < K; i++) {
			int j = idx[i];
			fprintf(f, "%s{\"feature\":", i ? "," : "");
			nids_json_string(f, e->m->features[j]);
			fputs(",\"value\":", f);
			json_number(f, raw[e->fcol[j]]);
			fputs(",\"attribution\":", f);
			json_number(f, attr[j]);
			fputc('}', f);
		}
		fputs("]}\n", f);
		return;
	}
	nids_format_float(buf, (float)score);
	fprintf(f, "%sscore=%s", first ? "" : " ", buf);
	for (int i = 0; i < K; i++) {
		int j = idx[i];
		nids_format_float(buf, raw[e->fcol[j]]);
		fputc('\t', f);
		put_pair(f, 1, e->m->features[j], buf);
		fprintf(f, " %+.6g", attr[j]);
	}
	fputc('\n', f);
}

/* A row's fingerprint group: its class, else its label, else 0. */
static int group(const ex *e, const float *raw)
{
	if (e->class_col >= 0)
		return raw[e->class_col] >= 0 && raw[e->class_col] < e->h->nclasses ? (int)raw[e->class_col] : 0;
	return e->label_col >= 0 && raw[e->label_col] != 0;
}

static int waterfall(ex *e, int i, const float *raw, const double *attr, double base, nids_err *err)
{
	char title[128];
	snprintf(title, sizeof title, "row %llu", (unsigned long long)e->o->wf_rows[i] + 1);
	float *values = malloc(sizeof(float) * (size_t)e->d);
	if (!values)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int j = 0; j < e->d; j++)
		values[j] = raw[e->fcol[j]];
	int rc = nids_waterfall_svg(e->o->wf_out[i], title, e->m->features, values, attr, e->d,
	                            isfinite(base) ? base : 0, 12, err);
	free(values);
	return rc;
}

/* 1 when row b of the chunk is to be explained (every row, or an alarm). */
static int keep(const ex *e, int b)
{
	float v = e->sc[(size_t)b * e->nout + e->alarm_col], t = (float)e->thr; /* as nids-score */
	return !e->o->alarms_only || (e->alarm_high ? v >= t : v <= t);
}

/* Scores the chunk of n rows (raw in e->raw, metadata in e->meta), explains the rows it
 * keeps and writes them. */
static int flush(ex *e, int n, uint64_t row0, nids_err *err)
{
	int d = e->d, C = e->C, kept = 0, rc;
	const float *src = e->raw;
	if (e->norm) {
		memcpy(e->tmp, e->raw, sizeof(float) * (size_t)n * C);
		if ((rc = nids_norm_apply(e->norm, e->tmp, (size_t)n, e->clamp, e->chunk_name,
		                          e->chunk_row + 1, err)))
			return rc;
		src = e->tmp;
	}
	for (int b = 0; b < n; b++)
		for (int j = 0; j < d; j++)
			e->x[(size_t)b * d + j] = src[(size_t)b * C + e->fcol[j]];
	if (e->scores) /* else nothing reads them: the method's own pass is all it costs */
		nids_scorer_run(e->s, e->x, n, row0, e->sc);
	size_t stride = (size_t)C + d + 1;
	double t0 = nids_seconds();
	if (e->batched) { /* the gradients (or TreeSHAP values) of the rows to explain, in one batch */
		int ng = 0;
		for (int b = 0; b < n; b++)
			if (keep(e, b))
				memcpy(e->xg + (size_t)ng++ * d, e->x + (size_t)b * d, sizeof(float) * (size_t)d);
		e->gnext = 0;
		if (e->o->method == NIDS_EXPLAIN_TREE)
			nids_treeshap_rows(e->ts, e->xg, ng, e->gch);
		else if (ng && (rc = gradient(e, e->xg, ng, e->gch, err)))
			return rc;
	}
	for (int b = 0; b < n; b++) {
		if (!keep(e, b))
			continue;
		double *attr = e->attr + (size_t)kept * d, *base = e->base + kept;
		if ((rc = explain_row(e, b, e->x + (size_t)b * d, attr, base, err)))
			return rc;
		e->st->explained++;
		const float *raw = e->raw + (size_t)b * C;
		const unsigned char *meta = e->meta + (size_t)b * e->M;
		if (e->fp && (rc = nids_fingerprint_add(e->fp, group(e, raw), attr, err)))
			return rc;
		for (int i = 0; i < e->o->nwf; i++)
			if (e->o->wf_rows[i] == row0 + (uint64_t)b) {
				if ((rc = waterfall(e, i, raw, attr, *base, err)))
					return rc;
				e->wf_done |= 1u << i;
			}
		if (e->o->top > 0) {
			top_line(e, raw, meta, e->sc[(size_t)b * e->nout], *base, attr, e->idx);
			continue;
		}
		float *o = e->rowsout + (size_t)kept * stride;
		memcpy(o, raw, sizeof(float) * (size_t)C);
		for (int j = 0; j < d; j++)
			o[C + j] = (float)attr[j];
		o[C + d] = (float)*base;
		if (e->M && kept != b)
			memmove(e->meta + (size_t)kept * e->M, meta, (size_t)e->M);
		kept++;
	}
	e->st->explain_secs += nids_seconds() - t0;
	if (e->o->top > 0)
		return ferror(e->out) ? nids_flush_check(e->out, NULL, err) : 0;
	return kept ? nids_writer_write_meta(e->w, e->rowsout, e->meta, (size_t)kept, err) : 0;
}

static int run(ex *e, nids_reader *r, nids_err *err)
{
	float *rows;
	long got;
	uint64_t row0 = 0;
	int n = 0, rc;
	while ((got = nids_reader_next(r, &rows, err)) > 0) {
		if (e->w && (rc = nids_writer_sync_classes(e->w, nids_reader_header(r), err)) < 0)
			return rc;
		const unsigned char *meta = nids_reader_meta(r);
		/* the chunk ends with its file, so that a message names one file and the row
		   within it */
		uint64_t file_row = nids_reader_file_rows(r) - (uint64_t)got;
		if (n && file_row == 0) {
			if ((rc = flush(e, n, row0, err)) < 0)
				return rc;
			row0 += (uint64_t)n, n = 0;
		}
		for (long i = 0; i < got; i++) {
			if (n == 0) {
				snprintf(e->chunk_name, sizeof e->chunk_name, "%s", nids_reader_name(r));
				e->chunk_row = file_row + (uint64_t)i;
			}
			memcpy(e->raw + (size_t)n * e->C, rows + (size_t)i * e->C, sizeof(float) * (size_t)e->C);
			if (e->M)
				memcpy(e->meta + (size_t)n * e->M, meta + (size_t)i * e->M, (size_t)e->M);
			if (++n == CHUNK) {
				if ((rc = flush(e, n, row0, err)) < 0)
					return rc;
				row0 += (uint64_t)n, n = 0;
			}
		}
	}
	if (got < 0)
		return (int)got;
	return n ? flush(e, n, row0, err) : 0;
}

/* The output header: the input's columns, attr_<feature> and attr_base. */
static int out_header(ex *e, nids_header **hp, nids_err *err)
{
	nids_header *h = nids_header_copy(e->h);
	if (!h)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	char name[1024];
	int rc = 0;
	for (int j = 0; j <= e->d && !rc; j++) {
		snprintf(name, sizeof name, "attr_%s", j < e->d ? e->m->features[j] : "base");
		int c = nids_header_add_column(h, name, NIDS_ROLE_META, err);
		if (c == NIDS_EUSAGE)
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "the stream already has a column "
			                  "'%s' (drop it with nids-cat -c first)", name);
		else if (c < 0)
			rc = c;
	}
	if (rc) {
		nids_header_free(h);
		return rc;
	}
	*hp = h;
	return 0;
}

/* Checks the method against the model and sets the scorer outputs. */
static int choose(ex *e, nids_reader *bg, nids_err *err)
{
	const nids_model_type *t = e->m->type;
	const nids_explain_opts *o = e->o;
	int trees = !strcmp(t->name, "tree") || !strcmp(t->name, "forest") ||
	            !strcmp(t->name, "iforest");
	switch (o->method) {
	case NIDS_EXPLAIN_TREE:
		if (strcmp(t->name, "tree") && strcmp(t->name, "forest"))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "-t tree explains tree and forest "
			                    "models, not %s (try -t shap)", t->name);
		break;
	case NIDS_EXPLAIN_SHAP:
		if (!bg)
			return nids_err_set(err, NIDS_EUSAGE, NULL, "-t shap needs a background "
			                    "stream (-b FILE: benign training rows)");
		break;
	case NIDS_EXPLAIN_GRADIENT:
		if (trees || !strcmp(t->name, "kmeans"))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "a %s model's score has no useful "
			                    "gradient (try -t %s)", t->name,
			                    strcmp(t->name, "iforest") && strcmp(t->name, "kmeans") ? "tree" : "shap");
		if (o->logit) /* the logit of the score: central differences of it */
			break;
		e->analytic = (t->outputs & NIDS_OUT_EXPLAIN) != 0;
		if (e->analytic)
			e->outs = NIDS_OUT_EXPLAIN;
		else if (!strcmp(t->name, "aegmm"))
			e->analytic = 2;
		else if (!strcmp(t->name, "dsebm") && !strcmp(nids_model_get(e->m, "score"), "energy"))
			e->analytic = 3;
		else if (!strcmp(t->name, "memae"))
			e->analytic = 4;
		else if (!strcmp(t->name, "dagmm"))
			e->analytic = 5;
		else if (!strcmp(t->name, "sae"))
			e->analytic = 6;
		else if (!strcmp(t->name, "logreg"))
			e->analytic = 7;
		break;
	case NIDS_EXPLAIN_ERROR:
		if (!(t->outputs & NIDS_OUT_ERRORS))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "a %s model has no per-feature "
			                    "reconstruction error (try -t shap)", t->name);
		e->outs = NIDS_OUT_ERRORS;
		break;
	default:
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown method");
	}
	if (o->gmm_stage && (strcmp(t->name, "aegmm") || o->method != NIDS_EXPLAIN_SHAP))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--stage gmm goes with -t shap and an "
		                    "aegmm model");
	/* TreeSHAP and the errors have no f to take the logit of: refused, not ignored */
	if (o->logit && o->method != NIDS_EXPLAIN_SHAP && o->method != NIDS_EXPLAIN_GRADIENT)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--logit goes with -t shap or -t gradient");
	if ((o->times_input || o->ig_steps) && o->method != NIDS_EXPLAIN_GRADIENT)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--times-input and --integrated go with "
		                    "-t gradient");
	return 0;
}

/* Where the alarms are decided: the stored threshold's column, or the given one. */
static int alarm_setup(ex *e, char **names, nids_err *err)
{
	const nids_model *m = e->m;
	e->alarm_col = 0, e->alarm_high = 1, e->thr = e->o->threshold;
	if (m->has_threshold) {
		e->alarm_high = m->threshold_high;
		if (!e->o->has_threshold)
			e->thr = m->threshold;
		e->alarm_col = -1;
		for (int i = 0; i < e->nscores; i++)
			if (!strcmp(names[i], m->threshold_score))
				e->alarm_col = i;
		if (e->alarm_col < 0)
			return nids_err_set(err, NIDS_EFORMAT, e->o->model_name, "the stored threshold is for a "
			                    "column '%s' this model does not score", m->threshold_score);
	} else if (e->o->alarms_only && !e->o->has_threshold) {
		return nids_err_set(err, NIDS_EUSAGE, e->o->model_name, "the model stores no threshold (give "
		                    "one with --threshold, or store one with nids-threshold -m)");
	}
	return 0;
}

/* Reads the background and builds what the method needs from it. */
static int background(ex *e, nids_reader *bg, nids_err *err)
{
	const nids_explain_opts *o = e->o;
	float *x = NULL, *c = NULL;
	double *w = NULL;
	size_t n = 0;
	int d = e->d, rc = 0;
	if (bg) {
		size_t max = o->method == NIDS_EXPLAIN_SHAP && o->bg_sample ? (size_t)o->bg_rows : o->bg_max;
		if ((rc = nids_explain_read_background(bg, e->m, max, o->seed, &x, &n, err)))
			return rc;
	}
	if (o->method == NIDS_EXPLAIN_TREE)
		rc = nids_treeshap_new(&e->ts, e->m, x, n, err);
	if (o->method == NIDS_EXPLAIN_SHAP && o->gmm_stage) /* the background's error vectors */
		for (size_t i = 0; i < n && !rc; i += 1024)
			rc = nids_aegmm_errors(e->m, x + i * d, n - i < 1024 ? (int)(n - i) : 1024, x + i * d, err);
	if (!rc && o->method == NIDS_EXPLAIN_SHAP) {
		int k = n > (size_t)o->bg_rows ? o->bg_rows : (int)n;
		c = malloc(sizeof(float) * (size_t)k * d);
		w = malloc(sizeof(double) * (size_t)k);
		if (!c || !w)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		else if (n > (size_t)k)
			rc = nids_explain_kmeans(x, n, d, k, o->seed, c, w, err);
		else {
			memcpy(c, x, sizeof(float) * (size_t)k * d);
			for (int i = 0; i < k; i++)
				w[i] = 1;
		}
		if (!rc)
			rc = nids_kshap_new(&e->ks, d, c, w, k, o->nsamples, o->seed, eval_fn, e, FCAP, err);
	}
	if (!rc && o->ig_steps > 0) { /* from the background's mean, or zero */
		for (size_t i = 0; i < n; i++)
			for (int j = 0; j < d; j++)
				e->baseline[j] += x[i * d + j] / (float)n;
	}
	free(x), free(c), free(w);
	return rc;
}

static int setup(ex *e, nids_reader *bg, const char *out_name, nids_err *err)
{
	char **names = NULL;
	nids_header *h = NULL;
	int d = e->d, rc = nids_model_check_features(e->m, e->h, err);
	if (!rc)
		rc = nids_score_plan(e->m, e->h, &e->norm, &e->clamp, err);
	if (!rc && e->norm)
		rc = nids_norm_bind(e->norm, e->h, "model", err);
	if (!rc)
		rc = choose(e, bg, err);
	if (!rc && (e->nout = nids_model_outputs(e->m, e->outs, &names, err)) < 0)
		rc = e->nout;
	e->nscores = 1;
	while (e->m->type->scores && e->m->type->scores[e->nscores - 1])
		e->nscores++;
	e->attr_col = e->nscores;
	if (!rc)
		rc = alarm_setup(e, names, err);
	for (int i = 0; names && i < e->nout; i++)
		free(names[i]);
	free(names);
	if (rc)
		return rc;
	int need_f = e->o->method == NIDS_EXPLAIN_SHAP ||
	             (e->o->method == NIDS_EXPLAIN_GRADIENT && !e->analytic);
	size_t C = (size_t)e->C;
	e->fcol = malloc(sizeof(int) * (size_t)d);
	e->idx = malloc(sizeof(int) * (size_t)d);
	e->x = nids_floats((size_t)CHUNK * d);
	e->raw = nids_floats((size_t)CHUNK * C);
	e->tmp = nids_floats((size_t)CHUNK * C);
	e->rowsout = nids_floats((size_t)CHUNK * (C + d + 1));
	e->meta = malloc((size_t)CHUNK * e->M + 1);
	e->sc = nids_floats((size_t)CHUNK * e->nout);
	e->gsc = nids_floats((size_t)CHUNK * e->nout);
	e->attr = calloc((size_t)CHUNK * d, sizeof(double));
	e->base = calloc(CHUNK, sizeof(double));
	e->baseline = calloc((size_t)d, sizeof(float));
	e->batched = (e->o->method == NIDS_EXPLAIN_GRADIENT && e->analytic != 1 && !e->o->ig_steps) ||
	             e->o->method == NIDS_EXPLAIN_TREE;
	e->scores = e->o->alarms_only || e->o->top > 0 || e->o->method == NIDS_EXPLAIN_ERROR ||
	            (e->o->method == NIDS_EXPLAIN_GRADIENT && e->analytic == 1);
	e->xg = nids_floats((size_t)CHUNK * d);
	e->gch = calloc((size_t)CHUNK * d, sizeof(double));
	/* differences' rows, then integrated gradients' path */
	e->fd = nids_floats((size_t)(FCAP + 2 * d + CHUNK) * d);
	e->gtmp = calloc((size_t)FCAP + 2 * d + (size_t)CHUNK * d, sizeof(double));
	if (!e->fcol || !e->idx || !e->x || !e->raw || !e->tmp || !e->rowsout || !e->meta ||
	    !e->sc || !e->gsc || !e->attr || !e->base || !e->baseline || !e->fd || !e->gtmp ||
	    !e->xg || !e->gch)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0, j = 0; i < e->C; i++)
		if (e->h->cols[i].role == NIDS_ROLE_FEATURE)
			e->fcol[j++] = i;
	if ((rc = nids_scorer_new(&e->s, e->m, e->outs, e->o->threads, CHUNK, err)))
		return rc;
	if (need_f) {
		e->fnout = nids_model_outputs(e->m, 0, NULL, err);
		e->fbuf = nids_floats((size_t)FCAP * e->fnout);
		if (!e->fbuf)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		if ((rc = nids_scorer_new(&e->fs, e->m, 0, e->o->threads, FCAP, err)))
			return rc;
	}
	if ((rc = background(e, bg, err)))
		return rc;
	e->class_col = nids_header_find_role(e->h, NIDS_ROLE_CLASS);
	e->label_col = nids_header_find_role(e->h, NIDS_ROLE_LABEL);
	if ((e->o->fp_table || e->o->fp_svg) &&
	    (rc = nids_fingerprint_new(&e->fp, d, e->m->features, err)))
		return rc;
	if (e->o->top > 0)
		return 0;
	if (!(rc = out_header(e, &h, err)))
		rc = nids_writer_open(&e->w, e->out, out_name, h, e->o->level, err);
	nids_header_free(h);
	return rc;
}

/* Writes the fingerprint table and heatmap, groups named from the header h. */
static int fingerprints(ex *e, const nids_header *h, nids_err *err)
{
	static char *labels[] = { "benign", "attack" }, *all[] = { "all" };
	char *const *names = e->class_col >= 0 ? h->classes : e->label_col >= 0 ? labels : all;
	int rc = 0;
	if (e->o->fp_table)
		rc = nids_fingerprint_write(e->fp, names, e->o->fp_table, e->o->fp_json, err);
	if (!rc && e->o->fp_svg)
		rc = nids_fingerprint_svg(e->fp, names, e->o->fp_svg, e->o->fp_top, NULL, err);
	return rc;
}

/* Every --waterfall row was explained, else an error (which leaves no empty SVG). */
static int waterfalls_done(const ex *e, uint64_t rows, nids_err *err)
{
	for (int i = 0; i < e->o->nwf; i++) {
		unsigned long long row = (unsigned long long)e->o->wf_rows[i] + 1;
		if (e->wf_done >> i & 1)
			continue;
		if (row > rows)
			return nids_err_set(err, NIDS_EFORMAT, NULL, "--waterfall %llu: the input has %llu "
			                    "rows", row, (unsigned long long)rows);
		return nids_err_set(err, NIDS_EFORMAT, NULL, "--waterfall %llu: row %llu is not an "
		                    "alarm, and --alarms-only explains alarms alone", row, row);
	}
	return 0;
}

int nids_explain_stream(nids_reader *r, nids_reader *bg, const nids_model *m,
                        const nids_explain_opts *o, FILE *out, const char *out_name,
                        nids_explain_stats *st, nids_err *err)
{
	memset(st, 0, sizeof *st);
	const nids_header *h = nids_reader_header(r);
	nids_explain_opts oo = *o; /* the method by default: TreeSHAP for trees, else kernel SHAP */
	if (oo.method < 0)
		oo.method = !strcmp(m->type->name, "tree") || !strcmp(m->type->name, "forest")
		                    ? NIDS_EXPLAIN_TREE : NIDS_EXPLAIN_SHAP;
	ex e = { .m = m, .o = &oo, .h = h, .C = h->ncols, .M = h->meta_width, .d = m->d,
		 .out = out, .st = st };
	int rc = setup(&e, bg, out_name, err);
	if (!rc)
		rc = run(&e, r, err);
	if (!rc)
		rc = waterfalls_done(&e, nids_reader_rows(r), err);
	if (!rc && e.fp)
		rc = fingerprints(&e, nids_reader_header(r), err);
	if (!rc && e.w) {
		rc = nids_writer_close(e.w, err);
		e.w = NULL;
	}
	st->rows = nids_reader_rows(r);
	nids_writer_free(e.w);
	nids_scorer_free(e.s);
	nids_scorer_free(e.fs);
	nids_treeshap_free(e.ts);
	nids_kshap_free(e.ks);
	nids_fingerprint_free(e.fp);
	nids_norm_free(e.norm);
	free(e.fcol), free(e.idx), free(e.x), free(e.raw), free(e.tmp), free(e.rowsout);
	free(e.meta), free(e.sc), free(e.gsc), free(e.attr), free(e.base), free(e.baseline);
	free(e.fd), free(e.gtmp), free(e.fbuf), free(e.xg), free(e.gch);
	return rc;
}
