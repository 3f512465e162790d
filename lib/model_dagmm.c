/* model_dagmm.c: the Deep Autoencoding Gaussian Mixture Model (Zong et al., ICLR 2018).
 *
 * A compression network (d -> layers -> mirror -> d, tanh, linear code and output) gives
 * z = [code, relative Euclidean distance, cosine similarity] per row; an estimation
 * network (z -> est widths, tanh -> dropout -> k, softmax) gives soft memberships; the
 * mixture's weights, means and covariances come from those memberships over each batch
 * (gmm.h), and the loss is
 *   sum_j (x_j - x'_j)^2 + lambda1 E(z) + lambda2 sum_k sum_j 1 / Sigma_kjj
 * averaged over the batch, with E(z) = -log sum_k phi_k N(z; mu_k, Sigma_k). The whole
 * batch enters the mixture, so the trainer runs it as one shard. After training, the
 * mixture is estimated once more over every training row and stored in the model file
 * (gmm.phi, gmm.mu, gmm.cov); score = E(z) under it. Every covariance gets --cov-floor
 * added to its diagonal before the Cholesky factorisation; a factorisation that still
 * fails stops fitting with an error, so no model file holds such a mixture. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/deep.h"
#include "nids/model.h"
#include "explain_impl.h"

static const nids_hparam DAGMM_HPARAMS[] = {
	{ "layers", 0, "60,30,10,1", "compression widths (the last is the code); the decoder "
	                             "mirrors them" },
	{ "act", 0, "tanh", "hidden activation of the compression network" },
	{ "est", 0, "10", "estimation network hidden widths (tanh)" },
	{ "k", 0, "4", "mixture components" },
	{ "dropout", 0, "0.5", "dropout before the estimation output layer" },
	{ "lambda1", 0, "0.1", "weight of the sample energy" },
	{ "lambda2", 0, "0.005", "weight of the inverse-diagonal covariance penalty" },
	{ "cov-floor", 0, "1e-6", "added to every covariance diagonal before Cholesky" },
	{ NULL, 0, NULL, NULL },
};

struct dagmm {
	nids_mlp comp, est, out;
	int code, c, zd, K, H;
	float lambda1, lambda2, dropout;
	nids_gmm gmm;    /* the batch mixture while training; the fitted one after fit/load */
	int chol_failed; /* a training step could not factorise a covariance */
	nids_arena *arena;
	nids_gmm_tensors t;
	/* training buffers (one shard) */
	nids_mlp_acts ca, ea, oa;
	float *z, *f, *mask, *hd, *gamma, *dgamma, *dlogit, *dhd, *dh, *dz, *dzc, *df, *dxr;
};

static void dagmm_free_state(void *p)
{
	struct dagmm *a = p;
	if (!a)
		return;
	nids_gmm_free(&a->gmm);
	free(a);
}

static int dagmm_define(nids_model *m, nids_err *err)
{
	int widths[NIDS_MLP_MAX / 2], est[NIDS_MLP_MAX - 1];
	int nw = nids_model_get_ints(m, "layers", widths, NIDS_MLP_MAX / 2 - 1, 1, 1 << 16, err);
	if (nw < 0)
		return nw;
	int ne = nids_model_get_ints(m, "est", est, NIDS_MLP_MAX - 1, 1, 1 << 16, err);
	if (ne < 0)
		return ne;
	int act = nids_model_get_act(m, "act", err);
	if (act < 0)
		return act;
	long k;
	double drop, l1, l2, floor;
	if (nids_model_get_long(m, "k", 1, 64, &k, err) < 0 ||
	    nids_model_get_double(m, "dropout", 0, 0.99, &drop, err) < 0 ||
	    nids_model_get_double(m, "lambda1", 0, 1e6, &l1, err) < 0 ||
	    nids_model_get_double(m, "lambda2", 0, 1e6, &l2, err) < 0 ||
	    nids_model_get_double(m, "cov-floor", 0, 1e6, &floor, err) < 0)
		return NIDS_EUSAGE;
	struct dagmm *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	a->K = (int)k, a->dropout = (float)drop, a->lambda1 = (float)l1, a->lambda2 = (float)l2;
	a->arena = &m->arena;
	a->code = nw - 1;
	a->c = widths[nw - 1];
	a->zd = a->c + 2;
	a->H = est[ne - 1];
	int dim[NIDS_MLP_MAX + 1], acts[NIDS_MLP_MAX];
	int n = nids_mlp_mirror_dims(m->d, widths, nw, dim);
	for (int i = 0; i < n; i++)
		acts[i] = i == n - 1 || i == a->code ? NIDS_ACT_NONE : act;
	memset(&m->arena, 0, sizeof m->arena);
	int rc = nids_mlp_define(&a->comp, &m->arena, "comp", n, dim, acts, err);
	if (rc < 0)
		return rc;
	dim[0] = a->zd;
	for (int i = 0; i < ne; i++)
		dim[i + 1] = est[i], acts[i] = NIDS_ACT_TANH;
	if ((rc = nids_mlp_define(&a->est, &m->arena, "est", ne, dim, acts, err)) < 0)
		return rc;
	int od[2] = { a->H, a->K }, oact[1] = { NIDS_ACT_NONE };
	if ((rc = nids_mlp_define(&a->out, &m->arena, "estout", 1, od, oact, err)) < 0 ||
	    (rc = nids_gmm_tensors_define(&a->t, &m->arena, a->K, a->zd, err)) < 0)
		return rc;
	return nids_gmm_init(&a->gmm, a->K, a->zd, floor, err);
}

