/* nn_mlp.c: a stack of dense layers with activations, forward and backward over whole
 * batches, the building block of the autoencoder family. */
#include "nn_impl.h"

/* The Makefile builds this file at -O3: elementwise loops vectorize only so (see
 * nn_layers.c). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nids_mlp_define(nids_mlp *m, nids_arena *a, const char *prefix, int nlayers, const int *dim,
                    const int *act, nids_err *err)
{
	if (nlayers < 1 || nlayers > NIDS_MLP_MAX)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "%d layers: want 1 to %d", nlayers,
		                    NIDS_MLP_MAX);
	memset(m, 0, sizeof *m);
	m->nlayers = nlayers;
	for (int i = 0; i <= nlayers; i++)
		m->dim[i] = dim[i];
	for (int i = 0; i < nlayers; i++) {
		char name[NIDS_TENSOR_NAME];
		m->act[i] = act[i];
		snprintf(name, sizeof name, "%s%d.w", prefix, i);
		if ((m->w[i] = nids_arena_add(a, name, dim[i + 1], dim[i], err)) < 0)
			return m->w[i];
		snprintf(name, sizeof name, "%s%d.b", prefix, i);
		if ((m->b[i] = nids_arena_add(a, name, 1, dim[i + 1], err)) < 0)
			return m->b[i];
	}
	return 0;
}

void nids_mlp_init(const nids_mlp *m, const nids_arena *a, float *params, nids_rng *rng)
{
	for (int i = 0; i < m->nlayers; i++) {
		float *w = nids_arena_ptr(a, params, m->w[i]);
		if (m->act[i] == NIDS_ACT_RELU || m->act[i] == NIDS_ACT_LEAKY)
			nids_init_he(w, m->dim[i + 1], m->dim[i], rng);
		else
			nids_init_xavier(w, m->dim[i + 1], m->dim[i], rng);
		memset(nids_arena_ptr(a, params, m->b[i]), 0, (size_t)m->dim[i + 1] * sizeof(float));
	}
}

void nids_mlp_acts_plan(nids_mlp_acts *s, const nids_mlp *m, int cap, int backward,
                        nids_scratch *sc)
{
	memset(s, 0, sizeof *s);
	s->cap = cap;
	int maxd = 0;
	for (int i = 0; i <= m->nlayers; i++)
		maxd = m->dim[i] > maxd ? m->dim[i] : maxd;
	if (backward) {
		nids_scratch_add(sc, &s->g0, (size_t)cap * maxd);
		nids_scratch_add(sc, &s->g1, (size_t)cap * maxd);
	}
	for (int i = 0; i < m->nlayers; i++) {
		nids_scratch_add(sc, &s->pre[i], (size_t)cap * m->dim[i + 1]);
		/* the backward needs the pre-activations; a forward alone works in place */
		if (backward && m->act[i] != NIDS_ACT_NONE)
			nids_scratch_add(sc, &s->out[i], (size_t)cap * m->dim[i + 1]);
		else
			nids_scratch_alias(sc, &s->out[i], &s->pre[i]);
	}
}

float *nids_mlp_forward(const nids_mlp *m, const nids_arena *a, float *params,
                        nids_mlp_acts *s, const float *in, int B)
{
	s->in = in;
	const float *x = in;
	for (int i = 0; i < m->nlayers; i++) {
		nids_dense_forward(s->pre[i], x, nids_arena_ptr(a, params, m->w[i]),
		                   nids_arena_ptr(a, params, m->b[i]), B, m->dim[i], m->dim[i + 1]);
		if (m->act[i] != NIDS_ACT_NONE)
			nids_act_forward(s->out[i], s->pre[i], (size_t)B * m->dim[i + 1], m->act[i]);
		x = s->out[i];
	}
	return s->out[m->nlayers - 1];
}

/* g = dout * f'(pre), overwriting g: the backward of one activation without a separate
 * zeroing pass. restrict: g never overlaps the activations it reads. */
static void act_grad(float *restrict g, const float *restrict dout, const float *restrict pre,
                     const float *restrict post, size_t n, int act)
{
	switch (act) {
	case NIDS_ACT_RELU:
		for (size_t i = 0; i < n; i++) {
			float d = dout[i]; /* loaded unconditionally, so the select vectorizes */
			g[i] = pre[i] > 0 ? d : 0.0f;
		}
		break;
	default:
		memset(g, 0, n * sizeof *g);
		nids_act_backward(g, dout, pre, post, n, act);
		break;
	}
}

void nids_mlp_backward(const nids_mlp *m, const nids_arena *a, float *params, float *grads,
                       nids_mlp_acts *s, const float *dout, float *const *extra, float *din,
                       int B)
{
	/* gout: the gradient with respect to the current layer's output (dout itself, or g1);
	 * gpre: with respect to its pre-activation (gout itself for a linear layer, else g0) */
	const float *gout = dout;
	for (int i = m->nlayers - 1; i >= 0; i--) {
		size_t n = (size_t)B * m->dim[i + 1];
		if (extra && extra[i]) {
			if (gout != s->g1)
				memcpy(s->g1, gout, n * sizeof(float));
			for (size_t k = 0; k < n; k++)
				s->g1[k] += extra[i][k];
			gout = s->g1;
		}
		const float *gpre = gout;
		if (m->act[i] != NIDS_ACT_NONE) {
			act_grad(s->g0, gout, s->pre[i], s->out[i], n, m->act[i]);
			gpre = s->g0;
		} else if (gout == s->g1) {
			/* g1 is about to receive this layer's input gradient */
			memcpy(s->g0, gout, n * sizeof(float));
			gpre = s->g0;
		}
		const float *x = i ? s->out[i - 1] : s->in;
		float *dx = i ? s->g1 : din;
		if (i)
			memset(s->g1, 0, (size_t)B * m->dim[i] * sizeof(float));
		nids_dense_backward(dx, grads ? nids_arena_ptr(a, grads, m->w[i]) : NULL,
		                    grads ? nids_arena_ptr(a, grads, m->b[i]) : NULL, gpre, x,
		                    nids_arena_ptr(a, params, m->w[i]), B, m->dim[i], m->dim[i + 1]);
		gout = s->g1;
	}
}

int nids_mlp_mirror_dims(int d, const int *widths, int nw, int *dim)
{
	int n = 0;
	dim[0] = d;
	for (int i = 0; i < nw; i++)
		dim[++n] = widths[i];
	for (int i = nw - 2; i >= 0; i--)
		dim[++n] = widths[i];
	dim[++n] = d;
	return n;
}
