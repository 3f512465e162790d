/* model_vae.c: the variational autoencoder of An & Cho (2015). Gaussian encoder q(z|x)
 * (mean and log-variance heads), a decoder p(x|z) that is Gaussian with its own mean and
 * log-variance heads (floored at --lvmin) or Bernoulli (sigmoid logits, as GEE uses);
 * trained on the negative ELBO with one reparameterised sample per row. Scores average
 * L samples of z: the negative reconstruction log-probability (default), the
 * reconstruction MSE, or the negative ELBO. */
/* see nn_layers.c: the scoring loops vectorize only at -O3 */
#pragma GCC optimize("O3", "no-trapping-math")

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nids/model.h"

static const nids_hparam VAE_HPARAMS[] = {
	{ "hidden", 0, "64,32", "encoder widths; the decoder mirrors them" },
	{ "latent", 'l', "8", "latent dimension" },
	{ "samples", 'L', "10", "samples of z averaged by the score" },
	{ "decoder", 0, "gauss", "decoder distribution: gauss or bernoulli" },
	{ "score", 's', "nll",
	  "score: nll (reconstruction probability), mse, elbo, or bce (bernoulli's nll)" },
	{ "lvmin", 0, "-10", "floor on the decoder log-variance" },
	{ "beta", 0, "1", "weight of the KL term" },
	{ NULL, 0, NULL, NULL },
};

static const char *const DECODERS[] = { "gauss", "bernoulli", NULL };
static const char *const SCORES[] = { "nll", "mse", "elbo", "bce", NULL };
enum { SC_NLL, SC_MSE, SC_ELBO, SC_BCE }; /* bce is nll, named as GEE names it */

/* one shard's or one scorer's buffers; rows up to cap (decoder side: cap * L when scoring) */
struct vae_bufs {
	nids_mlp_acts enc, emu, elv, dec, dmu, dlv;
	float *eps, *z, *dz, *dmean, *dlogv, *dh, *dx, *dm, *dv, *dg, *grads;
	float *zmu, *zlv; /* encoder outputs repeated L times */
	int rows;         /* scoring: rows per pass, so that rows * L stays within SCORE_ROWS */
};

/* Decoder rows a scorer's buffers hold: a pass scores SCORE_ROWS / L rows (a multiple of
 * 16, at least 16), so memory does not grow with the number of samples L. */
#define SCORE_ROWS 16384

struct vae {
	nids_mlp enc, emu, elv, dec, dmu, dlv;
	int K, L, bern, score;
	float lvmin, beta;
	struct vae_bufs sh[64];
	nids_arena *arena;
};

/* Lists one shard's or one scorer's buffers in sc: enc rows cap, dec rows dcap (cap * L
 * for scoring); bw: with the backward buffers. */
static void bufs_plan(struct vae_bufs *b, const struct vae *v, int cap, int dcap,
                      size_t nparams, int bw, nids_scratch *sc)
{
	memset(b, 0, sizeof *b);
	int d = v->enc.dim[0], H1 = v->enc.dim[v->enc.nlayers], H0 = v->dec.dim[v->dec.nlayers];
	size_t K = (size_t)v->K, c = (size_t)cap, dc = (size_t)dcap;
	nids_mlp_acts_plan(&b->enc, &v->enc, cap, bw, sc);
	nids_mlp_acts_plan(&b->emu, &v->emu, cap, bw, sc);
	nids_mlp_acts_plan(&b->elv, &v->elv, cap, bw, sc);
	nids_mlp_acts_plan(&b->dec, &v->dec, dcap, bw, sc);
	nids_mlp_acts_plan(&b->dmu, &v->dmu, dcap, bw, sc);
	if (!v->bern)
		nids_mlp_acts_plan(&b->dlv, &v->dlv, dcap, bw, sc);
	const struct {
		float **p;
		size_t n;
	} t[] = { { &b->eps, dc * K },   { &b->z, dc * K },     { &b->zmu, dc * K },
		  { &b->zlv, dc * K },   { &b->dz, dc * K },    { &b->dmean, c * K },
		  { &b->dlogv, c * K },  { &b->dh, c * H1 },    { &b->dx, c * d },
		  { &b->dm, dc * d },    { &b->dv, dc * d },    { &b->dg, dc * H0 },
		  { &b->grads, nparams } };
	/* the first four forward, the rest backward */
	for (size_t i = 0; i < (bw ? sizeof t / sizeof t[0] : 4); i++)
		nids_scratch_add(sc, t[i].p, t[i].n);
}

