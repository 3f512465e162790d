/* score.c: the threaded batch scorer, and scoring a stream with a model that is a
 * complete detector (nids-score). */
#include "nids/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/clock.h"
#include "nids/normalize.h"
#include "model_impl.h"
#include "pool_impl.h"

/* ---- threaded scorer ----
 *
 * A row's score must depend only on the row and the model, not on where the row sits in
 * the stream, how the stream was cut into batches, or how many threads score it. A
 * matrix product's rounding can depend on its shape: OpenBLAS can take another kernel,
 * with another summation order, for a small M than for a large one (its small-matrix
 * and edge-tile code). So a model with matrix products only ever sees blocks of exactly
 * NIDS_SCORE_ROWS rows: threads take whole blocks, and a short last block is copied
 * into a buffer padded with zero rows, which are scored and dropped. Every row then goes
 * through products of the same shapes, whatever surrounds it. Types marked any_batch
 * (per-row loops only) get plain slices of up to ANY_ROWS rows. */

#define ANY_ROWS 1024

struct nids_scorer {
	const nids_model *m;
	unsigned outputs;
	int nout;
	int nscores, cls; /* score columns (score and the type's own); the first class
	                     probability's column, or -1: what a nonfinite row's nan fills */
	int blk; /* rows per score() call */
	nids_pool *pool;
	void **scratch;
	float **xb, **ob; /* per thread: the padded block, x [blk x d] and out [blk x nout] */
	/* the current job */
	const float *x;
	int B;
	uint64_t row0;
	float *out;
};

int nids_scorer_new(nids_scorer **sp, const nids_model *m, unsigned outputs, int threads,
                    int cap, nids_err *err)
{
	*sp = NULL;
	(void)cap; /* score() sees blocks of s->blk rows, whatever the batch */
	int nout = nids_model_outputs(m, outputs, NULL, err);
	if (nout < 0)
		return nout;
	nids_scorer *s = calloc(1, sizeof *s);
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	s->m = m;
	s->outputs = outputs;
	s->nout = nout;
	s->nscores = 1;
	for (const char *const *n = m->type->scores; n && *n; n++)
		s->nscores++;
	s->cls = outputs & NIDS_OUT_CLASSES ? s->nscores + (outputs & NIDS_OUT_ERRORS ? m->d : 0) +
	                                              (outputs & NIDS_OUT_EXPLAIN ? m->d : 0)
	                                    : -1;
	s->blk = m->type->any_batch ? ANY_ROWS : NIDS_SCORE_ROWS;
	int rc = nids_pool_new(&s->pool, threads, err);
	/* threads split the batch: BLAS itself stays single-threaded inside them */
	if (rc < 0 || (rc = nids_blas_threads(1, threads, err)) < 0) {
		nids_pool_free(s->pool);
		free(s);
		return rc;
	}
	s->scratch = calloc((size_t)threads, sizeof *s->scratch);
	s->xb = calloc((size_t)threads, sizeof *s->xb);
	s->ob = calloc((size_t)threads, sizeof *s->ob);
	if (!s->scratch || !s->xb || !s->ob) {
		nids_scorer_free(s);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int t = 0; t < threads; t++)
		if (!(s->scratch[t] = m->type->scratch_new(m, s->blk, outputs)) ||
		    (!m->type->any_batch && (!(s->xb[t] = nids_floats((size_t)s->blk * m->d)) ||
		                             !(s->ob[t] = nids_floats((size_t)s->blk * nout))))) {
			nids_scorer_free(s);
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for scoring");
		}
	*sp = s;
	return 0;
}

/* Rows [0, B) of x whose features hold NaN or an infinity get a nan score (and nan
 * further scores and class probabilities), whatever the model's arithmetic made of
 * them: a plausible 0 from a tree's comparisons, or a finite score from an ensemble's
 * ranks, would pass a NaN row as benign; nids-roc and nids-threshold refuse nan. */
static void nan_nonfinite(const nids_scorer *s, const float *x, int B, float *out)
{
	const nids_model *m = s->m;
	int d = m->d;
	for (int r = 0; r < B; r++) {
		const float *xr = x + (size_t)r * d;
		int finite = 1;
		for (int j = 0; j < d; j++)
			finite &= isfinite(xr[j]) != 0;
		if (finite)
			continue;
		float *o = out + (size_t)r * s->nout;
		for (int c = 0; c < s->nscores; c++)
			o[c] = NAN;
		for (int k = 0; s->cls >= 0 && k < m->nclasses; k++)
			o[s->cls + k] = NAN;
	}
}

