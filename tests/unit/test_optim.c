/* test_optim.c: Adam and SGD with weight decay against PyTorch's update rules, computed
 * in double precision here (torch.optim.Adam/SGD with weight_decay: g + wd * p). */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "nn_impl.h"

enum { N = 7 }; /* one SSE block of four and a tail of three */

static const float P0[N] = { 1, -2, 0.5f, 3, 0.1f, -0.7f, 0 };
static const float G[2][N] = { { 0.1f, 0, -0.2f, 0.3f, 0, 1.5f, -0.01f },
	                       { -0.05f, 0.2f, 0.1f, 0.3f, -0.4f, 0, 0.02f } };

static void adam_ref(double p[N], double m[N], double v[N], int t, const float *g, double lr,
                     double wd)
{
	const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
	for (int i = 0; i < N; i++) {
		double gi = g[i] + wd * p[i];
		m[i] = b1 * m[i] + (1 - b1) * gi;
		v[i] = b2 * v[i] + (1 - b2) * gi * gi;
		double mh = m[i] / (1 - pow(b1, t)), vh = v[i] / (1 - pow(b2, t));
		p[i] -= lr * mh / (sqrt(vh) + eps);
	}
}

static void test_adam_weight_decay(void)
{
	for (int w = 0; w < 2; w++) {
		double wd = w ? 0.01 : 0, lr = 1e-3;
		nids_optim o;
		nids_err err = { 0 };
		CHECK(nids_optim_init(&o, NIDS_OPTIM_ADAM, N, (float)lr, &err) == 0, "init");
		o.weight_decay = (float)wd;
		float p[N];
		double rp[N], rm[N] = { 0 }, rv[N] = { 0 };
		for (int i = 0; i < N; i++)
			p[i] = P0[i], rp[i] = P0[i];
		for (int t = 1; t <= 2; t++) {
			nids_optim_step(&o, p, G[t - 1]);
			adam_ref(rp, rm, rv, t, G[t - 1], lr, wd);
			for (int i = 0; i < N; i++)
				CHECK_NEAR(p[i], rp[i], 1e-6);
		}
		/* a zero gradient still moves a parameter under decay: p = 0.1, g = 0 */
		if (w)
			CHECK(p[4] < 0.1f && fabs(p[4] - rp[4]) < 1e-7, "decay without gradient");
		nids_optim_free(&o);
	}
}

static void test_sgd_weight_decay(void)
{
	double wd = 0.5, lr = 0.1, mom = 0.9;
	nids_optim o;
	nids_err err = { 0 };
	CHECK(nids_optim_init(&o, NIDS_OPTIM_SGD, N, (float)lr, &err) == 0, "init");
	o.weight_decay = (float)wd;
	float p[N];
	double rp[N], buf[N] = { 0 };
	for (int i = 0; i < N; i++)
		p[i] = P0[i], rp[i] = P0[i];
	for (int t = 0; t < 2; t++) {
		nids_optim_step(&o, p, G[t]);
		for (int i = 0; i < N; i++) {
			buf[i] = mom * buf[i] + G[t][i] + wd * rp[i];
			rp[i] -= lr * buf[i];
			CHECK_NEAR(p[i], rp[i], 1e-6);
		}
	}
	nids_optim_free(&o);
}

int main(void)
{
	TEST(test_adam_weight_decay);
	TEST(test_sgd_weight_decay);
	return CHECK_DONE();
}
