/* nn_loss.c: losses and penalties (nn_impl.h explains scale and accumulation). Sums over a
 * batch are accumulated in double. */
/* The Makefile builds this file at -O3 -fno-math-errno: these elementwise loops run over
 * every activation of every step, and only vectorize with -O3 and without errno on
 * sqrtf/expf. */

#include "nn_impl.h"

#include <math.h>

#define LOG_2PI 1.8378770664093453

double nids_mse_loss(float *dpred, const float *pred, const float *x, int B, int D, float scale)
{
	/* a float sum per row (vectorizes), the rows summed in double */
	double s = 0;
	float g = 2.0f * scale / (float)D;
	for (int r = 0; r < B; r++) {
		const float *p = pred + (size_t)r * D, *t = x + (size_t)r * D;
		float rs = 0;
		for (int j = 0; j < D; j++) {
			float e = p[j] - t[j];
			rs += e * e;
		}
		s += rs;
		if (dpred) {
			float *d = dpred + (size_t)r * D;
			for (int j = 0; j < D; j++)
				d[j] += g * (p[j] - t[j]);
		}
	}
	return s * scale / D;
}

double nids_mae_loss(float *dpred, const float *pred, const float *x, int B, int D, float scale)
{
	double s = 0;
	float g = scale / (float)D;
	for (size_t i = 0; i < (size_t)B * (size_t)D; i++) {
		float e = pred[i] - x[i];
		s += fabsf(e);
		if (dpred)
			dpred[i] += e > 0 ? g : e < 0 ? -g : 0;
	}
	return s * scale / D;
}

double nids_gauss_nll_loss(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                           const float *x, int B, int D, float lvmin, float scale)
{
	double s = 0;
	for (size_t i = 0; i < (size_t)B * (size_t)D; i++) {
		int clamped = logvar[i] < lvmin;
		float lv = clamped ? lvmin : logvar[i];
		float inv = expf(-lv), e = x[i] - mu[i];
		s += 0.5 * ((double)lv + (double)e * e * inv + LOG_2PI);
		if (dmu)
			dmu[i] += scale * (-e * inv);
		if (dlogvar && !clamped)
			dlogvar[i] += scale * 0.5f * (1.0f - e * e * inv);
	}
	return s * scale;
}

static inline float sigmoid(float x)
{
	return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

double nids_bce_loss(float *dlogit, const float *logit, const float *x, int B, int D,
                     float scale)
{
	double s = 0;
	for (size_t i = 0; i < (size_t)B * (size_t)D; i++) {
		float l = logit[i];
		float sp = l > 0 ? l + log1pf(expf(-l)) : log1pf(expf(l));
		s += sp - x[i] * l;
		if (dlogit)
			dlogit[i] += scale * (sigmoid(l) - x[i]);
	}
	return s * scale;
}

double nids_xent_loss(float *dlogit, const float *logit, const int *y, int B, int K, float scale)
{
	double s = 0;
	for (int r = 0; r < B; r++) {
		const float *l = logit + (size_t)r * K;
		float mx = l[0];
		for (int k = 1; k < K; k++)
			mx = l[k] > mx ? l[k] : mx;
		double z = 0;
		for (int k = 0; k < K; k++)
			z += exp((double)(l[k] - mx));
		double lse = mx + log(z);
		s += lse - l[y[r]];
		if (dlogit) {
			float *d = dlogit + (size_t)r * K;
			for (int k = 0; k < K; k++)
				d[k] += scale * ((float)exp(l[k] - lse) - (k == y[r]));
		}
	}
	return s * scale;
}

double nids_kl_normal_loss(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                           int B, int K, float scale)
{
	double s = 0;
	for (size_t i = 0; i < (size_t)B * (size_t)K; i++) {
		float ev = expf(logvar[i]);
		s += -0.5 * (1.0 + logvar[i] - (double)mu[i] * mu[i] - ev);
		if (dmu)
			dmu[i] += scale * mu[i];
		if (dlogvar)
			dlogvar[i] += scale * 0.5f * (ev - 1.0f);
	}
	return s * scale;
}

double nids_kl_sparsity_loss(float *da, const float *a, int B, int H, float rho, float scale)
{
	double s = 0;
	for (int j = 0; j < H; j++) {
		double m = 0;
		for (int r = 0; r < B; r++)
			m += a[(size_t)r * H + j];
		m /= B;
		m = m < 1e-6 ? 1e-6 : m > 1 - 1e-6 ? 1 - 1e-6 : m;
		s += rho * log(rho / m) + (1 - rho) * log((1 - rho) / (1 - m));
		if (da) {
			float g = (float)(scale * (-rho / m + (1 - rho) / (1 - m)) / B);
			for (int r = 0; r < B; r++)
				da[(size_t)r * H + j] += g;
		}
	}
	return s * scale;
}

double nids_l1_loss(float *da, const float *a, size_t n, float scale)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		s += fabsf(a[i]);
		if (da)
			da[i] += a[i] > 0 ? scale : a[i] < 0 ? -scale : 0;
	}
	return s * scale;
}

double nids_l2_loss(float *dw, const float *w, size_t n, float scale)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		s += 0.5 * (double)w[i] * w[i];
		if (dw)
			dw[i] += scale * w[i];
	}
	return s * scale;
}