/* Thread t's share of the batch: rows [lo, hi), in whole blocks unless any_batch. */
static void score_slice(void *ctx, int t)
{
	nids_scorer *s = ctx;
	int n = nids_pool_size(s->pool), d = s->m->d, nout = s->nout, blk = s->blk, lo, hi;
	if (s->m->type->any_batch) {
		lo = (int)((long)s->B * t / n), hi = (int)((long)s->B * (t + 1) / n);
	} else {
		int nblk = (s->B + blk - 1) / blk;
		lo = nblk * t / n * blk, hi = nblk * (t + 1) / n * blk;
		hi = hi < s->B ? hi : s->B;
	}
	for (int r = lo; r < hi; r += blk) {
		int rows = hi - r < blk ? hi - r : blk;
		const float *x = s->x + (size_t)r * d;
		float *out = s->out + (size_t)r * nout;
		if (rows < blk && !s->m->type->any_batch) {
			memcpy(s->xb[t], x, (size_t)rows * d * sizeof *x);
			memset(s->xb[t] + (size_t)rows * d, 0, (size_t)(blk - rows) * d * sizeof *x);
			s->m->type->score(s->m, s->scratch[t], s->xb[t], blk, s->row0 + (uint64_t)r,
			                  s->outputs, s->ob[t], nout);
			memcpy(out, s->ob[t], (size_t)rows * nout * sizeof *out);
		} else {
			s->m->type->score(s->m, s->scratch[t], x, rows, s->row0 + (uint64_t)r,
			                  s->outputs, out, nout);
		}
		nan_nonfinite(s, x, rows, out);
	}
}

void nids_scorer_run(nids_scorer *s, const float *x, int B, uint64_t row0, float *out)
{
	s->x = x;
	s->B = B;
	s->row0 = row0;
	s->out = out;
	nids_pool_run(s->pool, score_slice, s);
}

void nids_scorer_free(nids_scorer *s)
{
	if (!s)
		return;
	int n = s->pool ? nids_pool_size(s->pool) : 0;
	for (int t = 0; s->scratch && t < n; t++)
		if (s->scratch[t])
			s->m->type->scratch_free(s->scratch[t]);
	for (int t = 0; s->xb && t < n; t++)
		free(s->xb[t]);
	for (int t = 0; s->ob && t < n; t++)
		free(s->ob[t]);
	free(s->scratch);
	free(s->xb);
	free(s->ob);
	nids_pool_free(s->pool);
	free(s);
}

/* ---- a stream scored by a detector ---- */

static int same_record(const nids_header *a, const nids_header *b, const char *key)
{
	size_t la, lb;
	const unsigned char *x = nids_header_get_ext(a, key, &la), *y = nids_header_get_ext(b, key, &lb);
	return x && y && la == lb && !memcmp(x, y, la);
}

/* The first record the model and the stream both have with other contents, or NULL:
 * rows of another featurizer format, other windows. */
static const char *differing_record(const nids_header *p, const nids_header *h)
{
	for (int i = 0; i < p->next; i++)
		if (strcmp(p->ext[i].key, NIDS_NORM_RECORD) &&
		    nids_header_get_ext(h, p->ext[i].key, NULL) && !same_record(p, h, p->ext[i].key))
			return p->ext[i].key;
	return NULL;
}

/* A record's contents as text for a message (they are short "key=value" lines). */
static void record_text(const nids_header *h, const char *key, char *buf, size_t n)
{
	size_t len;
	const unsigned char *d = nids_header_get_ext(h, key, &len);
	size_t k = 0;
	for (size_t i = 0; d && i < len && k + 1 < n; i++)
		buf[k++] = d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : ' ';
	buf[k] = 0;
}