/* z [B x zd] = [code, relative distance, cosine]; f [B x 2] scratch. */
static void dagmm_z(const struct dagmm *a, const float *x, const float *xr, const float *code,
                    int B, int d, float *z, float *f)
{
	nids_recon_feats_forward(f, x, xr, B, d);
	for (int r = 0; r < B; r++) {
		memcpy(z + (size_t)r * a->zd, code + (size_t)r * a->c, (size_t)a->c * sizeof(float));
		z[(size_t)r * a->zd + a->c] = f[2 * r];
		z[(size_t)r * a->zd + a->c + 1] = f[2 * r + 1];
	}
}

static void dagmm_plan(void *ctx, int shard, int cap, nids_scratch *sc)
{
	(void)shard;
	struct dagmm *a = ctx;
	nids_mlp_acts_plan(&a->ca, &a->comp, cap, 1, sc);
	nids_mlp_acts_plan(&a->ea, &a->est, cap, 1, sc);
	nids_mlp_acts_plan(&a->oa, &a->out, cap, 1, sc);
	size_t c = (size_t)cap, zs = c * a->zd, hs = c * a->H, ks = c * a->K;
	const struct {
		float **p;
		size_t n;
	} t[] = { { &a->z, zs },       { &a->f, c * 2 },       { &a->mask, hs },
		  { &a->hd, hs },      { &a->gamma, ks },      { &a->dgamma, ks },
		  { &a->dlogit, ks },  { &a->dhd, hs },        { &a->dh, hs },
		  { &a->dz, zs },      { &a->dzc, c * a->c },  { &a->df, c * 2 },
		  { &a->dxr, c * (size_t)a->comp.dim[0] } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		nids_scratch_add(sc, t[i].p, t[i].n);
}

static double dagmm_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                         float *grads, nids_rng *rng)
{
	(void)s, (void)y;
	struct dagmm *a = ctx;
	float *p = a->arena->data;
	int d = a->comp.dim[0], c = a->c, zd = a->zd, H = a->H, K = a->K;
	float *xr = nids_mlp_forward(&a->comp, a->arena, p, &a->ca, x, B);
	dagmm_z(a, x, xr, a->ca.out[a->code], B, d, a->z, a->f);
	float *h = nids_mlp_forward(&a->est, a->arena, p, &a->ea, a->z, B);
	/* dropout in training only; validation runs without it, as a PyTorch eval() would */
	int drop = grads && a->dropout > 0;
	if (drop)
		nids_dropout_forward(a->hd, a->mask, h, (size_t)B * H, a->dropout, rng);
	float *logit = nids_mlp_forward(&a->out, a->arena, p, &a->oa, drop ? a->hd : h, B);
	nids_softmax_forward(a->gamma, logit, B, K);
	if (grads) {
		memset(a->dxr, 0, (size_t)B * d * sizeof(float));
		memset(a->dz, 0, (size_t)B * zd * sizeof(float));
		memset(a->dgamma, 0, (size_t)B * K * sizeof(float));
	}
	double loss = nids_mse_loss(grads ? a->dxr : NULL, xr, x, B, d, scale * (float)d);
	double le = nids_gmm_energy_loss(&a->gmm, grads ? a->dz : NULL, grads ? a->dgamma : NULL,
	                                 a->z, a->gamma, B, a->lambda1 * scale,
	                                 a->lambda2 * scale * (float)B, NULL);
	if (isnan(le)) {
		a->chol_failed = 1;
		return NAN;
	}
	if (!grads)
		return loss + le;
	memset(a->dlogit, 0, (size_t)B * K * sizeof(float));
	nids_softmax_backward(a->dlogit, a->dgamma, a->gamma, B, K);
	memset(a->dhd, 0, (size_t)B * H * sizeof(float));
	nids_mlp_backward(&a->out, a->arena, p, grads, &a->oa, a->dlogit, NULL, a->dhd, B);
	float *dh = a->dhd;
	if (drop) {
		memset(a->dh, 0, (size_t)B * H * sizeof(float));
		nids_dropout_backward(a->dh, a->dhd, a->mask, (size_t)B * H);
		dh = a->dh;
	}
	nids_mlp_backward(&a->est, a->arena, p, grads, &a->ea, dh, NULL, a->dz, B);
	for (int r = 0; r < B; r++) {
		memcpy(a->dzc + (size_t)r * c, a->dz + (size_t)r * zd, (size_t)c * sizeof(float));
		a->df[2 * r] = a->dz[(size_t)r * zd + c];
		a->df[2 * r + 1] = a->dz[(size_t)r * zd + c + 1];
	}
	nids_recon_feats_backward(a->dxr, a->df, x, xr, B, d);
	float *extra[NIDS_MLP_MAX] = { 0 };
	extra[a->code] = a->dzc;
	nids_mlp_backward(&a->comp, a->arena, p, grads, &a->ca, a->dxr, extra, NULL, B);
	return loss + le;
}

