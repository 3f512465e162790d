/* model_aegmm.c: the AE-GMM system's two-stage detector. Stage 1: a dense autoencoder
 * (d -> 70 -> 30 -> 17 -> 16 and mirror, ReLU, linear output) trained on MAE with an L1
 * activity penalty on the code. Stage 2: a full-covariance Gaussian mixture (gmm_impl.h: 21
 * components, k-means++ seeds, EM with a covariance floor, tolerance and iteration cap)
 * fitted on the per-feature absolute reconstruction errors |x - x'| of the training rows.
 * Scores: "score" = -log p(|x - x'|) under the mixture, and "mae" = the stage-1 mean
 * absolute error; that system thresholds each on benign validation rows (nids-threshold).
 * A mixture that cannot be factorised after EM stops fitting with an error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gmm_impl.h"
#include "model_impl.h"
#include "explain_impl.h"

static const nids_hparam AEGMM_HPARAMS[] = {
	{ "layers", 0, "70,30,17,16", "encoder widths; the decoder mirrors them" },
	{ "act", 0, "relu", "hidden activation" },
	{ "l1", 0, "1e-4", "weight of the L1 activity penalty on the code" },
	{ "k", 0, "21", "mixture components" },
	{ "cov-floor", 0, "1e-6", "added to every covariance diagonal before Cholesky" },
	{ "em-iter", 0, "100", "EM iteration cap" },
	{ "em-tol", 0, "1e-3", "EM stops when the mean log-likelihood gains less than this" },
	{ NULL, 0, NULL, NULL },
};

/* "logp": log p(|x - x'|), the unit of the AE-GMM system's own threshold rule (the
 * 1.2th percentile of the benign validation rows' log-probabilities; lower = more
 * anomalous, role score-low) */
static const char *const AEGMM_SCORES[] = { "mae", "logp", NULL };

struct aegmm {
	nids_autoencoder ae; /* stage 1: MAE loss, L1 on the code */
	int K, iters;
	nids_gmm_tensors t;
	double tol;
	nids_gmm gmm;
};

static void aegmm_free_state(void *p)
{
	struct aegmm *a = p;
	if (!a)
		return;
	nids_gmm_free(&a->gmm);
	free(a);
}

static int aegmm_define(nids_model *m, nids_err *err)
{
	long k, iters;
	double l1, floor, tol;
	if (nids_model_get_double(m, "l1", 0, 1e6, &l1, err) < 0 ||
	    nids_model_get_long(m, "k", 1, 1024, &k, err) < 0 ||
	    nids_model_get_double(m, "cov-floor", 0, 1e6, &floor, err) < 0 ||
	    nids_model_get_long(m, "em-iter", 1, 100000, &iters, err) < 0 ||
	    nids_model_get_double(m, "em-tol", 0, 1e6, &tol, err) < 0)
		return NIDS_EUSAGE;
	struct aegmm *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	a->K = (int)k, a->iters = (int)iters, a->tol = tol;
	int rc = nids_autoencoder_define(&a->ae, m, 1, (float)l1, err);
	if (rc < 0 || (rc = nids_gmm_tensors_define(&a->t, &m->arena, a->K, m->d, err)) < 0)
		return rc;
	return nids_gmm_init(&a->gmm, a->K, m->d, floor, err);
}

/* |x - ae(x)| of rows x [B x d] into e [B x d]; returns nothing, uses acts. */
static void abs_errors(const struct aegmm *a, const nids_arena *ar, nids_mlp_acts *acts,
                       const float *x, int B, float *e)
{
	int d = a->ae.net.dim[0];
	const float *y = nids_mlp_forward(&a->ae.net, ar, ar->data, acts, x, B);
	for (size_t i = 0; i < (size_t)B * d; i++)
		e[i] = fabsf(y[i] - x[i]);
}