int nids_score_plan(const nids_model *m, const nids_header *h, struct nids_norm **apply,
                    int *clamp, nids_err *err)
{
	*apply = NULL;
	*clamp = 0;
	if (!m->prep) /* a model file from before detectors recorded their preprocessing */
		return 0;
	const nids_header *p = m->prep;
	size_t len;
	const unsigned char *want = nids_header_get_ext(p, NIDS_NORM_RECORD, &len);
	int stream_norm = nids_header_get_ext(h, NIDS_NORM_RECORD, NULL) != NULL;
	/* a stream that records how it was made (featurized, windowed) and no
	   normalization holds raw rows */
	int stream_raw = h->next > stream_norm;
	const char *key = differing_record(p, h);
	if (key) {
		char a[160], b[160];
		record_text(p, key, a, sizeof a);
		record_text(h, key, b, sizeof b);
		return nids_err_set(err, NIDS_EMISMATCH, NULL,
		                    "the model was trained on other rows (%s: %s) than this "
		                    "stream's (%s)", key, a, b);
	}
	if (want) {
		if (stream_norm) {
			if (same_record(p, h, NIDS_NORM_RECORD))
				return 0;
			return nids_err_set(err, NIDS_EMISMATCH, NULL,
			                    "the stream was normalized with other parameters than the "
			                    "model was trained after (give the raw featurized stream: "
			                    "the model applies its own)");
		}
		if (!stream_raw)
			return nids_err_set(err, NIDS_EMISMATCH, NULL,
			                    "the model was trained on normalized rows, and this stream "
			                    "does not record whether it is normalized (no header "
			                    "records): featurize the input again, or normalize it with "
			                    "the training parameters first");
		return nids_norm_from_record(apply, clamp, want, len, "model", err);
	}
	if (stream_norm && p->next > 0)
		return nids_err_set(err, NIDS_EMISMATCH, NULL,
		                    "the model was trained on rows without normalization, and this "
		                    "stream is normalized: give it the featurized stream");
	return 0;
}

/* Binds the normalization to the model's features alone, in order, so that it applies
 * to the feature rows gathered for the model [B x d]. */
static int bind_features(struct nids_norm *n, const nids_model *m, nids_err *err)
{
	nids_header *h = nids_header_new();
	int rc = h ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int j = 0; !rc && j < m->d; j++)
		if ((rc = nids_header_add_column(h, m->features[j], NIDS_ROLE_FEATURE, err)) > 0)
			rc = 0;
	if (!rc)
		rc = nids_norm_bind(n, h, "model", err);
	nids_header_free(h);
	return rc;
}

/* The output header: the input's columns, then the model's. */
static int out_header(nids_header **hp, const nids_header *in, const nids_model *m,
                      char **names, int nout, int nscores, unsigned low, nids_err *err)
{
	nids_header *h = nids_header_copy(in);
	char rec[32];
	if (!h || nids_model_id(m, rec) || nids_header_set_ext(h, NIDS_SCORE_RECORD, rec, strlen(rec))) {
		nids_header_free(h);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int i = 0; i < nout; i++) {
		int role = i > 0 && i < nscores && (low >> (i - 1) & 1) ? NIDS_ROLE_SCORE_LOW
		           : i < nscores                                  ? NIDS_ROLE_SCORE
		           : !strcmp(names[i], "pred") && i == nout - 1   ? NIDS_ROLE_CLASS
		                                                          : NIDS_ROLE_META;
		int rc = nids_header_add_column(h, names[i], role, err);
		if (rc < 0) {
			nids_header_free(h);
			if (rc == NIDS_EUSAGE)
				return nids_err_set(err, NIDS_EFORMAT, NULL, "the stream already has a "
				                    "column '%s' (drop it with nids-cat -c first)", names[i]);
			return rc;
		}
	}
	*hp = h;
	return 0;
}

typedef struct scoring {
	const nids_model *m;
	nids_scorer *s;
	nids_writer *w;
	struct nids_norm *norm;
	int clamp, C, M, d, nout, *fcol, alarm_col;
	size_t stride;
	float *x, *sc, *rowsout;
	unsigned char *metaout;
	const nids_score_opts *o;
	nids_score_stats *st;
	const char *in_name; /* the input file being read */
	/* the pending chunk's input file and its first row's number within that file (a
	   chunk holds rows of one file), for messages */
	char chunk_name[4096]; /* a path as long as Linux allows */
	uint64_t chunk_row;
	/* --predict: the first class probability's output column, the model's classes' ids
	   in the output's class table, and the input's class ids mapped onto that table */
	int pcol, *pred_id, *cmap, ncmap;
} scoring;

/* The output's class table has the model's classes too (the predictions name them), so
 * the input's class ids are mapped onto it as the input's table grows. */
static int predict_sync(scoring *z, nids_reader *r, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	if (h->nclasses > z->ncmap) {
		int *m = realloc(z->cmap, sizeof(int) * (size_t)h->nclasses);
		if (!m)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		z->cmap = m;
	}
	for (; z->ncmap < h->nclasses; z->ncmap++) {
		int id = nids_writer_add_class(z->w, h->classes[z->ncmap], err);
		if (id < 0)
			return id;
		z->cmap[z->ncmap] = id;
	}
	if (!z->pred_id) {
		if (!(z->pred_id = malloc(sizeof(int) * (size_t)z->m->nclasses + 1)))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		for (int k = 0; k < z->m->nclasses; k++)
			if ((z->pred_id[k] = nids_writer_add_class(z->w, z->m->classes[k], err)) < 0)
				return z->pred_id[k];
	}
	/* the strings alone are left: every input class is in the output's table now */
	return nids_writer_sync_classes(z->w, h, err);
}