/* The mixture over every training row, in eval mode (no dropout), into the tensors. */
static int dagmm_final_gmm(struct dagmm *a, const nids_dataset *train, nids_err *err)
{
	enum { CHUNK = 4096 };
	size_t n = train->n;
	int d = train->d, zd = a->zd, K = a->K, rc = 0;
	nids_mlp_acts ca, ea, oa;
	nids_scratch bufs = { 0 };
	float *z, *f, *gam;
	double *gd;
	nids_mlp_acts_plan(&ca, &a->comp, CHUNK, 1, &bufs);
	nids_mlp_acts_plan(&ea, &a->est, CHUNK, 1, &bufs);
	nids_mlp_acts_plan(&oa, &a->out, CHUNK, 1, &bufs);
	nids_scratch_add(&bufs, &z, n * zd);
	nids_scratch_add(&bufs, &f, 2 * CHUNK);
	nids_scratch_add(&bufs, &gam, (size_t)CHUNK * K);
	nids_scratch_add_doubles(&bufs, &gd, n * K);
	if ((rc = nids_scratch_alloc(&bufs, err)) < 0)
		return rc;
	float *p = a->arena->data;
	for (size_t at = 0; at < n; at += CHUNK) {
		int B = (int)(n - at < CHUNK ? n - at : CHUNK);
		const float *x = train->x + at * d;
		float *xr = nids_mlp_forward(&a->comp, a->arena, p, &ca, x, B);
		dagmm_z(a, x, xr, ca.out[a->code], B, d, z + at * zd, f);
		float *h = nids_mlp_forward(&a->est, a->arena, p, &ea, z + at * zd, B);
		nids_softmax_forward(gam, nids_mlp_forward(&a->out, a->arena, p, &oa, h, B), B, K);
		for (size_t i = 0; i < (size_t)B * K; i++)
			gd[at * K + i] = gam[i];
	}
	nids_gmm_mstep(&a->gmm, z, gd, n);
	if ((rc = nids_gmm_factor(&a->gmm, err)) < 0) {
		rc = nids_err_wrap(err, rc, "dagmm: the mixture over the training rows: ",
		                   " (try a larger --cov-floor)");
		goto done;
	}
	if ((rc = nids_gmm_tensors_store(&a->t, a->arena, &a->gmm, err)) < 0)
		nids_err_wrap(err, rc, "dagmm: the mixture cannot be used: ", "");
done:
	nids_scratch_free(&bufs);
	return rc;
}

