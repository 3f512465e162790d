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

/* Parses the hyperparameters and lays out the tensors in m->arena (not allocated). */
static int ae_define(nids_model *m, nids_err *err)
{
	int loss = nids_model_get_choice(m, "loss", LOSSES, err);
	double l1;
	if (loss < 0 || nids_model_get_double(m, "l1", 0, 1e6, &l1, err) < 0)
		return loss < 0 ? loss : NIDS_EUSAGE;
	nids_autoencoder *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	return nids_autoencoder_define(a, m, loss == 1, (float)l1, err);
}

static int ae_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                  const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_arena_setup(m, ae_define, NULL, err);
	if (rc < 0)
		return rc;
	nids_autoencoder *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->net }, 1, &rng);
	nids_net net = { a, m->arena.data, m->arena.size, 64, nids_autoencoder_plan,
		         nids_autoencoder_step };
	return nids_net_train(&net, train, val, 0, o, m->seed, "", err);
}

static int ae_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	return nids_model_arena_setup(m, ae_define, file, err);
}

/* ---- scoring ---- */

struct ae_scratch {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	nids_mlp_acts acts;
	float *dout, *din, *grads; /* for --explain: backward into a throwaway gradient block */
};

static void *ae_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	const nids_autoencoder *a = m->state;
	int bw = (outputs & NIDS_OUT_EXPLAIN) != 0;
	struct ae_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	nids_mlp_acts_plan(&s->acts, &a->net, cap, bw, &s->mem);
	if (bw) {
		nids_scratch_add(&s->mem, &s->dout, (size_t)cap * m->d);
		nids_scratch_add(&s->mem, &s->din, (size_t)cap * m->d);
		nids_scratch_add(&s->mem, &s->grads, m->arena.size);
	}
	return nids_scratch_ready(&s->mem);
}

static void ae_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                     unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const nids_autoencoder *a = m->state;
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
	.scratch_free = nids_scratch_release,
	.score = ae_score,
	.free_state = free,
};