static int aegmm_stage2(nids_model *m, const nids_dataset *train, const nids_fit_opts *o,
                        nids_err *err)
{
	enum { CHUNK = 4096 };
	struct aegmm *a = m->state;
	size_t n = train->n;
	int d = m->d;
	nids_mlp_acts acts;
	nids_scratch bufs = { 0 };
	float *e;
	nids_mlp_acts_plan(&acts, &a->ae.net, CHUNK, 1, &bufs);
	nids_scratch_add(&bufs, &e, n * d);
	int rc = nids_scratch_alloc(&bufs, err);
	if (rc < 0)
		return rc;
	for (size_t at = 0; at < n; at += CHUNK) {
		int B = (int)(n - at < CHUNK ? n - at : CHUNK);
		abs_errors(a, &m->arena, &acts, train->x + at * d, B, e + at * d);
	}
	nids_rng rng;
	nids_rng_seed2(&rng, m->seed, 0x6a11);
	double ll;
	if (n < (size_t)a->K) { /* (not a covariance's fault: a floor would not help) */
		rc = nids_err_set(err, NIDS_EFORMAT, NULL, "aegmm: %zu training rows are fewer than "
		                  "the %d mixture components (lower --k)", n, a->K);
		goto done;
	}
	rc = nids_gmm_em(&a->gmm, e, n, a->iters, a->tol, &rng, &ll, err);
	if (rc < 0) {
		rc = nids_err_wrap(err, rc, "aegmm: ", " (try a larger --cov-floor)");
		goto done;
	}
	if (o->progress)
		fprintf(o->progress, "gmm: %d components, %d EM iterations, mean log-likelihood %.6g\n",
		        a->K, rc, ll);
	if ((rc = nids_gmm_tensors_store(&a->t, &m->arena, &a->gmm, err)) < 0)
		nids_err_wrap(err, rc, "aegmm: the mixture cannot be used: ", "");
done:
	nids_scratch_free(&bufs);
	return rc;
}

static int aegmm_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                     const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_arena_setup(m, aegmm_define, NULL, err);
	if (rc < 0)
		return rc;
	struct aegmm *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->ae.net }, 1, &rng);
	nids_net net = { &a->ae, m->arena.data, m->arena.size, NIDS_THREADS_MAX, nids_autoencoder_plan,
		         nids_autoencoder_step };
	rc = nids_net_train(&net, train, val, 0, o, m->seed, "ae", err);
	return rc < 0 ? rc : aegmm_stage2(m, train, o, err);
}

static int aegmm_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = nids_model_arena_setup(m, aegmm_define, file, err);
	if (rc < 0)
		return rc;
	struct aegmm *a = m->state;
	if ((rc = nids_gmm_tensors_load(&a->t, &m->arena, &a->gmm, err)) < 0)
		return nids_err_wrap(err, rc, "aegmm: the mixture cannot be used: ", "");
	return 0;
}

/* ---- scoring ---- */

struct aegmm_scratch {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	nids_mlp_acts acts;
	float *e;
	double *ll;
};

static void *aegmm_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct aegmm *a = m->state;
	struct aegmm_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	nids_mlp_acts_plan(&s->acts, &a->ae.net, cap, 1, &s->mem);
	nids_scratch_add(&s->mem, &s->e, (size_t)cap * m->d);
	nids_scratch_add_doubles(&s->mem, &s->ll, (size_t)cap);
	return nids_scratch_ready(&s->mem);
}

static void aegmm_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                        unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct aegmm *a = m->state;
	struct aegmm_scratch *s = scratch;
	int d = m->d;
	abs_errors(a, &m->arena, &s->acts, x, B, s->e);
	/* without memory for the posteriors the log-likelihoods are NaN, never a guess */
	if (nids_gmm_loglik(&a->gmm, s->e, (size_t)B, s->ll, NULL, NULL) < 0)
		for (int r = 0; r < B; r++)
			s->ll[r] = NAN;
	for (int r = 0; r < B; r++) {
		float *o = out + (size_t)r * ldo;
		const float *er = s->e + (size_t)r * d;
		double sum = 0;
		for (int j = 0; j < d; j++) {
			sum += er[j];
			if (outputs & NIDS_OUT_ERRORS)
				o[3 + j] = er[j];
		}
		o[0] = (float)-s->ll[r];
		o[1] = (float)(sum / d);
		o[2] = (float)s->ll[r];
	}
}

const nids_model_type nids_model_aegmm = {
	.name = "aegmm",
	.summary = "MAE autoencoder, then a GMM on its error vectors; score = -log p, and mae",
	.hparams = AEGMM_HPARAMS,
	.outputs = NIDS_OUT_ERRORS,
	.needs_labels = 0,
	.fit = aegmm_fit,
	.load = aegmm_load,
	.scratch_new = aegmm_scratch_new,
	.scratch_free = nids_scratch_release,
	.score = aegmm_score,
	.free_state = aegmm_free_state,
	.scores = AEGMM_SCORES,
	.scores_low = 2, /* logp */
};