/* The model's tensors, initialised, and its network for the trainer (one shard). */
static int dagmm_setup(nids_model *m, nids_net *net, nids_err *err)
{
	int rc = nids_model_arena_setup(m, dagmm_define, NULL, err);
	if (rc < 0)
		return rc;
	struct dagmm *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->comp, &a->est, &a->out }, 3, &rng);
	*net = (nids_net){ a, m->arena.data, m->arena.size, 1, dagmm_plan, dagmm_step };
	return 0;
}

int nids_dagmm_test_net(nids_model *m, nids_net *net, int cap, nids_scratch *bufs,
                        nids_err *err)
{
	int rc = dagmm_setup(m, net, err);
	if (rc < 0)
		return rc;
	dagmm_plan(m->state, 0, cap, bufs);
	return nids_scratch_alloc(bufs, err);
}

static int dagmm_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                     const nids_fit_opts *o, nids_err *err)
{
	nids_net net;
	int rc = dagmm_setup(m, &net, err);
	if (rc < 0)
		return rc;
	struct dagmm *a = m->state;
	rc = nids_net_train(&net, train, val, 0, o, m->seed, "", err);
	if (rc < 0 && a->chol_failed)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "dagmm: a batch covariance is not "
		                    "positive definite with diagonal floor %g (Cholesky failed); "
		                    "try a larger --cov-floor", a->gmm.floor);
	if (rc < 0)
		return rc;
	return dagmm_final_gmm(a, train, err);
}

static int dagmm_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = nids_model_arena_setup(m, dagmm_define, file, err);
	if (rc < 0)
		return rc;
	struct dagmm *a = m->state;
	if ((rc = nids_gmm_tensors_load(&a->t, &m->arena, &a->gmm, err)) < 0)
		return nids_err_wrap(err, rc, "dagmm: the mixture cannot be used: ", "");
	return 0;
}

/* ---- scoring ---- */

struct dagmm_scratch {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	nids_mlp_acts ca;
	float *z, *f;
	double *lp;
};

static void *dagmm_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct dagmm *a = m->state;
	struct dagmm_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	nids_mlp_acts_plan(&s->ca, &a->comp, cap, 1, &s->mem);
	nids_scratch_add(&s->mem, &s->z, (size_t)cap * a->zd);
	nids_scratch_add(&s->mem, &s->f, (size_t)cap * 2);
	nids_scratch_add_doubles(&s->mem, &s->lp, (size_t)cap * a->K);
	return nids_scratch_ready(&s->mem);
}

static void dagmm_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                        unsigned outputs, float *out, int ldo)
{
	(void)row0, (void)outputs;
	const struct dagmm *a = m->state;
	struct dagmm_scratch *s = scratch;
	float *xr = nids_mlp_forward(&a->comp, &m->arena, m->arena.data, &s->ca, x, B);
	dagmm_z(a, x, xr, s->ca.out[a->code], B, m->d, s->z, s->f);
	nids_gmm_logp(&a->gmm, s->z, (size_t)B, s->lp);
	for (int r = 0; r < B; r++)
		out[(size_t)r * ldo] = (float)-nids_gmm_logsumexp(s->lp + (size_t)r * a->K, a->K, NULL);
}

const nids_model_type nids_model_dagmm = {
	.name = "dagmm",
	.summary = "deep autoencoding Gaussian mixture; score = sample energy",
	.hparams = DAGMM_HPARAMS,
	/* the paper's KDDCUP settings */
	.epochs = 200,
	.batch = 1024,
	.lr = 1e-4,
	.outputs = 0,
	.needs_labels = 0,
	.fit = dagmm_fit,
	.load = dagmm_load,
	.scratch_new = dagmm_scratch_new,
	.scratch_free = nids_scratch_release,
	.score = dagmm_score,
	.free_state = dagmm_free_state,
};

