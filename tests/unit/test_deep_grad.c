/* test_deep_grad.c: the layers and losses of deep.h against central finite differences
 * (eps 1e-3, relative error < 1e-2, float32 inputs): DAGMM's reconstruction features and
 * batch GMM energy (through phi, mu and Sigma), the softmax backward, MemAE's memory
 * addressing with hard shrinkage and its entropy loss, and DSEBM's score-matching
 * reconstruction with its hand-derived second derivative. */
#include <stdlib.h>

#include "check.h"
#include "fd_check.h"
#include "nids/deep.h"

static nids_rng rng;

static void fill(float *p, size_t n, float scale)
{
	for (size_t i = 0; i < n; i++)
		p[i] = scale * (2.0f * nids_rng_uniform(&rng) - 1.0f);
}

/* ---- reconstruction features ---- */

struct feat_ctx {
	int B, D;
	float *x, *y, *f, *r;
};

static double feat_obj(void *p)
{
	struct feat_ctx *c = p;
	nids_recon_feats_forward(c->f, c->x, c->y, c->B, c->D);
	double s = 0;
	for (int i = 0; i < 2 * c->B; i++)
		s += (double)c->r[i] * c->f[i];
	return s;
}

static void test_recon_feats(void)
{
	struct feat_ctx c = { .B = 4, .D = 5 };
	c.x = nids_floats(20), c.y = nids_floats(20), c.f = nids_floats(8), c.r = nids_floats(8);
	float *dy = nids_floats(20);
	fill(c.x, 20, 1), fill(c.y, 20, 1), fill(c.r, 8, 1);
	nids_recon_feats_forward(c.f, c.x, c.y, 1, 5);
	double nx = 0, ne = 0, dot = 0, ny = 0;
	for (int j = 0; j < 5; j++) {
		nx += c.x[j] * c.x[j], ny += c.y[j] * c.y[j];
		ne += (c.x[j] - c.y[j]) * (c.x[j] - c.y[j]), dot += c.x[j] * c.y[j];
	}
	CHECK_NEAR(c.f[0], sqrt(ne / nx), 1e-5);
	CHECK_NEAR(c.f[1], dot / sqrt(nx * ny), 1e-5);
	nids_recon_feats_backward(dy, c.r, c.x, c.y, c.B, c.D);
	double e = fd_check(feat_obj, &c, c.y, dy, 20);
	CHECK(e < 1e-2, "features: relative error %g", e);
	/* zero rows and perfect reconstructions stay finite */
	float z[5] = { 0 }, f[2], g[5] = { 0 }, one[2] = { 1, 1 };
	nids_recon_feats_forward(f, z, z, 1, 5);
	nids_recon_feats_backward(g, one, z, z, 1, 5);
	CHECK(f[0] == 0 && f[1] == 0 && g[0] == 0, "zero rows: %g %g %g", f[0], f[1], g[0]);
	nids_recon_feats_forward(f, c.x, c.x, 1, 5);
	CHECK(f[0] == 0 && fabsf(f[1] - 1) < 1e-6, "perfect reconstruction: %g %g", f[0], f[1]);
	free(c.x), free(c.y), free(c.f), free(c.r), free(dy);
}

/* ---- GMM energy ---- */

struct energy_ctx {
	nids_gmm g;
	int B;
	float *z, *gamma;
	float escale, pscale;
};

static double energy_obj(void *p)
{
	struct energy_ctx *c = p;
	return nids_gmm_energy_loss(&c->g, NULL, NULL, c->z, c->gamma, c->B, c->escale, c->pscale,
	                            NULL);
}

