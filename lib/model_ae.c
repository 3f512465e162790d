/* model_ae.c: the dense autoencoder. d -> layers... -> mirror -> d, an activation after
 * every layer but the (linear) output, MSE or MAE loss, an optional L1 penalty on the
 * code (the innermost layer). Score = the row's mean reconstruction error over its
 * features, the loss it was trained on. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/model.h"

static const nids_hparam AE_HPARAMS[] = {
	{ "layers", 0, "64,32,16", "encoder widths; the decoder mirrors them" },
	{ "act", 0, "relu", "hidden activation: relu, leaky, tanh, sigmoid, softplus" },
	{ "loss", 0, "mse", "reconstruction loss and score: mse or mae" },
	{ "l1", 0, "0", "weight of the L1 activity penalty on the code" },
	{ NULL, 0, NULL, NULL },
};

static const char *const LOSSES[] = { "mse", "mae", NULL };

struct ae {
	nids_mlp net;
	int code;    /* index of the code layer in net */
	int mae;     /* 1: MAE loss and score */
	float l1;
	int shards;
	nids_mlp_acts acts[64];
	float *dout[64], *dcode[64]; /* [cap x d], [cap x code width] */
	nids_arena *arena;
};

static void ae_free_state(void *p)
{
	struct ae *a = p;
	if (!a)
		return;
	for (int s = 0; s < a->shards; s++) {
		nids_mlp_acts_free(&a->acts[s]);
		free(a->dout[s]);
		free(a->dcode[s]);
	}
	free(a);
}

/* Parses the hyperparameters and lays out the tensors in m->arena (not allocated). */
static int ae_define(nids_model *m, nids_err *err)
{
	int widths[NIDS_MLP_MAX / 2];
	int nw = nids_model_get_ints(m, "layers", widths, NIDS_MLP_MAX / 2 - 1, 1, 1 << 16, err);
	if (nw < 0)
		return nw;
	int act = nids_act_parse(nids_model_get(m, "act"));
	if (act <= 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--act': '%s' is not one of "
		                    "relu, leaky, tanh, sigmoid, softplus", nids_model_get(m, "act"));
	int loss = nids_model_get_choice(m, "loss", LOSSES, err);
	double l1;
	if (loss < 0 || nids_model_get_double(m, "l1", 0, 1e6, &l1, err) < 0)
		return loss < 0 ? loss : NIDS_EUSAGE;
	struct ae *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	a->mae = loss == 1;
	a->l1 = (float)l1;
	a->arena = &m->arena;
	int dim[NIDS_MLP_MAX + 1], acts[NIDS_MLP_MAX], n = 0;
	dim[0] = m->d;
	for (int i = 0; i < nw; i++)
		dim[++n] = widths[i];
	for (int i = nw - 2; i >= 0; i--)
		dim[++n] = widths[i];
	dim[++n] = m->d;
	for (int i = 0; i < n; i++)
		acts[i] = i == n - 1 ? NIDS_ACT_NONE : act;
	a->code = nw - 1;
	memset(&m->arena, 0, sizeof m->arena);
	return nids_mlp_define(&a->net, &m->arena, "ae", n, dim, acts, err);
}

static int ae_prepare(void *ctx, int shards, int cap, nids_err *err)
{
	struct ae *a = ctx;
	a->shards = shards;
	int d = a->net.dim[0], c = a->net.dim[a->code + 1];
	for (int s = 0; s < shards; s++) {
		int rc = nids_mlp_acts_alloc(&a->acts[s], &a->net, cap, 1, err);
		if (rc < 0)
			return rc;
		a->dout[s] = nids_floats((size_t)cap * d);
		a->dcode[s] = nids_floats((size_t)cap * c);
		if (!a->dout[s] || !a->dcode[s])
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	return 0;
}

static double ae_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                      float *grads, nids_rng *rng)
{
	(void)y, (void)rng;
	struct ae *a = ctx;
	int d = a->net.dim[0], c = a->net.dim[a->code + 1];
	float *p = a->arena->data;
	float *out = nids_mlp_forward(&a->net, a->arena, p, &a->acts[s], x, B);
	float *dout = grads ? a->dout[s] : NULL;
	if (dout)
		memset(dout, 0, (size_t)B * d * sizeof(float));
	double loss = a->mae ? nids_mae_loss(dout, out, x, B, d, scale)
	                     : nids_mse_loss(dout, out, x, B, d, scale);
	float *extra[NIDS_MLP_MAX] = { 0 };
	if (a->l1 > 0) {
		float *dc = grads ? a->dcode[s] : NULL;
		if (dc)
			memset(dc, 0, (size_t)B * c * sizeof(float));
		loss += nids_l1_loss(dc, a->acts[s].out[a->code], (size_t)B * c, a->l1 * scale);
		extra[a->code] = dc;
	}
	if (grads)
		nids_mlp_backward(&a->net, a->arena, p, grads, &a->acts[s], dout, extra, NULL, B);
	return loss;
}

