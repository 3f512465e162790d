/* model_memae.c: the memory-augmented autoencoder (Gong et al., ICCV 2019), the fully
 * connected version the paper uses for KDDCUP99. The encoder's code z addresses a memory
 * of N slots: attention by cosine similarity and softmax, hard shrinkage
 * max(w - lambda, 0) w / (|w - lambda| + 1e-12) and L1 renormalisation (deep.h); the
 * decoder reconstructs from the attention-weighted slots alone, so anomalies come back
 * looking normal. Loss = MSE + alpha * attention entropy; score = the row's mean squared
 * reconstruction error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/deep.h"
#include "nids/model.h"
#include "explain_impl.h"

static const nids_hparam MEMAE_HPARAMS[] = {
	{ "layers", 0, "60,30,10,3", "encoder widths (the last is the code); the decoder mirrors "
	                             "them" },
	{ "act", 0, "tanh", "hidden activation" },
	{ "mem", 0, "50", "memory slots N" },
	{ "shrink", 0, "0.02", "hard shrinkage threshold lambda (the paper: 1/N to 3/N)" },
	{ "alpha", 0, "0.0002", "weight of the attention entropy" },
	{ NULL, 0, NULL, NULL },
};

struct memae {
	nids_mlp enc, dec;
	int N, C, tmem;
	float shrink, alpha;
	nids_arena *arena;
	nids_mlp_acts ea[64], da[64];
	nids_memory_acts ma[64];
	float *zhat[64], *dxr[64], *dzhat[64], *dz[64], *dwhat[64];
};

static int memae_define(nids_model *m, nids_err *err)
{
	int widths[NIDS_MLP_MAX / 2];
	int nw = nids_model_get_ints(m, "layers", widths, NIDS_MLP_MAX / 2, 1, 1 << 16, err);
	if (nw < 0)
		return nw;
	int act = nids_model_get_act(m, "act", err);
	if (act < 0)
		return act;
	long n;
	double shrink, alpha;
	if (nids_model_get_long(m, "mem", 1, 1 << 16, &n, err) < 0 ||
	    nids_model_get_double(m, "shrink", 0, 1, &shrink, err) < 0 ||
	    nids_model_get_double(m, "alpha", 0, 1e6, &alpha, err) < 0)
		return NIDS_EUSAGE;
	struct memae *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	a->N = (int)n, a->C = widths[nw - 1], a->shrink = (float)shrink, a->alpha = (float)alpha;
	a->arena = &m->arena;
	int dim[NIDS_MLP_MAX + 1], acts[NIDS_MLP_MAX];
	dim[0] = m->d;
	for (int i = 0; i < nw; i++)
		dim[i + 1] = widths[i], acts[i] = i == nw - 1 ? NIDS_ACT_NONE : act;
	memset(&m->arena, 0, sizeof m->arena);
	int rc = nids_mlp_define(&a->enc, &m->arena, "enc", nw, dim, acts, err);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nw; i++)
		dim[i] = widths[nw - 1 - i], acts[i] = i == nw - 1 ? NIDS_ACT_NONE : act;
	dim[nw] = m->d;
	if ((rc = nids_mlp_define(&a->dec, &m->arena, "dec", nw, dim, acts, err)) < 0)
		return rc;
	rc = a->tmem = nids_arena_add(&m->arena, "mem", a->N, a->C, err);
	return rc < 0 ? rc : 0;
}

static void memae_plan(void *ctx, int s, int cap, nids_scratch *sc)
{
	struct memae *a = ctx;
	size_t c = (size_t)cap;
	nids_mlp_acts_plan(&a->ea[s], &a->enc, cap, 1, sc);
	nids_mlp_acts_plan(&a->da[s], &a->dec, cap, 1, sc);
	nids_memory_acts_plan(&a->ma[s], cap, a->N, a->C, sc);
	nids_scratch_add(sc, &a->zhat[s], c * a->C);
	nids_scratch_add(sc, &a->dzhat[s], c * a->C);
	nids_scratch_add(sc, &a->dz[s], c * a->C);
	nids_scratch_add(sc, &a->dxr[s], c * a->enc.dim[0]);
	nids_scratch_add(sc, &a->dwhat[s], c * a->N);
}

static double memae_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                         float *grads, nids_rng *rng)
{
	(void)y, (void)rng;
	struct memae *a = ctx;
	float *p = a->arena->data, *mem = nids_arena_ptr(a->arena, p, a->tmem);
	int d = a->enc.dim[0], N = a->N, C = a->C;
	float *z = nids_mlp_forward(&a->enc, a->arena, p, &a->ea[s], x, B);
	nids_memory_forward(a->zhat[s], z, mem, B, N, C, a->shrink, &a->ma[s]);
	float *xr = nids_mlp_forward(&a->dec, a->arena, p, &a->da[s], a->zhat[s], B);
	if (grads) {
		memset(a->dxr[s], 0, (size_t)B * d * sizeof(float));
		memset(a->dwhat[s], 0, (size_t)B * N * sizeof(float));
	}
	double loss = nids_mse_loss(grads ? a->dxr[s] : NULL, xr, x, B, d, scale);
	loss += nids_entropy_loss(grads ? a->dwhat[s] : NULL, a->ma[s].what, B, N, a->alpha * scale);
	if (!grads)
		return loss;
	memset(a->dzhat[s], 0, (size_t)B * C * sizeof(float));
	nids_mlp_backward(&a->dec, a->arena, p, grads, &a->da[s], a->dxr[s], NULL, a->dzhat[s], B);
	memset(a->dz[s], 0, (size_t)B * C * sizeof(float));
	nids_memory_backward(a->dz[s], nids_arena_ptr(a->arena, grads, a->tmem), a->dzhat[s],
	                     a->dwhat[s], mem, B, N, C, a->shrink, &a->ma[s]);
	nids_mlp_backward(&a->enc, a->arena, p, grads, &a->ea[s], a->dz[s], NULL, NULL, B);
	return loss;
}

static int memae_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                     const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_arena_setup(m, memae_define, NULL, err);
	if (rc < 0)
		return rc;
	struct memae *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->enc, &a->dec }, 2, &rng);
	/* the memory as the paper's code initialises it: U(-1/sqrt(C), 1/sqrt(C)) */
	float *mem = nids_arena_ptr(&m->arena, m->arena.data, a->tmem), r = 1.0f / sqrtf((float)a->C);
	for (int i = 0; i < a->N * a->C; i++)
		mem[i] = r * (2.0f * nids_rng_uniform(&rng) - 1.0f);
	nids_net net = { a, m->arena.data, m->arena.size, 64, memae_plan, memae_step };
	return nids_net_train(&net, train, val, 0, o, m->seed, "", err);
}

