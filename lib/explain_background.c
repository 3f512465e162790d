/* explain_background.c: the background rows an explanation compares against: read from
 * a stream with the model's preprocessing applied (benign rows only when it is
 * labelled, a uniform sample beyond a cap), and summarised by k-means as shap's kmeans
 * helper does (centroids moved to values the data takes, weighted by cluster size). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain_impl.h"
#include "classic_impl.h"
#include "nids/normalize.h"
#include "model_impl.h"
#include "rng_impl.h"
#include "nids/score.h"

int nids_explain_kmeans(const float *x, size_t n, int d, int k, uint64_t seed, float *c,
                        double *w, nids_err *err)
{
	if (k < 1 || n < (size_t)k)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "a background of %zu rows cannot be "
		                    "summarised by %d centroids", n, k);
	nids_kmeans_opts o = { k, 100, 3, 1e-6, 1, seed };
	int rc = nids_kmeans_fit(x, n, d, &o, c, NULL, NULL, err);
	if (rc)
		return rc;
	float *cn = malloc(sizeof(float) * (size_t)k), *dist = malloc(sizeof(float) * 256);
	float *scratch = malloc(sizeof(float) * 256 * (size_t)k);
	int *idx = malloc(sizeof(int) * 256);
	if (!cn || !dist || !scratch || !idx) {
		free(cn), free(dist), free(scratch), free(idx);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int j = 0; j < k; j++) {
		double s = 0;
		for (int f = 0; f < d; f++)
			s += (double)c[(size_t)j * d + f] * c[(size_t)j * d + f];
		cn[j] = (float)s;
		w[j] = 0;
	}
	for (size_t i = 0; i < n; i += 256) {
		int B = n - i < 256 ? (int)(n - i) : 256;
		nids_kmeans_nearest(c, cn, k, d, x + i * d, B, dist, idx, scratch);
		for (int r = 0; r < B; r++)
			w[idx[r]] += 1;
	}
	for (int j = 0; j < k; j++)
		w[j] /= (double)n;
	/* each coordinate to the nearest value the feature takes in the data */
	for (int j = 0; j < k; j++)
		for (int f = 0; f < d; f++) {
			float v = c[(size_t)j * d + f], best = x[f];
			for (size_t i = 1; i < n; i++)
				if (fabsf(x[i * d + f] - v) < fabsf(best - v))
					best = x[i * d + f];
			c[(size_t)j * d + f] = best;
		}
	free(cn), free(dist), free(scratch), free(idx);
	return 0;
}

int nids_explain_read_background(nids_reader *r, const nids_model *m, size_t max,
                                 uint64_t seed, float **xo, size_t *no, nids_err *err)
{
	*xo = NULL, *no = 0;
	const nids_header *h = nids_reader_header(r);
	struct nids_norm *norm = NULL;
	int clamp = 0, C = h->ncols, d = m->d, label = nids_header_find_role(h, NIDS_ROLE_LABEL);
	int rc = nids_model_check_features(m, h, err);
	if (!rc)
		rc = nids_score_plan(m, h, &norm, &clamp, err);
	if (!rc && norm)
		rc = nids_norm_bind(norm, h, "model", err);
	int *fcol = malloc(sizeof(int) * (size_t)d);
	float *x = malloc(sizeof(float) * (max ? max : 1) * (size_t)d), *tmp = NULL;
	if (!rc && (!fcol || !x))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0, j = 0; !rc && i < C; i++)
		if (h->cols[i].role == NIDS_ROLE_FEATURE)
			fcol[j++] = i;
	nids_rng rng;
	nids_rng_seed(&rng, seed);
	size_t n = 0, seen = 0;
	float *rows;
	long got = 0;
	while (!rc && (got = nids_reader_next(r, &rows, err)) > 0) {
		if (norm) {
			float *t = realloc(tmp, sizeof(float) * (size_t)got * C);
			if (!t) {
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
				break;
			}
			tmp = t;
			memcpy(tmp, rows, sizeof(float) * (size_t)got * C);
			/* a message names the background's file and the row within it */
			uint64_t row1 = nids_reader_file_rows(r) - (uint64_t)got + 1;
			if ((rc = nids_norm_apply(norm, tmp, (size_t)got, clamp, nids_reader_name(r), row1, err)))
				break;
			rows = tmp;
		}
		for (long i = 0; i < got; i++) {
			const float *row = rows + (size_t)i * C;
			if (label >= 0 && row[label] != 0)
				continue;
			size_t slot = n < max ? n++ : (size_t)nids_rng_below(&rng, (uint64_t)seen + 1);
			seen++;
			if (slot < max)
				for (int j = 0; j < d; j++)
					x[slot * d + j] = row[fcol[j]];
		}
	}
	if (!rc && got < 0)
		rc = (int)got;
	if (!rc && n == 0)
		rc = nids_err_set(err, NIDS_EFORMAT, NULL, "the background has no benign rows");
	nids_norm_free(norm);
	free(fcol), free(tmp);
	if (rc) {
		free(x);
		if (!err->where[0]) /* a mismatch is the background's, not the input's */
			snprintf(err->where, sizeof err->where, "%s", nids_reader_name(r));
		return rc;
	}
	*xo = x, *no = n;
	return 0;
}