static int vae_define(nids_model *m, nids_err *err)
{
	int h[NIDS_MLP_MAX / 2];
	int nh = nids_model_get_ints(m, "hidden", h, NIDS_MLP_MAX / 2 - 1, 1, 1 << 16, err);
	long K, L;
	double lvmin, beta;
	if (nh < 0)
		return nh;
	int bern = nids_model_get_choice(m, "decoder", DECODERS, err);
	int score = bern < 0 ? bern : nids_model_get_choice(m, "score", SCORES, err);
	if (score < 0 || nids_model_get_long(m, "latent", 1, 1 << 16, &K, err) < 0 ||
	    nids_model_get_long(m, "samples", 1, 10000, &L, err) < 0 ||
	    nids_model_get_double(m, "lvmin", -1e4, 1e4, &lvmin, err) < 0 ||
	    nids_model_get_double(m, "beta", 0, 1e6, &beta, err) < 0)
		return score < 0 ? score : NIDS_EUSAGE;
	if (score == SC_BCE && !bern)
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "--score bce needs --decoder bernoulli (use nll for gauss)");
	struct vae *v = calloc(1, sizeof *v);
	if (!v)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = v;
	*v = (struct vae){ .K = (int)K, .L = (int)L, .bern = bern, .score = score,
		           .lvmin = (float)lvmin, .beta = (float)beta, .arena = &m->arena };
	memset(&m->arena, 0, sizeof m->arena);
	int dim[NIDS_MLP_MAX + 1], act[NIDS_MLP_MAX], rc;
	for (int i = 0; i < NIDS_MLP_MAX; i++)
		act[i] = NIDS_ACT_RELU;
	dim[0] = m->d;
	for (int i = 0; i < nh; i++)
		dim[i + 1] = h[i];
	if ((rc = nids_mlp_define(&v->enc, &m->arena, "enc", nh, dim, act, err)) < 0)
		return rc;
	int head[2] = { h[nh - 1], (int)K }, none[1] = { NIDS_ACT_NONE };
	if ((rc = nids_mlp_define(&v->emu, &m->arena, "enc_mu", 1, head, none, err)) < 0 ||
	    (rc = nids_mlp_define(&v->elv, &m->arena, "enc_logvar", 1, head, none, err)) < 0)
		return rc;
	dim[0] = (int)K;
	for (int i = 0; i < nh; i++)
		dim[i + 1] = h[nh - 1 - i];
	if ((rc = nids_mlp_define(&v->dec, &m->arena, "dec", nh, dim, act, err)) < 0)
		return rc;
	int out[2] = { h[0], m->d };
	if ((rc = nids_mlp_define(&v->dmu, &m->arena, bern ? "dec_logit" : "dec_mu", 1, out, none,
	                          err)) < 0)
		return rc;
	if (!bern && (rc = nids_mlp_define(&v->dlv, &m->arena, "dec_logvar", 1, out, none, err)) < 0)
		return rc;
	return 0;
}

static void vae_plan(void *ctx, int s, int cap, nids_scratch *sc)
{
	struct vae *v = ctx;
	bufs_plan(&v->sh[s], v, cap, cap, v->arena->size, 1, sc);
}

/* Encoder forward for B rows: returns mu and logvar [B x K] (in the bufs' activations). */
static void encode(const struct vae *v, float *p, struct vae_bufs *b, const float *x, int B,
                   float **mu, float **lv)
{
	const nids_arena *a = v->arena;
	float *h = nids_mlp_forward(&v->enc, a, p, &b->enc, x, B);
	*mu = nids_mlp_forward(&v->emu, a, p, &b->emu, h, B);
	*lv = nids_mlp_forward(&v->elv, a, p, &b->elv, h, B);
}

/* Decoder forward for N rows of z: the mean (or logits) and log-variance [N x d]. */
static void decode(const struct vae *v, float *p, struct vae_bufs *b, const float *z, int N,
                   float **mean, float **logv)
{
	const nids_arena *a = v->arena;
	float *g = nids_mlp_forward(&v->dec, a, p, &b->dec, z, N);
	*mean = nids_mlp_forward(&v->dmu, a, p, &b->dmu, g, N);
	*logv = v->bern ? NULL : nids_mlp_forward(&v->dlv, a, p, &b->dlv, g, N);
}

/* Reconstruction negative log-likelihood; gradients into b->dm, b->dv when grad. */
static double recon_nll(const struct vae *v, struct vae_bufs *b, const float *mean,
                        const float *logv, const float *x, int N, int d, float scale, int grad)
{
	if (v->bern)
		return nids_bce_loss(grad ? b->dm : NULL, mean, x, N, d, scale);
	return nids_gauss_nll_loss(grad ? b->dm : NULL, grad ? b->dv : NULL, mean, logv, x, N, d,
	                           v->lvmin, scale);
}