/* The index of the most probable class in p [K], the first on ties (numpy's argmax). */
static int argmax(const float *p, int K)
{
	int best = 0;
	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

/* Scores the n pending rows in rowsout (their output columns still to fill) and writes
 * them, or only the alarms. */
static int flush(scoring *z, int n, uint64_t row0, nids_err *err)
{
	for (int b = 0; b < n; b++)
		for (int j = 0; j < z->d; j++)
			z->x[(size_t)b * z->d + j] = z->rowsout[b * z->stride + z->fcol[j]];
	/* the gathered features are normalized, not the rows: the output keeps those as
	   they came */
	if (z->norm) {
		int rc = nids_norm_apply(z->norm, z->x, (size_t)n, z->clamp, z->chunk_name,
		                         z->chunk_row + 1, err);
		if (rc)
			return rc;
	}
	double t0 = nids_seconds();
	nids_scorer_run(z->s, z->x, n, row0, z->sc);
	z->st->model_secs += nids_seconds() - t0;
	int kept = 0;
	for (int b = 0; b < n; b++) {
		const float *score = z->sc + (size_t)b * z->nout;
		if (z->o->alarms) {
			/* in float32, as nids-threshold compares: a score equal to the stored
			   threshold's float is an alarm in both */
			float v = score[z->alarm_col], t = (float)z->m->threshold;
			int alarm = z->m->threshold_high ? v >= t : v <= t;
			if (!alarm)
				continue;
			z->st->alarms++;
		}
		if (kept != b) {
			memmove(z->rowsout + kept * z->stride, z->rowsout + b * z->stride,
			        (size_t)z->C * sizeof(float));
			memmove(z->metaout + (size_t)kept * z->M, z->metaout + (size_t)b * z->M, (size_t)z->M);
		}
		memcpy(z->rowsout + kept * z->stride + z->C, score, (size_t)z->nout * sizeof(float));
		if (z->o->predict)
			z->rowsout[kept * z->stride + z->C + z->nout] =
				(float)z->pred_id[argmax(score + z->pcol, z->m->nclasses)];
		kept++;
	}
	return kept ? nids_writer_write_meta(z->w, z->rowsout, z->metaout, (size_t)kept, err) : 0;
}

/* Appends the name 'pred' to the output columns: the scorer fills the others, flush()
 * this one from the class probabilities. */
static int predict_column(scoring *z, char ***names, nids_err *err)
{
	if (!(z->o->outputs & NIDS_OUT_CLASSES) || z->m->nclasses < 1)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--predict needs the class probabilities "
		                    "(--classes) of a model that has them");
	char **v = realloc(*names, sizeof(char *) * (size_t)(z->nout + 2));
	if (!v)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	*names = v;
	v[z->nout + 1] = NULL;
	if (!(v[z->nout] = strdup("pred")))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	z->pcol = z->nout - z->m->nclasses - ((z->o->outputs & NIDS_OUT_CLUSTER) ? 1 : 0);
	return 0;
}

/* Rows are gathered into chunks and scored; the scorer keeps every row's score
 * independent of the chunk and of its position in it. */
static int run(scoring *z, nids_reader *r, nids_err *err)
{
	float *rows;
	long got;
	uint64_t row0 = 0;
	int n = 0, rc = 0;
	const nids_header *hin = nids_reader_header(r);
	while ((got = nids_reader_next(r, &rows, err)) > 0) {
		if ((rc = z->o->predict ? predict_sync(z, r, err)
		                        : nids_writer_sync_classes(z->w, hin, err)) < 0)
			return rc;
		const unsigned char *meta = nids_reader_meta(r);
		/* the chunk ends with its file, so that a message names one file and the row
		   within it (chunk bounds do not change scores) */
		uint64_t file_row = nids_reader_file_rows(r) - (uint64_t)got;
		if (n && file_row == 0) {
			if ((rc = flush(z, n, row0, err)) < 0)
				return rc;
			row0 += (uint64_t)n;
			n = 0;
		}
		for (long i = 0; i < got; i++) {
			if (n == 0) {
				snprintf(z->chunk_name, sizeof z->chunk_name, "%s", z->in_name);
				z->chunk_row = file_row + (uint64_t)i;
			}
			float *row = z->rowsout + (size_t)n * z->stride;
			memcpy(row, rows + (size_t)i * z->C, (size_t)z->C * sizeof(float));
			for (int c = 0; z->o->predict && c < z->C; c++)
				if (hin->cols[c].role == NIDS_ROLE_CLASS && row[c] >= 0 && row[c] < z->ncmap)
					row[c] = (float)z->cmap[(int)row[c]];
			if (z->M)
				memcpy(z->metaout + (size_t)n * z->M, meta + (size_t)i * z->M, (size_t)z->M);
			if (++n == NIDS_SCORE_CHUNK) {
				if ((rc = flush(z, n, row0, err)) < 0)
					return rc;
				row0 += (uint64_t)n;
				n = 0;
			}
		}
	}
	if (got < 0)
		return (int)got;
	return n ? flush(z, n, row0, err) : 0;
}

