/* model_logreg.c: L2-penalised logistic regression (classic_logreg.c), binary on the
 * label by Newton's method or multinomial on the class by L-BFGS. --l2 is the penalty
 * weight against the summed loss, so --l2 1 is scikit-learn's C = 1. Score = P(attack)
 * (the summed probability of the attack classes for --target class). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "classic_model_impl.h"
#include "explain_impl.h"

static const nids_hparam LOGREG_HPARAMS[] = {
	{ "target", 0, "label", "classifier target: label (benign/attack, Newton) or class "
	                        "(multinomial, L-BFGS)" },
	{ "l2", 0, "1", "L2 penalty weight on the summed loss (scikit-learn's 1 / C)" },
	{ "max-iter", 0, "100", "Newton or L-BFGS iterations at most" },
	{ "tol", 0, "1e-6", "converged when max |gradient of the mean loss| <= tol" },
	{ "class-weight", 0, "none", "none, or balanced: rows weighted n / (classes * class rows)" },
	{ NULL, 0, NULL, NULL },
};

struct logreg_state {
	int K, rows;           /* classes; weight rows (1 for binary) */
	const float *w;        /* [rows x (d + 1)] */
	const float *benign;   /* [K] */
};

static int logreg_bind(nids_model *m, const nids_arena *file, nids_err *err)
{
	int K = m->nclasses;
	if (K < 2)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "a logreg model needs at least 2 classes");
	int wi = nids_classic_load(m, file, "w", -1, m->d + 1, err), bi;
	if (wi < 0)
		return wi;
	int rows = m->arena.t[wi].rows;
	if (rows != (K == 2 ? 1 : K))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "tensor 'w' has %d rows for %d classes",
		                    rows, K);
	if ((bi = nids_classic_load(m, file, "benign", 1, K, err)) < 0)
		return bi;
	struct logreg_state *s = calloc(1, sizeof *s);
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	free(m->state);
	m->state = s;
	s->K = K, s->rows = rows;
	s->w = nids_arena_ptr(&m->arena, m->arena.data, wi);
	s->benign = nids_arena_ptr(&m->arena, m->arena.data, bi);
	return 0;
}

static int logreg_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	return logreg_bind(m, file, err);
}

static int logreg_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                      const nids_fit_opts *o, nids_err *err)
{
	(void)val;
	const int *y;
	int K, rc, d = train->d;
	long iters;
	double l2, tol;
	if ((rc = nids_classic_target(m, train, &y, &K, err)) < 0 ||
	    (rc = nids_model_get_double(m, "l2", 0, 1e12, &l2, err)) < 0 ||
	    (rc = nids_model_get_long(m, "max-iter", 0, 1 << 30, &iters, err)) < 0 ||
	    (rc = nids_model_get_double(m, "tol", 0, 1e9, &tol, err)) < 0)
		return rc;
	/* two classes are binary whatever the target, so --target class with two classes
	 * equals --target label */
	int rows = K == 2 ? 1 : K;
	float *sw = NULL, *bm = calloc((size_t)K, sizeof(float));
	double *w = calloc((size_t)rows * (d + 1), sizeof(double));
	float *wf = malloc(sizeof(float) * (size_t)rows * (d + 1));
	int *yb = NULL;
	if (!bm || !w || !wf) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if ((rc = nids_classic_weights(m, y, train->n, K, &sw, err)) < 0)
		goto out;
	nids_logreg_opts lo = { l2, (int)iters, tol, o->threads };
	nids_classic_benign(m, train, K, bm);
	if (K == 2) {
		/* y = 1 for the attack class (class 1 for labels) */
		if (!(yb = malloc(sizeof(int) * (train->n ? train->n : 1)))) {
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
			goto out;
		}
		int attack = bm[1] == 0 ? 1 : 0;
		for (size_t i = 0; i < train->n; i++)
			yb[i] = y[i] == attack;
		rc = nids_logreg_fit_binary(train->x, yb, sw, train->n, d, &lo, w, err);
		if (attack == 0) /* store P(class 1) as the model's row */
			for (int j = 0; j <= d; j++)
				w[j] = -w[j];
	} else {
		rc = nids_logreg_fit_multi(train->x, y, sw, train->n, d, K, &lo, w, err);
	}
	if (rc < 0)
		goto out;
	if (o->progress)
		fprintf(o->progress, "logreg: %d iterations%s\n", rc,
		        rc >= iters ? " (not converged: raise --max-iter)" : "");
	for (int j = 0; j < rows * (d + 1); j++)
		wf[j] = (float)w[j];
	const char *names[2] = { "w", "benign" };
	int r[2] = { rows, 1 }, c[2] = { d + 1, K };
	const float *data[2] = { wf, bm };
	if ((rc = nids_classic_store(m, 2, names, r, c, data, err)) >= 0)
		rc = logreg_bind(m, &m->arena, err);
out:
	free(sw);
	free(bm);
	free(w);
	free(wf);
	free(yb);
	return rc < 0 ? rc : 0;
}