/* Decoder backward from b->dm, b->dv for N rows: dz [N x K] (overwritten). */
static void decode_backward(const struct vae *v, float *p, float *grads, struct vae_bufs *b,
                            int N)
{
	const nids_arena *a = v->arena;
	int H0 = v->dec.dim[v->dec.nlayers];
	memset(b->dg, 0, (size_t)N * H0 * sizeof(float));
	nids_mlp_backward(&v->dmu, a, p, grads, &b->dmu, b->dm, NULL, b->dg, N);
	if (!v->bern)
		nids_mlp_backward(&v->dlv, a, p, grads, &b->dlv, b->dv, NULL, b->dg, N);
	memset(b->dz, 0, (size_t)N * v->K * sizeof(float));
	nids_mlp_backward(&v->dec, a, p, grads, &b->dec, b->dg, NULL, b->dz, N);
}

/* Encoder backward from b->dmean, b->dlogv: input gradient into dx when not NULL. */
static void encode_backward(const struct vae *v, float *p, float *grads, struct vae_bufs *b,
                            float *dx, int B)
{
	const nids_arena *a = v->arena;
	int H1 = v->enc.dim[v->enc.nlayers];
	memset(b->dh, 0, (size_t)B * H1 * sizeof(float));
	nids_mlp_backward(&v->emu, a, p, grads, &b->emu, b->dmean, NULL, b->dh, B);
	nids_mlp_backward(&v->elv, a, p, grads, &b->elv, b->dlogv, NULL, b->dh, B);
	nids_mlp_backward(&v->enc, a, p, grads, &b->enc, b->dh, NULL, dx, B);
}

static double vae_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                       float *grads, nids_rng *rng)
{
	(void)y;
	struct vae *v = ctx;
	struct vae_bufs *b = &v->sh[s];
	float *p = v->arena->data, *mu, *lv, *mean, *logv;
	int d = v->enc.dim[0], K = v->K;
	size_t nk = (size_t)B * K;
	encode(v, p, b, x, B, &mu, &lv);
	for (size_t i = 0; i < nk; i++)
		b->eps[i] = nids_rng_normal(rng);
	nids_reparam_forward(b->z, mu, lv, b->eps, nk);
	decode(v, p, b, b->z, B, &mean, &logv);
	if (grads) {
		memset(b->dm, 0, (size_t)B * d * sizeof(float));
		memset(b->dv, 0, (size_t)B * d * sizeof(float));
		memset(b->dmean, 0, nk * sizeof(float));
		memset(b->dlogv, 0, nk * sizeof(float));
	}
	double loss = recon_nll(v, b, mean, logv, x, B, d, scale, grads != NULL);
	loss += nids_kl_normal_loss(grads ? b->dmean : NULL, grads ? b->dlogv : NULL, mu, lv, B, K,
	                            v->beta * scale);
	if (!grads)
		return loss;
	decode_backward(v, p, grads, b, B);
	nids_reparam_backward(b->dmean, b->dlogv, b->dz, lv, b->eps, nk);
	encode_backward(v, p, grads, b, NULL, B);
	return loss;
}

static int vae_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_arena_setup(m, vae_define, NULL, err);
	if (rc < 0)
		return rc;
	struct vae *v = m->state;
	nids_rng rng;
	nids_mlp *const all[] = { &v->enc, &v->emu, &v->elv, &v->dec, &v->dmu, &v->dlv };
	nids_model_init_mlps(m, all, 6, &rng);
	nids_net net = { v, m->arena.data, m->arena.size, 64, vae_plan, vae_step };
	return nids_net_train(&net, train, val, 0, o, m->seed, "", err);
}

static int vae_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	return nids_model_arena_setup(m, vae_define, file, err);
}

/* ---- scoring: L samples per row, decoded together as one [L*B x K] batch ---- */

/* exp(x) for the scorer's hot loop: Cephes' expf polynomial after range reduction by
 * ln 2 (relative error about 2e-7), inlined instead of a libm call per element; expf was
 * a third of the time of scoring L = 10 samples. */
static inline float fast_expf(float x)
{
	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	float t = x * 1.44269504f + 12582912.0f; /* 1.5 * 2^23: rounds x / ln 2 */
	float n = t - 12582912.0f;
	int32_t ti;
	memcpy(&ti, &t, sizeof ti);
	uint32_t k = (uint32_t)(ti - 0x4b400000); /* n as an integer */
	float r = x - n * 0.693359375f + n * 2.12194440e-4f;
	float q = 1.9875691500e-4f;
	q = q * r + 1.3981999507e-3f;
	q = q * r + 8.3334519073e-3f;
	q = q * r + 4.1665795894e-2f;
	q = q * r + 1.6666665459e-1f;
	q = q * r + 5.0000001201e-1f;
	q = q * r * r + r + 1.0f;
	uint32_t qi;
	memcpy(&qi, &q, sizeof qi);
	qi += k << 23; /* times 2^n */
	memcpy(&q, &qi, sizeof q);
	return q;
}