static int memae_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	return nids_model_arena_setup(m, memae_define, file, err);
}

/* ---- scoring ---- */

struct memae_scratch {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	nids_mlp_acts ea, da;
	nids_memory_acts ma;
	float *zhat;
};

static void *memae_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct memae *a = m->state;
	struct memae_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	nids_mlp_acts_plan(&s->ea, &a->enc, cap, 1, &s->mem);
	nids_mlp_acts_plan(&s->da, &a->dec, cap, 1, &s->mem);
	nids_memory_acts_plan(&s->ma, cap, a->N, a->C, &s->mem);
	nids_scratch_add(&s->mem, &s->zhat, (size_t)cap * a->C);
	return nids_scratch_ready(&s->mem);
}

static void memae_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                        unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct memae *a = m->state;
	struct memae_scratch *s = scratch;
	float *p = m->arena.data;
	int d = m->d;
	float *z = nids_mlp_forward(&a->enc, &m->arena, p, &s->ea, x, B);
	nids_memory_forward(s->zhat, z, nids_arena_ptr(&m->arena, p, a->tmem), B, a->N, a->C,
	                    a->shrink, &s->ma);
	const float *xr = nids_mlp_forward(&a->dec, &m->arena, p, &s->da, s->zhat, B);
	for (int r = 0; r < B; r++) {
		double sum = 0;
		for (int j = 0; j < d; j++) {
			float e = xr[(size_t)r * d + j] - x[(size_t)r * d + j];
			sum += e * e;
			if (outputs & NIDS_OUT_ERRORS)
				out[(size_t)r * ldo + 1 + j] = e * e;
		}
		out[(size_t)r * ldo] = (float)(sum / d);
	}
}

const nids_model_type nids_model_memae = {
	.name = "memae",
	.summary = "memory-augmented autoencoder; score = mean squared reconstruction error",
	.hparams = MEMAE_HPARAMS,
	.outputs = NIDS_OUT_ERRORS,
	.needs_labels = 0,
	.fit = memae_fit,
	.load = memae_load,
	.scratch_new = memae_scratch_new,
	.scratch_free = nids_scratch_release,
	.score = memae_score,
	.free_state = free,
};

/* d score / d x for rows x [B x d] into g [B x d] (explain_impl.h): with
 * score = |x' - x|^2 / d and v = 2 (x' - x) / d, g = J_x'(x)^T v - v, the first term by
 * the decoder's, the memory's and the encoder's backward passes. */
int nids_memae_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err)
{
	const struct memae *a = m->state;
	int d = m->d, C = a->C, rc = 0;
	float *p = m->arena.data;
	nids_mlp_acts ea, da;
	nids_memory_acts ma;
	nids_scratch bufs = { 0 };
	float *zhat, *dzhat, *dz, *v;
	nids_mlp_acts_plan(&ea, &a->enc, B, 1, &bufs);
	nids_mlp_acts_plan(&da, &a->dec, B, 1, &bufs);
	nids_memory_acts_plan(&ma, B, a->N, C, &bufs);
	nids_scratch_add(&bufs, &zhat, (size_t)B * C);
	nids_scratch_add(&bufs, &dzhat, (size_t)B * C);
	nids_scratch_add(&bufs, &dz, (size_t)B * C);
	nids_scratch_add(&bufs, &v, (size_t)B * d);
	if ((rc = nids_scratch_alloc(&bufs, err)) < 0)
		return rc;
	const float *mem = nids_arena_ptr(&m->arena, p, a->tmem);
	const float *z = nids_mlp_forward(&a->enc, &m->arena, p, &ea, x, B);
	nids_memory_forward(zhat, z, mem, B, a->N, C, a->shrink, &ma);
	const float *xr = nids_mlp_forward(&a->dec, &m->arena, p, &da, zhat, B);
	for (size_t i = 0; i < (size_t)B * d; i++)
		v[i] = 2 * (xr[i] - x[i]) / (float)d;
	memset(dzhat, 0, sizeof(float) * (size_t)B * C);
	nids_mlp_backward(&a->dec, &m->arena, p, NULL, &da, v, NULL, dzhat, B);
	memset(dz, 0, sizeof(float) * (size_t)B * C);
	nids_memory_backward(dz, NULL, dzhat, NULL, mem, B, a->N, C, a->shrink, &ma);
	memset(g, 0, sizeof(float) * (size_t)B * d);
	nids_mlp_backward(&a->enc, &m->arena, p, NULL, &ea, dz, NULL, g, B);
	for (size_t i = 0; i < (size_t)B * d; i++)
		g[i] -= v[i];
	nids_scratch_free(&bufs);
	return rc;
}