static void energy_case(int B, int K, int D)
{
	struct energy_ctx c = { .B = B, .escale = 0.7f / B, .pscale = 0.01f };
	CHECK(nids_gmm_init(&c.g, K, D, 1e-2, NULL) == 0, "init");
	c.z = nids_floats((size_t)B * D), c.gamma = nids_floats((size_t)B * K);
	float *logit = nids_floats((size_t)B * K), *dz = nids_floats((size_t)B * D),
	      *dg = nids_floats((size_t)B * K);
	fill(c.z, (size_t)B * D, 1);
	fill(logit, (size_t)B * K, 2);
	nids_softmax_forward(c.gamma, logit, B, K);
	double *energy = calloc((size_t)B, sizeof *energy);
	double l = nids_gmm_energy_loss(&c.g, dz, dg, c.z, c.gamma, B, c.escale, c.pscale, energy);
	CHECK(isfinite(l), "finite loss %g", l);
	/* the energy of row 0 by the definition */
	double s = 0;
	for (int k = 0; k < K; k++) {
		const double *mu = c.g.mu + k * D, *inv = c.g.inv + (size_t)k * D * D;
		double q = 0;
		for (int a = 0; a < D; a++)
			for (int b = 0; b < D; b++)
				q += (c.z[a] - mu[a]) * inv[a * D + b] * (c.z[b] - mu[b]);
		s += c.g.phi[k] * exp(-0.5 * q - 0.5 * c.g.logdet[k]) / pow(2 * M_PI, D / 2.0);
	}
	CHECK_NEAR(energy[0], -log(s), 1e-9);
	double ez = fd_check(energy_obj, &c, c.z, dz, (size_t)B * D);
	double eg = fd_check(energy_obj, &c, c.gamma, dg, (size_t)B * K);
	CHECK(ez < 1e-2, "B=%d: energy wrt z: relative error %g", B, ez);
	CHECK(eg < 1e-2, "B=%d: energy wrt gamma: relative error %g", B, eg);
	nids_gmm_free(&c.g);
	free(c.z), free(c.gamma), free(logit), free(dz), free(dg), free(energy);
}

static void test_gmm_energy(void)
{
	energy_case(7, 3, 3);
	energy_case(12, 4, 2);
	energy_case(1, 2, 3);
}

/* With floor 0, identical rows have a zero covariance: the loss is NaN, never a value. */
static void test_energy_singular(void)
{
	nids_gmm g;
	nids_gmm_init(&g, 2, 3, 0.0, NULL);
	float z[12] = { 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3 };
	float gam[8] = { .5, .5, .5, .5, .5, .5, .5, .5 };
	float dz[12] = { 0 }, dg[8] = { 0 };
	CHECK(isnan(nids_gmm_energy_loss(&g, dz, dg, z, gam, 4, 1, 1, NULL)), "singular: NaN");
	g.floor = 1e-6;
	double l = nids_gmm_energy_loss(&g, dz, dg, z, gam, 4, 1, 0, NULL);
	CHECK(isfinite(l), "the floor makes it positive definite: %g", l);
	nids_gmm_free(&g);
}

/* ---- softmax ---- */

struct sm_ctx {
	int B, K;
	float *logit, *p, *r;
};

static double sm_obj(void *q)
{
	struct sm_ctx *c = q;
	nids_softmax_forward(c->p, c->logit, c->B, c->K);
	double s = 0;
	for (int i = 0; i < c->B * c->K; i++)
		s += (double)c->r[i] * c->p[i];
	return s;
}

static void test_softmax(void)
{
	struct sm_ctx c = { 3, 4, nids_floats(12), nids_floats(12), nids_floats(12) };
	float *dl = nids_floats(12);
	fill(c.logit, 12, 2), fill(c.r, 12, 1);
	sm_obj(&c);
	nids_softmax_backward(dl, c.r, c.p, 3, 4);
	double e = fd_check(sm_obj, &c, c.logit, dl, 12);
	CHECK(e < 1e-2, "softmax: relative error %g", e);
	free(c.logit), free(c.p), free(c.r), free(dl);
}

/* ---- memory ---- */

struct mem_ctx {
	int B, N, C;
	float lambda, alpha;
	float *z, *mem, *zhat, *r;
	nids_memory_acts s;
};

static double mem_obj(void *p)
{
	struct mem_ctx *c = p;
	nids_memory_forward(c->zhat, c->z, c->mem, c->B, c->N, c->C, c->lambda, &c->s);
	double v = 0;
	for (int i = 0; i < c->B * c->C; i++)
		v += (double)c->r[i] * c->zhat[i];
	return v + nids_entropy_loss(NULL, c->s.what, c->B, c->N, c->alpha);
}