/* The class probabilities of row xr [d] into p [K] (the sigmoid of one margin, or the
 * softmax of K), and the return value P(attack): the non-benign classes' sum. */
static double class_probabilities(const struct logreg_state *s, const float *xr, int d,
                                  double *p)
{
	int D = d + 1, K = s->K;
	for (int k = 0; k < s->rows; k++) {
		const float *w = s->w + (size_t)k * D;
		double z = w[d];
		for (int j = 0; j < d; j++)
			z += (double)w[j] * xr[j];
		p[k] = z;
	}
	if (s->rows == 1) {
		p[1] = 1 / (1 + exp(-p[0]));
		p[0] = 1 - p[1];
	} else {
		double mx = p[0], sum = 0;
		for (int k = 1; k < K; k++)
			mx = p[k] > mx ? p[k] : mx;
		for (int k = 0; k < K; k++)
			sum += p[k] = exp(p[k] - mx);
		for (int k = 0; k < K; k++)
			p[k] /= sum;
	}
	double pa = 0;
	for (int k = 0; k < K; k++)
		pa += s->benign[k] ? 0 : p[k];
	return pa;
}

static void *logreg_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	(void)cap;
	return calloc((size_t)m->nclasses + 1, sizeof(double));
}

static void logreg_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                         unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct logreg_state *s = m->state;
	int d = m->d, K = s->K;
	double *p = scratch;
	for (int r = 0; r < B; r++) {
		const float *xr = x + (size_t)r * d;
		float *o = out + (size_t)r * ldo;
		double pa = class_probabilities(s, xr, d, p);
		o[0] = (float)pa;
		for (int k = 0; (outputs & NIDS_OUT_CLASSES) && k < K; k++)
			o[1 + k] = (float)p[k];
	}
}

const nids_model_type nids_model_logreg = {
	.name = "logreg",
	.summary = "L2 logistic regression (Newton, or L-BFGS multinomial); score = P(attack)",
	.hparams = LOGREG_HPARAMS,
	.outputs = NIDS_OUT_CLASSES,
	.needs_labels = 1,
	.fit = logreg_fit,
	.load = logreg_load,
	.scratch_new = logreg_scratch_new,
	.scratch_free = free,
	.score = logreg_score,
	.free_state = free,
	.any_batch = 1, /* per-row loops: a row's score never depends on its batch */
};

/* d P(attack) / d x for rows x [B x d] into g [B x d] (explain_impl.h): through the
 * sigmoid (two classes) or the softmax (more), then the weights. Returns 0 or
 * NIDS_ENOMEM. */
int nids_logreg_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err)
{
	const struct logreg_state *s = m->state;
	int d = m->d, D = d + 1, K = s->K;
	double *p = malloc(sizeof(double) * (size_t)(K + 1)), *dl = malloc(sizeof(double) * (size_t)(K + 1));
	if (!p || !dl) {
		free(p), free(dl);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int r = 0; r < B; r++) {
		const float *xr = x + (size_t)r * d;
		float *gr = g + (size_t)r * d;
		double pa = class_probabilities(s, xr, d, p);
		if (s->rows == 1) { /* d p1 / d z = p1 p0; score = the attack classes' sum */
			double dz = p[1] * p[0] * ((s->benign[1] ? 0 : 1) - (s->benign[0] ? 0 : 1));
			for (int j = 0; j < d; j++)
				gr[j] = (float)(dz * s->w[j]);
			continue;
		}
		for (int k = 0; k < K; k++)
			dl[k] = p[k] * ((s->benign[k] ? 0 : 1) - pa);
		for (int j = 0; j < d; j++) {
			double t = 0;
			for (int k = 0; k < K; k++)
				t += dl[k] * s->w[(size_t)k * D + j];
			gr[j] = (float)t;
		}
	}
	free(p), free(dl);
	return 0;
}
