/* nn_autoencoder.c: the dense autoencoder that -t ae is and that -t aegmm trains as its
 * stage 1 (see model.h): layout from the --layers and --act hyperparameters, per-shard
 * buffers, and the training step (MSE or MAE, optional L1 penalty on
 * the code). */
#include "nids/model.h"

#include <stdlib.h>
#include <string.h>

int nids_autoencoder_define(nids_autoencoder *a, nids_model *m, int mae, float l1,
                            nids_err *err)
{
	int widths[NIDS_MLP_MAX / 2];
	int nw = nids_model_get_ints(m, "layers", widths, NIDS_MLP_MAX / 2 - 1, 1, 1 << 16, err);
	if (nw < 0)
		return nw;
	int act = nids_model_get_act(m, "act", err);
	if (act < 0)
		return act;
	a->mae = mae, a->l1 = l1, a->arena = &m->arena;
	int dim[NIDS_MLP_MAX + 1], acts[NIDS_MLP_MAX];
	int n = nids_mlp_mirror_dims(m->d, widths, nw, dim);
	for (int i = 0; i < n; i++)
		acts[i] = i == n - 1 ? NIDS_ACT_NONE : act;
	a->code = nw - 1;
	memset(&m->arena, 0, sizeof m->arena);
	return nids_mlp_define(&a->net, &m->arena, "ae", n, dim, acts, err);
}

void nids_autoencoder_plan(void *ctx, int s, int cap, nids_scratch *sc)
{
	nids_autoencoder *a = ctx;
	int d = a->net.dim[0], c = a->net.dim[a->code + 1];
	nids_mlp_acts_plan(&a->acts[s], &a->net, cap, 1, sc);
	nids_scratch_add(sc, &a->dout[s], (size_t)cap * d);
	nids_scratch_add(sc, &a->dcode[s], (size_t)cap * c);
}

double nids_autoencoder_step(void *ctx, int s, const float *x, const int *y, int B,
                             float scale, float *grads, nids_rng *rng)
{
	(void)y, (void)rng;
	nids_autoencoder *a = ctx;
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