static void test_memory(void)
{
	struct mem_ctx c = { .B = 4, .N = 6, .C = 3, .lambda = 0.12f, .alpha = 0.3f };
	nids_scratch sc = { 0 };
	nids_memory_acts_plan(&c.s, c.B, c.N, c.C, &sc);
	CHECK(nids_scratch_alloc(&sc, NULL) == 0, "alloc");
	c.z = nids_floats(12), c.mem = nids_floats(18), c.zhat = nids_floats(12), c.r = nids_floats(12);
	float *dz = nids_floats(12), *dmem = nids_floats(18), *dwhat = nids_floats(24);
	/* draw until no attention weight sits within 0.01 of the shrink threshold (the kink) */
	int shrunk = 0, near = 1;
	for (int tries = 0; near && tries < 100; tries++) {
		fill(c.z, 12, 1), fill(c.mem, 18, 1), fill(c.r, 12, 1);
		mem_obj(&c);
		near = shrunk = 0;
		for (int i = 0; i < 24; i++) {
			near |= fabsf(c.s.w[i] - c.lambda) < 0.01f;
			shrunk += c.s.h[i] == 0;
		}
	}
	CHECK(!near && shrunk > 0, "a draw with some weights shrunk to 0 (%d)", shrunk);
	for (int i = 0; i < 4; i++) {
		double s = 0;
		for (int j = 0; j < 6; j++)
			s += c.s.what[i * 6 + j];
		CHECK(s == 0 || fabs(s - 1) < 1e-5, "row %d: attention sums to %g", i, s);
	}
	nids_entropy_loss(dwhat, c.s.what, c.B, c.N, c.alpha);
	nids_memory_backward(dz, dmem, c.r, dwhat, c.mem, c.B, c.N, c.C, c.lambda, &c.s);
	double ez = fd_check(mem_obj, &c, c.z, dz, 12);
	double em = fd_check(mem_obj, &c, c.mem, dmem, 18);
	CHECK(ez < 1e-2, "memory wrt z: relative error %g", ez);
	CHECK(em < 1e-2, "memory wrt the slots: relative error %g", em);
	nids_scratch_free(&sc);
	free(c.z), free(c.mem), free(c.zhat), free(c.r), free(dz), free(dmem), free(dwhat);
}

/* ---- DSEBM ---- */

struct dsebm_ctx {
	nids_mlp m;
	nids_arena a;
	nids_dsebm_acts s;
	int B, D;
	float *x, *t, *r, *bp;
};

/* sum (r(x) - t)^2: a score-matching loss with target t */
static double dsebm_obj(void *p)
{
	struct dsebm_ctx *c = p;
	nids_dsebm_forward(&c->m, &c->a, c->a.data, c->bp, &c->s, c->x, c->B, c->r, NULL);
	double v = 0;
	for (int i = 0; i < c->B * c->D; i++)
		v += ((double)c->r[i] - c->t[i]) * ((double)c->r[i] - c->t[i]);
	return v;
}

static void dsebm_case(int B, int nl, const int *dim)
{
	struct dsebm_ctx c = { .B = B, .D = dim[0] };
	int act[NIDS_MLP_MAX];
	for (int i = 0; i < nl; i++)
		act[i] = NIDS_ACT_SOFTPLUS;
	CHECK(nids_mlp_define(&c.m, &c.a, "f", nl, dim, act, NULL) == 0, "define");
	nids_arena_alloc(&c.a, NULL);
	fill(c.a.data, c.a.size, 0.8f);
	nids_scratch sc = { 0 };
	nids_dsebm_acts_plan(&c.s, &c.m, B, &sc);
	CHECK(nids_scratch_alloc(&sc, NULL) == 0, "alloc");
	size_t n = (size_t)B * c.D;
	c.x = nids_floats(n), c.t = nids_floats(n), c.r = nids_floats(n), c.bp = nids_floats(c.D);
	float *dr = nids_floats(n), *grads = nids_floats(c.a.size), *dbp = nids_floats(c.D);
	float *energy = nids_floats((size_t)B);
	fill(c.x, n, 1), fill(c.t, n, 1), fill(c.bp, c.D, 0.5f);
	/* the reconstruction is x minus the energy's gradient: check r against -dE/dx */
	nids_dsebm_forward(&c.m, &c.a, c.a.data, c.bp, &c.s, c.x, B, c.r, energy);
	for (int j = 0; j < c.D; j++) {
		float keep = c.x[j];
		float *e2 = nids_floats((size_t)B), *rr = nids_floats(n);
		c.x[j] = keep + EPS;
		nids_dsebm_forward(&c.m, &c.a, c.a.data, c.bp, &c.s, c.x, B, rr, e2);
		double up = e2[0];
		c.x[j] = keep - EPS;
		nids_dsebm_forward(&c.m, &c.a, c.a.data, c.bp, &c.s, c.x, B, rr, e2);
		double dE = (up - e2[0]) / (2.0 * EPS);
		c.x[j] = keep;
		CHECK(fabs((keep - dE) - c.r[j]) < 1e-2 * fmax(1, fabs(c.r[j])),
		      "r = x - dE/dx at feature %d: %g vs %g", j, keep - dE, c.r[j]);
		free(e2), free(rr);
	}
	dsebm_obj(&c);
	for (size_t i = 0; i < n; i++)
		dr[i] = 2.0f * (c.r[i] - c.t[i]);
	nids_dsebm_backward(&c.m, &c.a, c.a.data, grads, dbp, &c.s, dr, B);
	double ep = fd_check(dsebm_obj, &c, c.a.data, grads, c.a.size);
	double eb = fd_check(dsebm_obj, &c, c.bp, dbp, c.D);
	CHECK(ep < 1e-2, "dsebm %d layers: parameters: relative error %g", nl, ep);
	CHECK(eb < 1e-2, "dsebm: b': relative error %g", eb);
	nids_scratch_free(&sc);
	nids_arena_free(&c.a);
	free(c.x), free(c.t), free(c.r), free(c.bp), free(dr), free(grads), free(dbp), free(energy);
}

