/* select.c: permutation importance, choosing the kept features, kept lists and their
 * application to a stream (select.h). */
#include "nids/select.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "importance_impl.h"
#include "metrics_impl.h"
#include "nids/normalize.h"
#include "rng_impl.h"
#include "nids/score.h"

/* The AUROC of the model's scores of x [n x d] against the labels; x's column shuffled
 * (or -1) names the feature shuffled in a message about a row. */
static int auroc_of(nids_scorer *s, int nout, const float *x, const nids_dataset *ds,
                    int shuffled, float *out, double *auc, nids_err *err)
{
	const size_t B = 4096;
	for (size_t i = 0; i < ds->n; i += B) {
		int b = (int)(ds->n - i < B ? ds->n - i : B);
		nids_scorer_run(s, x + i * (size_t)ds->d, b, i, out + i * (size_t)nout);
	}
	nids_eval *e = nids_eval_new(NIDS_DIR_HIGH);
	int rc = e ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (size_t i = 0; !rc && i < ds->n; i++) {
		float v = out[i * (size_t)nout];
		if (isnan(v)) { /* nids_eval_add's refusal, with the row */
			char where[256];
			nids_dataset_where(ds, i, where, sizeof where);
			rc = nids_err_set(err, NIDS_EFORMAT, where, "the model's score is nan%s%s%s",
			                  shuffled >= 0 ? " (feature '" : "",
			                  shuffled >= 0 ? ds->features[shuffled] : "",
			                  shuffled >= 0 ? "' shuffled)" : "");
		} else {
			rc = nids_eval_add(e, v, ds->label[i], 0, err);
		}
	}
	if (!rc)
		rc = nids_eval_sort(e, err);
	*auc = rc ? NAN : nids_eval_auroc(e);
	nids_eval_free(e);
	return rc;
}

/* x [n x d] normalized as the model's training rows were, when it records that. */
static int prepare(const nids_model *m, const nids_dataset *ds, float *x, nids_err *err)
{
	struct nids_norm *norm = NULL;
	int clamp, rc = nids_model_check_features(m, ds->h, err);
	if (!rc)
		rc = nids_score_plan(m, ds->h, &norm, &clamp, err);
	if (rc || !norm)
		return rc;
	nids_header *h = nids_header_new();
	rc = h ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int j = 0; !rc && j < ds->d; j++)
		if ((rc = nids_header_add_column(h, ds->features[j], NIDS_ROLE_FEATURE, err)) > 0)
			rc = 0;
	if (!rc)
		rc = nids_norm_bind(norm, h, "model", err);
	for (size_t i = 0; !rc && i < ds->n; i++) /* a row at a time, to name a bad one */
		if ((rc = nids_norm_apply(norm, x + i * (size_t)ds->d, 1, clamp, "", 1, err)))
			nids_dataset_where(ds, i, err->where, sizeof err->where);
	nids_header_free(h);
	nids_norm_free(norm);
	return rc;
}

int nids_permutation_importance(const nids_model *m, const nids_dataset *ds, int repeats,
                                uint64_t seed, int threads, double *imp, double *base,
                                nids_err *err)
{
	if (!ds->label)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "permutation importance needs a label "
		                    "column");
	size_t n = ds->n, d = (size_t)ds->d;
	int nout = nids_model_outputs(m, 0, NULL, err);
	float *x = malloc(n * d * sizeof *x + 1), *col = malloc(n * sizeof *col + 1);
	float *out = malloc(n * (size_t)(nout > 0 ? nout : 1) * sizeof *out + 1);
	nids_scorer *s = NULL;
	int rc = nout < 0 ? nout : !x || !col || !out
	                                   ? nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory")
	                                   : 0;
	if (!rc) {
		memcpy(x, ds->x, n * d * sizeof *x);
		rc = prepare(m, ds, x, err);
	}
	if (!rc)
		rc = nids_scorer_new(&s, m, 0, threads, 4096, err);
	if (!rc)
		rc = auroc_of(s, nout, x, ds, -1, out, base, err);
	for (size_t j = 0; !rc && j < d; j++) {
		for (size_t i = 0; i < n; i++)
			col[i] = x[i * d + j];
		double sum = 0;
		for (int r = 0; !rc && r < repeats; r++) {
			nids_rng rng;
			nids_rng_seed2(&rng, seed, j * (uint64_t)repeats + (uint64_t)r);
			for (size_t i = 0; i < n; i++)
				x[i * d + j] = col[i];
			for (size_t i = n; i > 1; i--) { /* Fisher-Yates over the column */
				size_t k = (size_t)nids_rng_below(&rng, i);
				float t = x[(i - 1) * d + j];
				x[(i - 1) * d + j] = x[k * d + j], x[k * d + j] = t;
			}
			double a;
			rc = auroc_of(s, nout, x, ds, (int)j, out, &a, err);
			sum += *base - a;
		}
		for (size_t i = 0; i < n; i++)
			x[i * d + j] = col[i];
		imp[j] = sum / repeats;
	}
	nids_scorer_free(s);
	free(x), free(col), free(out);
	return rc;
}

