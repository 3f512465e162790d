/* nn_optim.c: Adam (Kingma & Ba, with PyTorch's defaults) and SGD with momentum, over
 * one flat parameter block. */
#include "nids/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int nids_optim_init(nids_optim *o, int kind, size_t n, float lr, nids_err *err)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->n = n;
	o->lr = lr;
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->eps = 1e-8f;
	o->momentum = 0.9f;
	o->m = nids_floats(n);
	o->v = kind == NIDS_OPTIM_ADAM ? nids_floats(n) : NULL;
	if (!o->m || (kind == NIDS_OPTIM_ADAM && !o->v)) {
		nids_optim_free(o);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for the optimizer");
	}
	return 0;
}

void nids_optim_step(nids_optim *o, float *p, const float *g)
{
	o->t++;
	if (o->kind == NIDS_OPTIM_SGD) {
		for (size_t i = 0; i < o->n; i++) {
			o->m[i] = o->momentum * o->m[i] + g[i];
			p[i] -= o->lr * o->m[i];
		}
		return;
	}
	float b1 = o->beta1, b2 = o->beta2;
	/* bias corrections folded into the step size, as PyTorch does */
	double c1 = 1.0 - pow(b1, (double)o->t), c2 = 1.0 - pow(b2, (double)o->t);
	float step = (float)(o->lr / c1), sc2 = (float)(1.0 / sqrt(c2));
	float *m = o->m, *v = o->v;
	for (size_t i = 0; i < o->n; i++) {
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		p[i] -= step * m[i] / (sqrtf(v[i]) * sc2 + o->eps);
	}
}

void nids_optim_free(nids_optim *o)
{
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
}