int nids_score_stream(nids_reader *r, const nids_model *m, const nids_score_opts *o, FILE *out,
                      const char *out_name, nids_score_stats *st, nids_err *err)
{
	memset(st, 0, sizeof *st);
	const nids_header *hin = nids_reader_header(r);
	scoring z = { .m = m, .o = o, .st = st, .C = hin->ncols, .M = hin->meta_width, .d = m->d,
		      .in_name = nids_reader_name(r) };
	char **names = NULL;
	nids_header *h = NULL;
	int rc = nids_model_check_features(m, hin, err);
	if (!rc)
		rc = nids_score_plan(m, hin, &z.norm, &z.clamp, err);
	if (!rc && z.norm)
		rc = bind_features(z.norm, m, err);
	st->normalized = z.norm != NULL;
	if (!rc && o->alarms && !m->has_threshold)
		rc = nids_err_set(err, NIDS_EUSAGE, o->model_name, "the model stores no threshold (store one "
		                  "with nids-threshold -m model and a rule: --percentile, --rate, "
		                  "--sigma or --best-f1)");
	if (!rc && (z.nout = nids_model_outputs(m, o->outputs, &names, err)) < 0)
		rc = z.nout;
	if (!rc && o->predict)
		rc = predict_column(&z, &names, err);
	int nscores = 1; /* "score" and the type's further score columns */
	while (m->type->scores && m->type->scores[nscores - 1])
		nscores++;
	if (!rc && o->alarms) {
		z.alarm_col = -1;
		for (int i = 0; i < nscores; i++)
			if (!strcmp(names[i], m->threshold_score))
				z.alarm_col = i;
		if (z.alarm_col < 0)
			rc = nids_err_set(err, NIDS_EFORMAT, o->model_name, "the stored threshold is for a column "
			                  "'%s' this model does not score", m->threshold_score);
	}
	if (!rc)
		rc = out_header(&h, hin, m, names, z.nout + (o->predict != 0), nscores,
		                m->type->scores_low, err);
	z.stride = (size_t)(z.C + z.nout + (o->predict != 0));
	if (!rc) {
		z.fcol = malloc((size_t)z.d * sizeof *z.fcol);
		z.x = nids_floats((size_t)NIDS_SCORE_CHUNK * z.d);
		z.sc = nids_floats((size_t)NIDS_SCORE_CHUNK * z.nout);
		z.rowsout = nids_floats((size_t)NIDS_SCORE_CHUNK * z.stride);
		z.metaout = malloc((size_t)NIDS_SCORE_CHUNK * z.M + 1);
		if (!z.fcol || !z.x || !z.sc || !z.rowsout || !z.metaout)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		for (int i = 0, j = 0; !rc && i < z.C; i++)
			if (hin->cols[i].role == NIDS_ROLE_FEATURE)
				z.fcol[j++] = i;
	}
	if (!rc)
		rc = nids_scorer_new(&z.s, m, o->outputs, o->threads, NIDS_SCORE_CHUNK, err);
	if (!rc)
		rc = nids_writer_open(&z.w, out, out_name, h, o->level, err);
	if (!rc)
		rc = run(&z, r, err);
	if (!rc) {
		rc = nids_writer_close(z.w, err);
		z.w = NULL;
	}
	st->rows = nids_reader_rows(r);
	nids_writer_free(z.w);
	nids_scorer_free(z.s);
	nids_norm_free(z.norm);
	nids_header_free(h);
	for (int i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	free(z.fcol), free(z.x), free(z.sc), free(z.rowsout), free(z.metaout);
	free(z.pred_id), free(z.cmap);
	return rc;
}