static int index_of(char *const *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return i;
	return -1;
}

int nids_select_choose(const nids_select_opts *o, const nids_dataset *ds, char ***kept,
                       int *nkept, int *dropped, nids_err *err)
{
	int k = o->top > 0 && o->top < o->nrank ? o->top : o->nrank;
	int *order = malloc(sizeof(int) * (size_t)(k + 1)), *keep = malloc(sizeof(int) * (size_t)(k + 1));
	char **v = malloc(sizeof(char *) * (size_t)(k + 1));
	int rc = !order || !keep || !v ? nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory") : 0;
	for (int i = 0; !rc && i < k; i++) {
		keep[i] = 1;
		order[i] = ds ? index_of(ds->features, ds->d, o->rank[i]) : i;
		if (order[i] < 0)
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "feature '%s' is not in the stream",
			                  o->rank[i]);
	}
	if (!rc && !isnan(o->corr))
		rc = nids_corr_filter(ds->x, ds->n, ds->d, order, k, o->corr, keep, err);
	*nkept = *dropped = 0;
	for (int i = 0; !rc && i < k; i++) {
		if (keep[i])
			v[(*nkept)++] = o->rank[i];
		else
			(*dropped)++;
	}
	free(order), free(keep);
	if (rc) {
		free(v);
		return rc;
	}
	*kept = v;
	return 0;
}

int nids_select_list_read(const char *path, char ***names, int *n, nids_err *err)
{
	return nids_name_file_read(path, names, NULL, n, err);
}

/* The output header: the kept columns (map [ncols out] their input indices), every
 * metadata column, class, string and record. */
static int out_header(const nids_header *in, const char *in_name, char *const *keep, int nkeep,
                      nids_header **hp, int *map, int *nmap, nids_err *err)
{
	for (int i = 0; i < nkeep; i++) {
		int c = nids_header_find(in, keep[i]);
		if (c < 0 || in->cols[c].role != NIDS_ROLE_FEATURE)
			return nids_err_set(err, NIDS_EFORMAT, in_name, "the kept feature '%s' is not a "
			                    "feature of the stream", keep[i]);
	}
	nids_header *h = nids_header_new();
	int rc = h ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	*nmap = 0;
	for (int c = 0; !rc && c < in->ncols; c++) {
		if (in->cols[c].role == NIDS_ROLE_FEATURE && index_of(keep, nkeep, in->cols[c].name) < 0)
			continue;
		map[(*nmap)++] = c;
		if ((rc = nids_header_add_column(h, in->cols[c].name, in->cols[c].role, err)) > 0)
			rc = 0;
	}
	for (int i = 0; !rc && i < in->nmeta; i++)
		if ((rc = nids_header_add_meta(h, in->meta[i].name, in->meta[i].type, in->meta[i].role,
		                               err)) > 0)
			rc = 0;
	for (int i = 0; !rc && i < in->nclasses; i++)
		if (nids_header_add_class(h, in->classes[i]) < 0)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < in->nstrings; i++)
		if (nids_header_add_string(h, in->strings[i]) < 0)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < in->next; i++)
		if (nids_header_set_ext(h, in->ext[i].key, in->ext[i].data, in->ext[i].len))
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (rc) {
		nids_header_free(h);
		return rc;
	}
	*hp = h;
	return 0;
}

int nids_select_apply(nids_reader *r, const char *in_name, char *const *keep, int nkeep,
                      FILE *out, const char *out_name, int level, nids_err *err)
{
	const nids_header *in = nids_reader_header(r);
	int *map = malloc(sizeof(int) * (size_t)(in->ncols + 1)), nmap = 0, C = in->ncols;
	nids_header *h = NULL;
	nids_writer *w = NULL;
	float *buf = NULL;
	size_t cap = 0;
	int rc = map ? out_header(in, in_name, keep, nkeep, &h, map, &nmap, err)
	             : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = nids_writer_open(&w, out, out_name, h, level, err);
	float *rows;
	long k = 0;
	while (!rc && (k = nids_reader_next(r, &rows, err)) > 0) {
		if ((size_t)k > cap) {
			float *nb = realloc(buf, (size_t)k * (size_t)(nmap + 1) * sizeof *nb);
			if (!nb) {
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
				break;
			}
			buf = nb, cap = (size_t)k;
		}
		for (long i = 0; i < k; i++)
			for (int j = 0; j < nmap; j++)
				buf[(size_t)i * nmap + j] = rows[(size_t)i * C + map[j]];
		rc = nids_writer_sync_classes(w, in, err);
		if (!rc)
			rc = nids_writer_write_meta(w, buf, nids_reader_meta(r), (size_t)k, err);
	}
	if (!rc && k < 0)
		rc = (int)k;
	if (!rc) {
		rc = nids_writer_close(w, err);
		w = NULL;
	}
	nids_writer_free(w);
	nids_header_free(h);
	free(map), free(buf);
	return rc;
}