/* d score / d x for rows x [B x d] into g [B x d] (explain_impl.h). The energy E(z) of
 * z = (code, relative distance, cosine) has dE/dz = sum_k r_k inv_k (z - mu_k); its code
 * part and, through the reconstruction features, its reconstruction part go back
 * through the compression network, and the features' direct dependence on x is added. */
int nids_dagmm_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err)
{
	const struct dagmm *a = m->state;
	int d = m->d, K = a->K, zd = a->zd, c = a->c, rc = 0;
	nids_mlp_acts ca;
	nids_scratch bufs = { 0 };
	float *z, *f, *df, *dzc, *dxr;
	double *lp, *resp;
	nids_mlp_acts_plan(&ca, &a->comp, B, 1, &bufs);
	const struct {
		float **p;
		size_t n;
	} bt[] = { { &z, (size_t)B * zd }, { &f, (size_t)B * 2 },      { &df, (size_t)B * 2 },
		  { &dzc, (size_t)B * c },     { &dxr, (size_t)B * d } };
	for (size_t i = 0; i < sizeof bt / sizeof bt[0]; i++)
		nids_scratch_add(&bufs, bt[i].p, bt[i].n);
	nids_scratch_add_doubles(&bufs, &lp, (size_t)B * K);
	nids_scratch_add_doubles(&bufs, &resp, (size_t)K);
	if ((rc = nids_scratch_alloc(&bufs, err)) < 0)
		return rc;
	float *xr = nids_mlp_forward(&a->comp, &m->arena, m->arena.data, &ca, x, B);
	dagmm_z(a, x, xr, ca.out[a->code], B, d, z, f);
	nids_gmm_logp(&a->gmm, z, (size_t)B, lp);
	for (int r = 0; r < B; r++) {
		const float *zr = z + (size_t)r * zd;
		nids_gmm_logsumexp(lp + (size_t)r * K, K, resp);
		for (int j = 0; j < zd; j++) {
			double dz = 0;
			for (int k = 0; k < K; k++) {
				if (!(resp[k] > 1e-12)) /* negligible, and d^2 work each */
					continue;
				const double *inv = a->gmm.inv + ((size_t)k * zd + j) * zd, *mu = a->gmm.mu + (size_t)k * zd;
				double t = 0;
				for (int l = 0; l < zd; l++)
					t += inv[l] * (zr[l] - mu[l]);
				dz += resp[k] * t;
			}
			if (j < c)
				dzc[(size_t)r * c + j] = (float)dz;
			else
				df[2 * r + j - c] = (float)dz;
		}
	}
	memset(dxr, 0, sizeof(float) * (size_t)B * d);
	nids_recon_feats_backward(dxr, df, x, xr, B, d);
	float *extra[NIDS_MLP_MAX] = { NULL };
	extra[a->code] = dzc;
	memset(g, 0, sizeof(float) * (size_t)B * d);
	nids_mlp_backward(&a->comp, &m->arena, m->arena.data, NULL, &ca, dxr, extra, g, B);
	for (int r = 0; r < B; r++) { /* the features' own dependence on x */
		const float *xv = x + (size_t)r * d, *yv = xr + (size_t)r * d;
		double nx = 0, ny = 0, ne = 0, dot = 0;
		for (int j = 0; j < d; j++) {
			nx += (double)xv[j] * xv[j], ny += (double)yv[j] * yv[j];
			ne += ((double)xv[j] - yv[j]) * ((double)xv[j] - yv[j]), dot += (double)xv[j] * yv[j];
		}
		nx = sqrt(nx), ny = sqrt(ny), ne = sqrt(ne);
		double a1 = nx > 1e-12 && ne > 0 ? df[2 * r] / (ne * nx) : 0;
		double b1 = nx > 1e-12 ? df[2 * r] * ne / (nx * nx * nx) : 0;
		double cx = fmax(nx, 1e-8), cy = fmax(ny, 1e-8);
		double a2 = df[2 * r + 1] / (cx * cy);
		double b2 = nx > 1e-8 ? df[2 * r + 1] * (dot / (cx * cy)) / (nx * nx) : 0;
		for (int j = 0; j < d; j++)
			g[(size_t)r * d + j] += (float)(a1 * (xv[j] - yv[j]) - b1 * xv[j] + a2 * yv[j] - b2 * xv[j]);
	}
	nids_scratch_free(&bufs);
	return rc;
}