/* The Gaussian negative log-likelihood of one row x [d] under mean, logvar [d], summed
 * over features: nids_gauss_nll_loss without gradients, for scoring. */
static float gauss_nll_row(const float *restrict mean, const float *restrict logvar,
                           const float *restrict x, int d, float lvmin)
{
	/* terms in blocks of 64, summed afterwards, so the term loop has no dependency chain */
	float s = 0, term[64];
	for (int j0 = 0; j0 < d; j0 += 64) {
		int n = d - j0 < 64 ? d - j0 : 64;
		for (int j = 0; j < n; j++) {
			float a = logvar[j0 + j], e = x[j0 + j] - mean[j0 + j];
			float lv = a < lvmin ? lvmin : a;
			term[j] = lv + e * e * fast_expf(-lv);
		}
		for (int j = 0; j < n; j++)
			s += term[j];
	}
	return 0.5f * (s + (float)d * 1.8378770664f);
}

struct vae_scorer {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	struct vae_bufs b;
};

static void *vae_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	const struct vae *v = m->state;
	struct vae_scorer *s = calloc(1, sizeof *s);
	int rows = SCORE_ROWS / v->L / 16 * 16;
	rows = rows < 16 ? 16 : rows;
	rows = cap < rows ? cap : rows;
	if (!s)
		return NULL;
	bufs_plan(&s->b, v, rows, rows * v->L, m->arena.size, (outputs & NIDS_OUT_EXPLAIN) != 0,
	          &s->mem);
	s->b.rows = rows;
	return nids_scratch_ready(&s->mem);
}

static void score_pass(const nids_model *m, struct vae_bufs *b, const float *x, int B,
                       uint64_t row0, unsigned outputs, float *out, int ldo);

/* Scores B rows in passes of b->rows; a row's samples depend only on its stream index,
 * so the passes give what one pass over all B rows would. */
static void vae_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                      unsigned outputs, float *out, int ldo)
{
	struct vae_bufs *b = &((struct vae_scorer *)scratch)->b;
	for (int r = 0; r < B; r += b->rows) {
		int n = B - r < b->rows ? B - r : b->rows;
		score_pass(m, b, x + (size_t)r * m->d, n, row0 + (uint64_t)r, outputs,
		           out + (size_t)r * ldo, ldo);
	}
}

