/* model_table.c: the one table of model types, a model's creation from it (hyperparameter
 * defaults), feature checks, output column names, and the threaded batch scorer. The
 * models read their hyperparameters through lib/model_params.c. */
#include "nids/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/pool.h"

/* Each model file defines one of these; adding a model is one line here. */
extern const nids_model_type nids_model_ae;
extern const nids_model_type nids_model_vae;
extern const nids_model_type nids_model_sae;
extern const nids_model_type nids_model_dagmm, nids_model_memae, nids_model_dsebm, nids_model_aegmm;
extern const nids_model_type nids_model_kmeans, nids_model_logreg, nids_model_tree,
	nids_model_forest, nids_model_iforest;
extern const nids_model_type nids_model_ensemble;

static const nids_model_type *const TABLE[] = {
	&nids_model_ae,     &nids_model_vae,    &nids_model_sae,  &nids_model_dagmm,
	&nids_model_memae,  &nids_model_dsebm,  &nids_model_aegmm, &nids_model_kmeans,
	&nids_model_logreg, &nids_model_tree,   &nids_model_forest, &nids_model_iforest,
	&nids_model_ensemble,
};
#define NTYPES (int)(sizeof TABLE / sizeof TABLE[0])

const nids_model_type *nids_model_type_find(const char *name)
{
	for (int i = 0; i < NTYPES; i++)
		if (strcmp(TABLE[i]->name, name) == 0)
			return TABLE[i];
	return NULL;
}

const nids_model_type *nids_model_type_at(int i) { return i >= 0 && i < NTYPES ? TABLE[i] : NULL; }

static int nhparams(const nids_model_type *t)
{
	int n = 0;
	while (t->hparams && t->hparams[n].name)
		n++;
	return n;
}

int nids_model_new(nids_model **out, const char *type, nids_err *err)
{
	*out = NULL;
	const nids_model_type *t = nids_model_type_find(type);
	if (!t) {
		char known[256] = "";
		for (int i = 0; i < NTYPES; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
			         i ? ", " : "", TABLE[i]->name);
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown model type '%s' (known: %s)",
		                    type, known);
	}
	nids_model *m = calloc(1, sizeof *m);
	int n = nhparams(t);
	if (!m || !(m->hp = calloc((size_t)n + 1, sizeof *m->hp)))
		goto nomem;
	m->type = t;
	for (int i = 0; i < n; i++)
		if (!(m->hp[i] = strdup(t->hparams[i].defval)))
			goto nomem;
	*out = m;
	return 0;
nomem:
	nids_model_free(m);
	return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
}

static char **copy_names(char *const *src, int n)
{
	char **dst = calloc((size_t)n + 1, sizeof *dst);
	for (int i = 0; dst && i < n; i++)
		if (!(dst[i] = strdup(src[i]))) {
			for (int j = 0; j < i; j++)
				free(dst[j]);
			free(dst);
			return NULL;
		}
	return dst;
}

static void free_names(char **names, int n)
{
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* A fit that succeeded may still be useless: on values near the float32 limits (1e30,
 * 3e38) distances and reconstruction errors overflow, so every ordinary row would score
 * inf or nan and the evaluation would quietly say nothing. Scores up to CHECK_ROWS
 * finite training rows, spread over the set, and fails when any score is not finite. */
#define CHECK_ROWS 256
static int check_fitted(const nids_model *m, const nids_dataset *train, nids_err *err)
{
	int nout = nids_model_outputs(m, 0, NULL, err), d = train->d, B = 0;
	if (nout < 0)
		return nout;
	float *x = nids_floats((size_t)CHECK_ROWS * d), *out = nids_floats((size_t)CHECK_ROWS * nout);
	nids_scorer *s = NULL;
	int rc = x && out ? nids_scorer_new(&s, m, 0, 1, CHECK_ROWS, err)
	                  : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	double big = 0;
	size_t step = train->n / CHECK_ROWS + 1;
	for (size_t i = 0; rc == 0 && i < train->n && B < CHECK_ROWS; i += step) {
		const float *r = train->x + i * (size_t)d;
		int finite = 1;
		for (int j = 0; j < d; j++)
			finite &= isfinite(r[j]) != 0;
		if (!finite)
			continue;
		for (int j = 0; j < d; j++)
			big = fabs(r[j]) > big ? fabs(r[j]) : big;
		memcpy(x + (size_t)B++ * d, r, sizeof(float) * (size_t)d);
	}
	if (rc == 0 && B > 0) {
		nids_scorer_run(s, x, B, 0, out);
		for (int i = 0; i < B && rc == 0; i++)
			if (!isfinite(out[(size_t)i * nout]))
				rc = nids_err_set(err, NIDS_EFORMAT, NULL,
				                  "-t %s scores the training rows %g: their values (up to "
				                  "%g) are too large for float32 arithmetic; scale them "
				                  "first (nids-normalize)",
				                  m->type->name, (double)out[(size_t)i * nout], big);
	}
	nids_scorer_free(s);
	free(x);
	free(out);
	return rc;
}

int nids_model_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err)
{
	const char *need = m->type->needs_labels == 1 ? "label" : "class";
	if (train->n == 0) /* first: an empty stream may not even say which columns it has */
		return nids_err_set(err, NIDS_EFORMAT, NULL, "no training rows");
	if ((m->type->needs_labels == 1 && !train->label) ||
	    (m->type->needs_labels == 2 && !train->cls))
		return nids_err_set(err, NIDS_EFORMAT, NULL,
		                    "-t %s needs a %s column in the training stream",
		                    m->type->name, need);
	free_names(m->features, m->d);
	free_names(m->classes, m->nclasses);
	m->d = train->d;
	m->nclasses = train->nclasses;
	m->features = copy_names(train->features, train->d);
	m->classes = copy_names(train->classes, train->nclasses);
	if (!m->features || !m->classes)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->train_rows = train->n;
	int rc = m->type->fit(m, train, val, o, err);
	return rc < 0 ? rc : check_fitted(m, train, err);
}