/* d score / d x for rows x [B x d] into g [B x d] (explain_impl.h). With e = |x - ae(x)|
 * and score = -log p(e): d score / d e = sum_k r_k inv_k (e - mu_k) (r the posteriors),
 * then v = that times sign(x - ae(x)), and d score / d x = v - J_ae(x)^T v, the second
 * term by the autoencoder's backward pass. */
int nids_aegmm_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err)
{
	const struct aegmm *a = m->state;
	int d = m->d, K = a->K, rc = 0;
	nids_mlp_acts acts;
	nids_scratch bufs = { 0 };
	float *dout, *din, *e;
	double *ll, *resp, *t;
	nids_mlp_acts_plan(&acts, &a->ae.net, B, 1, &bufs);
	nids_scratch_add(&bufs, &dout, (size_t)B * d);
	nids_scratch_add(&bufs, &din, (size_t)B * d);
	nids_scratch_add(&bufs, &e, (size_t)B * d);
	nids_scratch_add_doubles(&bufs, &ll, (size_t)B);
	nids_scratch_add_doubles(&bufs, &resp, (size_t)B * K);
	nids_scratch_add_doubles(&bufs, &t, (size_t)d);
	if ((rc = nids_scratch_alloc(&bufs, err)) < 0)
		return rc;
	const float *y = nids_mlp_forward(&a->ae.net, &m->arena, m->arena.data, &acts, x, B);
	for (size_t i = 0; i < (size_t)B * d; i++)
		e[i] = fabsf(y[i] - x[i]);
	if ((rc = nids_gmm_loglik(&a->gmm, e, (size_t)B, ll, resp, err)) < 0)
		goto out;
	for (int r = 0; r < B; r++) {
		const float *xr = x + (size_t)r * d, *yr = y + (size_t)r * d, *er = e + (size_t)r * d;
		const double *rr = resp + (size_t)r * K;
		memset(t, 0, sizeof(double) * (size_t)d);
		for (int k = 0; k < K; k++) { /* t = sum_k r_k inv_k (e - mu_k) */
			if (!(rr[k] > 1e-12)) /* negligible, and d^2 work each */
				continue;
			const double *mu = a->gmm.mu + (size_t)k * d;
			for (int j = 0; j < d; j++) {
				const double *inv = a->gmm.inv + ((size_t)k * d + j) * d;
				double s = 0;
				for (int l = 0; l < d; l++)
					s += inv[l] * (er[l] - mu[l]);
				t[j] += rr[k] * s;
			}
		}
		for (int j = 0; j < d; j++) {
			double v = xr[j] > yr[j] ? t[j] : xr[j] < yr[j] ? -t[j] : 0;
			g[(size_t)r * d + j] = (float)v;
			dout[(size_t)r * d + j] = (float)-v;
		}
	}
	memset(din, 0, sizeof(float) * (size_t)B * d);
	nids_mlp_backward(&a->ae.net, &m->arena, m->arena.data, NULL, &acts, dout, NULL, din, B);
	for (size_t i = 0; i < (size_t)B * d; i++)
		g[i] += din[i];
out:
	nids_scratch_free(&bufs);
	return rc;
}

/* The stage-1 error vectors e [B x d] = |x - ae(x)| of rows x [B x d]
 * (explain_impl.h). Returns 0 or NIDS_ENOMEM. */
int nids_aegmm_errors(const nids_model *m, const float *x, int B, float *e, nids_err *err)
{
	const struct aegmm *a = m->state;
	nids_mlp_acts acts;
	nids_scratch bufs = { 0 };
	nids_mlp_acts_plan(&acts, &a->ae.net, B, 0, &bufs);
	int rc = nids_scratch_alloc(&bufs, err);
	if (rc < 0)
		return rc;
	abs_errors(a, &m->arena, &acts, x, B, e);
	nids_scratch_free(&bufs);
	return 0;
}

/* The stage-2 score -log p(e) of error vectors e [B x d] into out [B]
 * (explain_impl.h). Returns 0 or NIDS_ENOMEM. */
int nids_aegmm_energy(const nids_model *m, const float *e, int B, double *out, nids_err *err)
{
	const struct aegmm *a = m->state;
	int rc = nids_gmm_loglik(&a->gmm, e, (size_t)B, out, NULL, err);
	for (int r = 0; !rc && r < B; r++)
		out[r] = -out[r];
	return rc;
}
