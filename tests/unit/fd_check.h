/* fd_check.h: gradients against central finite differences, shared by the gradient
 * tests. */
#ifndef NIDS_TEST_FD_CHECK_H
#define NIDS_TEST_FD_CHECK_H

#include <math.h>
#include <stddef.h>

#define EPS 1e-3f

/* A scalar function of some buffers, re-evaluated after each perturbation. */
typedef double (*objective)(void *ctx);

/* Compares g [n] with central differences of f with respect to x [n]. Returns the
 * worst relative error; 0 when every element matches. */
static inline double fd_check(objective f, void *ctx, float *x, const float *g, size_t n)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		float keep = x[i];
		x[i] = keep + EPS;
		double up = f(ctx);
		x[i] = keep - EPS;
		double down = f(ctx);
		x[i] = keep;
		double num = (up - down) / (2.0 * EPS);
		double rel = fabs(num - g[i]) / fmax(fabs(num) + fabs(g[i]), 1e-2);
		if (rel > worst)
			worst = rel;
	}
	return worst;
}

#endif