static int ae_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                  const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_arena_setup(m, ae_define, NULL, err);
	if (rc < 0)
		return rc;
	struct ae *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->net }, 1, &rng);
	nids_net net = { a, m->arena.data, m->arena.size, 64, ae_prepare, ae_step };
	return nids_net_train(&net, train, val, 0, o, m->seed, "", err);
}

static int ae_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	return nids_model_arena_setup(m, ae_define, file, err);
}

/* ---- scoring ---- */

struct ae_scratch {
	nids_mlp_acts acts;
	float *dout, *din, *grads; /* for --explain: backward into a throwaway gradient block */
};

static void ae_scratch_free(void *p)
{
	struct ae_scratch *s = p;
	if (!s)
		return;
	nids_mlp_acts_free(&s->acts);
	free(s->dout);
	free(s->din);
	free(s->grads);
	free(s);
}

static void *ae_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	const struct ae *a = m->state;
	int bw = (outputs & NIDS_OUT_EXPLAIN) != 0;
	struct ae_scratch *s = calloc(1, sizeof *s);
	if (!s || nids_mlp_acts_alloc(&s->acts, &a->net, cap, bw, NULL) < 0 ||
	    (bw && (!(s->dout = nids_floats((size_t)cap * m->d)) ||
	            !(s->din = nids_floats((size_t)cap * m->d)) ||
	            !(s->grads = nids_floats(m->arena.size))))) {
		ae_scratch_free(s);
		return NULL;
	}
	return s;
}

static void ae_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                     unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct ae *a = m->state;
	struct ae_scratch *s = scratch;
	int d = m->d;
	const float *y = nids_mlp_forward(&a->net, &m->arena, m->arena.data, &s->acts, x, B);
	int col_err = 1, col_grad = 1 + ((outputs & NIDS_OUT_ERRORS) ? d : 0);
	int errs = (outputs & NIDS_OUT_ERRORS) != 0, explain = (outputs & NIDS_OUT_EXPLAIN) != 0;
	for (int r = 0; r < B; r++) {
		const float *yr = y + (size_t)r * d, *xr = x + (size_t)r * d;
		float *o = out + (size_t)r * ldo, sum = 0;
		if (a->mae)
			for (int j = 0; j < d; j++)
				sum += fabsf(yr[j] - xr[j]);
		else
			for (int j = 0; j < d; j++)
				sum += (yr[j] - xr[j]) * (yr[j] - xr[j]);
		o[0] = sum / (float)d;
		for (int j = 0; errs && j < d; j++) {
			float e = yr[j] - xr[j];
			o[col_err + j] = a->mae ? fabsf(e) : e * e;
		}
		/* d score / d output, for the explanation below */
		for (int j = 0; explain && j < d; j++) {
			float e = yr[j] - xr[j];
			s->dout[(size_t)r * d + j] = a->mae ? (e > 0 ? 1.0f : e < 0 ? -1.0f : 0) / d
			                                    : 2.0f * e / d;
		}
	}
	if (!(outputs & NIDS_OUT_EXPLAIN))
		return;
	/* score = L(f(x), x): the gradient is J_f^T dL/dy - dL/dy (GEE's attribution) */
	memset(s->din, 0, (size_t)B * d * sizeof(float));
	memset(s->grads, 0, m->arena.size * sizeof(float));
	nids_mlp_backward(&a->net, &m->arena, m->arena.data, s->grads, &s->acts, s->dout, NULL,
	                  s->din, B);
	for (int r = 0; r < B; r++)
		for (int j = 0; j < d; j++)
			out[(size_t)r * ldo + col_grad + j] =
				s->din[(size_t)r * d + j] - s->dout[(size_t)r * d + j];
}

const nids_model_type nids_model_ae = {
	.name = "ae",
	.summary = "dense autoencoder; score = mean reconstruction error",
	.hparams = AE_HPARAMS,
	.outputs = NIDS_OUT_ERRORS | NIDS_OUT_EXPLAIN,
	.needs_labels = 0,
	.fit = ae_fit,
	.load = ae_load,
	.scratch_new = ae_scratch_new,
	.scratch_free = ae_scratch_free,
	.score = ae_score,
	.free_state = ae_free_state,
};
