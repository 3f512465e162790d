/* nn_optim.c: Adam (Kingma & Ba, with PyTorch's defaults) and SGD with momentum, over
 * one flat parameter block. */
/* The Makefile builds this file at -O3 -fno-math-errno: these elementwise loops run over
 * every parameter of every step, and only vectorize with -O3 and without errno on
 * sqrtf. */

#include "nn_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

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

/* Four lanes at a time with SSE where the compiler has it: sqrtf cannot be vectorized
 * automatically at the Makefile's -O2 with errno semantics, and this loop runs over every
 * parameter on every step. */
static void adam_update(float *restrict p, const float *restrict g, float *restrict m,
                        float *restrict v, size_t n, float b1, float b2, float step, float sc2,
                        float eps, float wd)
{
	size_t i = 0;
#ifdef __SSE__
	__m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), c1 = _mm_set1_ps(1.0f - b1),
	       c2 = _mm_set1_ps(1.0f - b2), vstep = _mm_set1_ps(step), vsc2 = _mm_set1_ps(sc2),
	       veps = _mm_set1_ps(eps), vwd = _mm_set1_ps(wd);
	for (; i + 4 <= n; i += 4) {
		__m128 gi = _mm_add_ps(_mm_loadu_ps(g + i), _mm_mul_ps(vwd, _mm_loadu_ps(p + i)));
		__m128 mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(c1, gi));
		__m128 vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)),
		                       _mm_mul_ps(c2, _mm_mul_ps(gi, gi)));
		_mm_storeu_ps(m + i, mi);
		_mm_storeu_ps(v + i, vi);
		__m128 den = _mm_add_ps(_mm_mul_ps(_mm_sqrt_ps(vi), vsc2), veps);
		_mm_storeu_ps(p + i, _mm_sub_ps(_mm_loadu_ps(p + i),
		                                _mm_div_ps(_mm_mul_ps(vstep, mi), den)));
	}
#endif
	for (; i < n; i++) {
		float gi = g[i] + wd * p[i];
		float mi = b1 * m[i] + (1.0f - b1) * gi;
		float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
		m[i] = mi;
		v[i] = vi;
		p[i] -= step * mi / (sqrtf(vi) * sc2 + eps);
	}
}

void nids_optim_step(nids_optim *o, float *p, const float *g)
{
	o->t++;
	if (o->kind == NIDS_OPTIM_SGD) {
		for (size_t i = 0; i < o->n; i++) {
			o->m[i] = o->momentum * o->m[i] + g[i] + o->weight_decay * p[i];
			p[i] -= o->lr * o->m[i];
		}
		return;
	}
	/* bias corrections folded into the step size, as PyTorch does */
	double c1 = 1.0 - pow(o->beta1, (double)o->t), c2 = 1.0 - pow(o->beta2, (double)o->t);
	adam_update(p, g, o->m, o->v, o->n, o->beta1, o->beta2, (float)(o->lr / c1),
	            (float)(1.0 / sqrt(c2)), o->eps, o->weight_decay);
}

void nids_optim_free(nids_optim *o)
{
	free(o->m);
	free(o->v);
	o->m = o->v = NULL;
}