int nids_model_outputs(const nids_model *m, unsigned outputs, char ***names, nids_err *err)
{
	static const char *FLAG[4] = { "--errors", "--explain", "--classes", "--cluster" };
	for (int b = 0; b < 4; b++)
		if ((outputs & (1u << b)) && !(m->type->outputs & (1u << b)))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "%s is not available for -t %s",
			                    FLAG[b], m->type->name);
	int nsc = 0;
	while (m->type->scores && m->type->scores[nsc])
		nsc++;
	int n = 1 + nsc + ((outputs & NIDS_OUT_ERRORS) ? m->d : 0) +
	        ((outputs & NIDS_OUT_EXPLAIN) ? m->d : 0) +
	        ((outputs & NIDS_OUT_CLASSES) ? m->nclasses : 0) + ((outputs & NIDS_OUT_CLUSTER) ? 1 : 0);
	if (!names)
		return n;
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int k = 0;
	v[k++] = strdup("score");
	for (int i = 0; i < nsc; i++)
		if ((v[k] = strdup(m->type->scores[i])))
			k++;
	for (int i = 0; (outputs & NIDS_OUT_ERRORS) && i < m->d; i++)
		if ((v[k] = malloc(strlen(m->features[i]) + 5)))
			sprintf(v[k++], "err_%s", m->features[i]);
	for (int i = 0; (outputs & NIDS_OUT_EXPLAIN) && i < m->d; i++)
		if ((v[k] = malloc(strlen(m->features[i]) + 6)))
			sprintf(v[k++], "grad_%s", m->features[i]);
	for (int i = 0; (outputs & NIDS_OUT_CLASSES) && i < m->nclasses; i++)
		if ((v[k] = malloc(strlen(m->classes[i]) + 3)))
			sprintf(v[k++], "p_%s", m->classes[i]);
	if (outputs & NIDS_OUT_CLUSTER)
		v[k] = strdup("cluster"), k += v[k] != NULL;
	if (k < n || !v[0]) {
		free_names(v, n);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	*names = v;
	return n;
}

int nids_model_check_features(const nids_model *m, const nids_header *h, nids_err *err)
{
	int j = 0;
	for (int i = 0; i < h->ncols; i++) {
		if (h->cols[i].role != NIDS_ROLE_FEATURE)
			continue;
		if (j >= m->d)
			return nids_err_set(err, NIDS_EMISMATCH, NULL,
			                    "the stream has more features than the model's %d "
			                    "(first extra: column %d '%s')", m->d, i + 1, h->cols[i].name);
		if (strcmp(h->cols[i].name, m->features[j]) != 0)
			return nids_err_set(err, NIDS_EMISMATCH, NULL,
			                    "feature %d: the stream has '%s', the model '%s'", j + 1,
			                    h->cols[i].name, m->features[j]);
		j++;
	}
	if (j < m->d)
		return nids_err_set(err, NIDS_EMISMATCH, NULL,
		                    "the stream has %d features, the model %d (first missing: '%s')",
		                    j, m->d, m->features[j]);
	return 0;
}

void nids_model_free(nids_model *m)
{
	if (!m)
		return;
	for (int i = 0; m->type && m->hp && i < nhparams(m->type); i++)
		free(m->hp[i]);
	free(m->hp);
	free_names(m->features, m->d);
	free_names(m->classes, m->nclasses);
	nids_arena_free(&m->arena);
	if (m->state && m->type && m->type->free_state)
		m->type->free_state(m->state);
	nids_header_free(m->prep);
	free(m->made);
	free(m);
}

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
	s->blk = m->type->any_batch ? ANY_ROWS : NIDS_SCORE_ROWS;
	int rc = nids_pool_new(&s->pool, threads, err);
	if (rc < 0) {
		free(s);
		return rc;
	}
	/* threads split the batch: BLAS itself stays single-threaded inside them */
	nids_blas_threads(1);
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