static void test_dsebm(void)
{
	int d1[] = { 4, 5 }, d2[] = { 4, 6, 3 }, d3[] = { 3, 5, 4, 6 };
	dsebm_case(1, 1, d1);
	dsebm_case(3, 2, d2);
	dsebm_case(5, 3, d3);
}

/* ---- the whole dagmm step: compression, z, estimation, dropout, batch GMM energy ---- */

struct step_ctx {
	nids_net net;
	const float *x;
	int B;
	float *grads;
};

/* The step's loss with the same dropout mask each time (the same draws). */
static double step_obj(void *p)
{
	struct step_ctx *c = p;
	nids_rng r;
	nids_rng_seed(&r, 99);
	return c->net.step(c->net.ctx, 0, c->x, NULL, c->B, 1.0f / (float)c->B, c->grads, &r);
}

/* Directional derivatives of the loss along random directions in parameter space against
 * the gradient the step accumulates: every layer and term together, as training sees
 * them, where the per-layer checks above see each alone. */
static void test_dagmm_step(void)
{
	enum { B = 64, D = 12 };
	nids_model *m = NULL;
	nids_err err = { 0 };
	CHECK(nids_model_new(&m, "dagmm", &err) == 0, "%s", err.msg);
	nids_model_set(m, "layers", "8,4,1", &err);
	m->d = D;
	m->seed = 5;
	struct step_ctx c = { .B = B };
	nids_scratch bufs = { 0 };
	CHECK(nids_dagmm_test_net(m, &c.net, B, &bufs, &err) == 0, "%s", err.msg);
	float *x = malloc(sizeof(float) * B * D), *g = calloc(c.net.nparams, sizeof(float));
	float *dir = malloc(sizeof(float) * c.net.nparams);
	/* the evaluations also ask for gradients (into a scratch buffer): dropout runs only
	 * then, and the reseeded draws give every evaluation the same mask */
	float *scratch = calloc(c.net.nparams, sizeof(float));
	for (int i = 0; i < B * D; i++) /* rows in [0, 1], two clusters */
		x[i] = (i / D) % 2 ? 0.8f * nids_rng_uniform(&rng) : 0.2f + 0.1f * nids_rng_uniform(&rng);
	c.x = x;
	c.grads = g;
	step_obj(&c);
	c.grads = scratch;
	double worst = 0;
	for (int t = 0; t < 5; t++) {
		fill(dir, c.net.nparams, 1.0f);
		double gd = 0;
		for (size_t i = 0; i < c.net.nparams; i++)
			gd += (double)g[i] * dir[i];
		const float h = 1e-3f;
		for (size_t i = 0; i < c.net.nparams; i++)
			c.net.params[i] += h * dir[i];
		double up = step_obj(&c);
		for (size_t i = 0; i < c.net.nparams; i++)
			c.net.params[i] -= 2 * h * dir[i];
		double down = step_obj(&c);
		for (size_t i = 0; i < c.net.nparams; i++)
			c.net.params[i] += h * dir[i];
		double num = (up - down) / (2.0 * h);
		double rel = fabs(num - gd) / fmax(fabs(num) + fabs(gd), 1e-2);
		worst = rel > worst ? rel : worst;
	}
	CHECK(worst < 2e-2, "dagmm step: directional derivative off by %.3g (relative)", worst);
	free(x);
	free(g);
	free(dir);
	free(scratch);
	nids_scratch_free(&bufs);
	nids_model_free(m);
}

int main(void)
{
	nids_rng_seed(&rng, 7);
	TEST(test_recon_feats);
	TEST(test_gmm_energy);
	TEST(test_energy_singular);
	TEST(test_softmax);
	TEST(test_memory);
	TEST(test_dsebm);
	TEST(test_dagmm_step);
	return CHECK_DONE();
}