static void score_pass(const nids_model *m, struct vae_bufs *b, const float *x, int B,
                       uint64_t row0, unsigned outputs, float *out, int ldo)
{
	const struct vae *v = m->state;
	float *p = m->arena.data, *mu, *lv, *mean, *logv;
	int d = m->d, K = v->K, L = v->L, N = B * L;
	encode(v, p, b, x, B, &mu, &lv);
	/* sample l of row r is decoder row l * B + r. Every row gets the same L draws of
	 * eps, seeded by the model's seed and l (common random numbers): a score then
	 * depends on the row alone, not on its place in the stream or its batch, and is a
	 * smooth function of the row, which --explain differentiates. */
	(void)row0;
	for (int l = 0; l < L; l++) {
		float *e0 = b->eps + (size_t)l * B * K;
		nids_rng rng;
		nids_rng_seed2(&rng, m->seed, (uint64_t)l);
		nids_rng_normal_fill(&rng, e0, (size_t)K);
		for (int r = 1; r < B; r++)
			memcpy(e0 + (size_t)r * K, e0, (size_t)K * sizeof *e0);
	}
	for (int r = 0; r < B; r++)
		for (int l = 0; l < L; l++) {
			size_t i0 = ((size_t)l * B + r) * K;
			for (int k = 0; k < K; k++) {
				b->zmu[i0 + k] = mu[(size_t)r * K + k];
				b->zlv[i0 + k] = lv[(size_t)r * K + k];
			}
		}
	nids_reparam_forward(b->z, b->zmu, b->zlv, b->eps, (size_t)N * K);
	decode(v, p, b, b->z, N, &mean, &logv);
	int explain = (outputs & NIDS_OUT_EXPLAIN) != 0;
	int col_err = 1, col_grad = 1 + ((outputs & NIDS_OUT_ERRORS) ? d : 0);
	if (explain) {
		memset(b->dm, 0, (size_t)N * d * sizeof(float));
		memset(b->dv, 0, (size_t)N * d * sizeof(float));
		memset(b->dx, 0, (size_t)B * d * sizeof(float));
	}
	float inv = 1.0f / (float)L;
	for (int r = 0; r < B; r++) {
		float *o = out + (size_t)r * ldo;
		const float *xr = x + (size_t)r * d;
		double total = 0;
		if (outputs & NIDS_OUT_ERRORS)
			memset(o + col_err, 0, (size_t)d * sizeof(float));
		for (int l = 0; l < L; l++) {
			size_t row = (size_t)l * B + r;
			const float *mr = mean + row * d, *vr = logv ? logv + row * d : NULL;
			/* gradient rows exist only with explain (b->dm, b->dv are NULL otherwise) */
			float *dmr = explain ? b->dm + row * d : NULL;
			float *dvr = explain ? b->dv + row * d : NULL;
			if (v->score == SC_MSE && v->bern) {
				/* GEE's score: the MSE of the Bernoulli means, sigmoid(logit) */
				double s2 = 0;
				for (int j = 0; j < d; j++) {
					float q = 1.0f / (1.0f + expf(-mr[j])), e = q - xr[j];
					s2 += (double)e * e;
					if (explain) {
						dmr[j] += 2.0f * inv * e / (float)d * q * (1.0f - q);
						b->dx[(size_t)r * d + j] -= 2.0f * inv * e / (float)d;
					}
				}
				total += inv * s2 / d;
			} else if (v->score == SC_MSE) {
				total += nids_mse_loss(explain ? dmr : NULL, mr, xr, 1, d, inv);
				/* the direct term: the score also depends on x as the target */
				for (int j = 0; explain && j < d; j++)
					b->dx[(size_t)r * d + j] -= 2.0f * inv * (mr[j] - xr[j]) / d;
			} else {
				if (v->bern)
					total += nids_bce_loss(explain ? dmr : NULL, mr, xr, 1, d, inv);
				else if (explain)
					total += nids_gauss_nll_loss(dmr, dvr, mr, vr, xr, 1, d, v->lvmin, inv);
				else
					total += inv * gauss_nll_row(mr, vr, xr, d, v->lvmin);
				/* the direct term: d/dx is -d/dmean for the Gaussian, -logit / L
				 * for the Bernoulli */
				for (int j = 0; explain && j < d; j++)
					b->dx[(size_t)r * d + j] -= v->bern ? inv * mr[j] : dmr[j];
			}
			for (int j = 0; (outputs & NIDS_OUT_ERRORS) && j < d; j++) {
				float mj = v->bern ? 1.0f / (1.0f + expf(-mr[j])) : mr[j];
				o[col_err + j] += inv * (mj - xr[j]) * (mj - xr[j]);
			}
		}
		if (v->score == SC_ELBO)
			total += nids_kl_normal_loss(NULL, NULL, mu + (size_t)r * K, lv + (size_t)r * K, 1,
			                             K, 1.0f);
		o[0] = (float)total;
	}
	if (!explain)
		return;
	/* back through the decoder and the L samples to the encoder and x; the ELBO's KL
	 * term adds its own gradient at the encoder heads */
	memset(b->grads, 0, m->arena.size * sizeof(float));
	decode_backward(v, p, b->grads, b, N);
	memset(b->dmean, 0, (size_t)B * K * sizeof(float));
	memset(b->dlogv, 0, (size_t)B * K * sizeof(float));
	for (int l = 0; l < L; l++) {
		size_t off = (size_t)l * B * K;
		nids_reparam_backward(b->dmean, b->dlogv, b->dz + off, lv, b->eps + off, (size_t)B * K);
	}
	if (v->score == SC_ELBO)
		nids_kl_normal_loss(b->dmean, b->dlogv, mu, lv, B, K, 1.0f);
	encode_backward(v, p, b->grads, b, b->dx, B);
	for (int r = 0; r < B; r++)
		memcpy(out + (size_t)r * ldo + col_grad, b->dx + (size_t)r * d, (size_t)d * sizeof(float));
}

const nids_model_type nids_model_vae = {
	.name = "vae",
	.summary = "variational autoencoder (An & Cho); score = -log p(x|z) over L samples",
	.hparams = VAE_HPARAMS,
	.outputs = NIDS_OUT_ERRORS | NIDS_OUT_EXPLAIN,
	.needs_labels = 0,
	.fit = vae_fit,
	.load = vae_load,
	.scratch_new = vae_scratch_new,
	.scratch_free = nids_scratch_release,
	.score = vae_score,
	.free_state = free,
};
