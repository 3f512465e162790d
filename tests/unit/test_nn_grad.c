/* test_nn_grad.c: every layer and loss of nn_impl.h against central finite differences
 * (eps 1e-3, relative error < 1e-2, float32), at B = 1 and B > 1; plus the optimizer
 * and the generator's determinism. */
#include <stdlib.h>

#include "check.h"
#include "fd_check.h"
#include "nn_impl.h"

static nids_rng rng;

/* random values in [-1, 1] kept at least 0.05 away from 0 (away from ReLU/|x| kinks) */
static void fill(float *p, size_t n, float scale)
{
	for (size_t i = 0; i < n; i++) {
		float u = 2.0f * nids_rng_uniform(&rng) - 1.0f;
		if (fabsf(u) < 0.05f)
			u = u < 0 ? -0.05f - u : 0.05f + u;
		p[i] = scale * u;
	}
}

/* ---- dense ---- */

struct dense_ctx {
	int B, I, O;
	float *x, *w, *b, *out, *r;
};

static double dense_obj(void *p)
{
	struct dense_ctx *c = p;
	nids_dense_forward(c->out, c->x, c->w, c->b, c->B, c->I, c->O);
	double s = 0;
	for (int i = 0; i < c->B * c->O; i++)
		s += (double)c->r[i] * c->out[i];
	return s;
}

static void dense_case(int B, int I, int O)
{
	struct dense_ctx c = { B, I, O, nids_floats(B * I), nids_floats(O * I), nids_floats(O),
		               nids_floats(B * O), nids_floats(B * O) };
	float *dx = nids_floats(B * I), *dw = nids_floats(O * I), *db = nids_floats(O);
	fill(c.x, B * I, 1);
	fill(c.w, O * I, 1);
	fill(c.b, O, 1);
	fill(c.r, B * O, 1);
	dense_obj(&c);
	nids_dense_backward(dx, dw, db, c.r, c.x, c.w, B, I, O);
	CHECK(fd_check(dense_obj, &c, c.x, dx, B * I) < 1e-2, "dense dx B=%d", B);
	CHECK(fd_check(dense_obj, &c, c.w, dw, O * I) < 1e-2, "dense dw B=%d", B);
	CHECK(fd_check(dense_obj, &c, c.b, db, O) < 1e-2, "dense db B=%d", B);
	/* backward accumulates: a second call doubles the gradients */
	float first = dw[0];
	nids_dense_backward(dx, dw, db, c.r, c.x, c.w, B, I, O);
	CHECK_NEAR(dw[0], 2 * first, 1e-5);
	free(c.x), free(c.w), free(c.b), free(c.out), free(c.r), free(dx), free(dw), free(db);
}

static void test_dense(void)
{
	dense_case(1, 5, 3);
	dense_case(7, 4, 6);
}

/* ---- activations ---- */

struct act_ctx {
	int act;
	size_t n;
	float *x, *y, *r;
};

static double act_obj(void *p)
{
	struct act_ctx *c = p;
	nids_act_forward(c->y, c->x, c->n, c->act);
	double s = 0;
	for (size_t i = 0; i < c->n; i++)
		s += (double)c->r[i] * c->y[i];
	return s;
}

static void test_activations(void)
{
	for (int act = 0; act < NIDS_ACT_COUNT; act++)
		for (size_t n = 1; n <= 12; n += 11) {
			struct act_ctx c = { act, n, nids_floats(n), nids_floats(n), nids_floats(n) };
			float *dx = nids_floats(n);
			fill(c.x, n, 2);
			fill(c.r, n, 1);
			act_obj(&c);
			nids_act_backward(dx, c.r, c.x, c.y, n, act);
			CHECK(fd_check(act_obj, &c, c.x, dx, n) < 1e-2, "%s n=%zu", nids_act_name(act), n);
			CHECK(nids_act_parse(nids_act_name(act)) == act, "name %d", act);
			free(c.x), free(c.y), free(c.r), free(dx);
		}
	CHECK(nids_act_parse("gelu") == -1, "unknown activation");
	/* values at known points */
	float x[3] = { -2, 0, 3 }, y[3];
	nids_act_forward(y, x, 3, NIDS_ACT_LEAKY);
	CHECK_NEAR(y[0], -0.02, 1e-7);
	nids_act_forward(y, x, 3, NIDS_ACT_SOFTPLUS);
	CHECK_NEAR(y[1], log(2.0), 1e-6);
	nids_act_forward(y, x, 3, NIDS_ACT_SIGMOID);
	CHECK_NEAR(y[2], 1 / (1 + exp(-3.0)), 1e-6);
}

/* tanh goes through libmvec's vector tanhf: against tanh in double, over a grid that
 * covers the saturated tails, with a length that leaves a scalar tail, in place too. */
static void test_tanh_accuracy(void)
{
	enum { N = 20003 };
	float *x = nids_floats(N), *y = nids_floats(N);
	for (int i = 0; i < N; i++)
		x[i] = -20.0f + 40.0f * (float)i / (N - 1);
	x[0] = 0.0f, x[1] = -0.0f, x[2] = 1e-30f, x[3] = INFINITY, x[4] = -INFINITY;
	nids_act_forward(y, x, N, NIDS_ACT_TANH);
	double worst = 0;
	for (int i = 0; i < N; i++) {
		double want = tanh((double)x[i]), err = fabs(y[i] - want) / fmax(fabs(want), 1e-30);
		worst = err > worst ? err : worst;
	}
	/* 4 float ulps near 1 */
	CHECK(worst < 5e-7, "worst relative error %g", worst);
	CHECK(y[3] == 1.0f && y[4] == -1.0f && y[0] == 0.0f && y[2] == 1e-30f, "special values");
	nids_act_forward(x, x, N, NIDS_ACT_TANH);
	CHECK(memcmp(x, y, N * sizeof(float)) == 0, "in place equals out of place");
	free(x), free(y);
}

/* ---- dropout ---- */

struct drop_ctx {
	size_t n;
	float p;
	float *x, *y, *mask, *r;
};

static double drop_obj(void *p)
{
	struct drop_ctx *c = p;
	nids_rng local;
	nids_rng_seed(&local, 99); /* the same mask for every evaluation */
	nids_dropout_forward(c->y, c->mask, c->x, c->n, c->p, &local);
	double s = 0;
	for (size_t i = 0; i < c->n; i++)
		s += (double)c->r[i] * c->y[i];
	return s;
}

static void test_dropout(void)
{
	for (size_t n = 1; n <= 50; n += 49) {
		struct drop_ctx c = { n, 0.5f, nids_floats(n), nids_floats(n), nids_floats(n),
			              nids_floats(n) };
		float *dx = nids_floats(n);
		fill(c.x, n, 1);
		fill(c.r, n, 1);
		drop_obj(&c);
		nids_dropout_backward(dx, c.r, c.mask, n);
		CHECK(fd_check(drop_obj, &c, c.x, dx, n) < 1e-2, "dropout n=%zu", n);
		int zeros = 0;
		for (size_t i = 0; i < n; i++) {
			zeros += c.mask[i] == 0;
			CHECK(c.mask[i] == 0 || c.mask[i] == 2.0f, "mask %g", c.mask[i]);
		}
		if (n == 50)
			CHECK(zeros > 10 && zeros < 40, "%d of 50 dropped at p=0.5", zeros);
		free(c.x), free(c.y), free(c.mask), free(c.r), free(dx);
	}
}

/* ---- reparameterisation ---- */

struct rep_ctx {
	size_t n;
	float *mu, *lv, *eps, *z, *r;
};

static double rep_obj(void *p)
{
	struct rep_ctx *c = p;
	nids_reparam_forward(c->z, c->mu, c->lv, c->eps, c->n);
	double s = 0;
	for (size_t i = 0; i < c->n; i++)
		s += (double)c->r[i] * c->z[i];
	return s;
}

static void test_reparam(void)
{
	for (size_t n = 1; n <= 9; n += 8) {
		struct rep_ctx c = { n, nids_floats(n), nids_floats(n), nids_floats(n), nids_floats(n),
			             nids_floats(n) };
		float *dmu = nids_floats(n), *dlv = nids_floats(n);
		fill(c.mu, n, 1), fill(c.lv, n, 1), fill(c.eps, n, 1), fill(c.r, n, 1);
		rep_obj(&c);
		nids_reparam_backward(dmu, dlv, c.r, c.lv, c.eps, n);
		CHECK(fd_check(rep_obj, &c, c.mu, dmu, n) < 1e-2, "reparam dmu n=%zu", n);
		CHECK(fd_check(rep_obj, &c, c.lv, dlv, n) < 1e-2, "reparam dlogvar n=%zu", n);
		free(c.mu), free(c.lv), free(c.eps), free(c.z), free(c.r), free(dmu), free(dlv);
	}
}

/* ---- losses ---- */

enum { MSE, MAE, GAUSS, BCE, XENT, KLN, KLS, L1, L2, NLOSS };
static const char *LOSS_NAMES[NLOSS] = { "mse", "mae", "gauss_nll", "bce", "xent",
	                                 "kl_normal", "kl_sparsity", "l1", "l2" };

struct loss_ctx {
	int kind, B, D;
	float *a, *b, *x; /* first and second differentiable inputs, target */
	int *y;
	float *ga, *gb;   /* gradients, NULL for the value-only evaluations */
};

static double loss_eval(struct loss_ctx *c, float *ga, float *gb)
{
	int B = c->B, D = c->D;
	float s = 1.0f / (float)B;
	switch (c->kind) {
	case MSE: return nids_mse_loss(ga, c->a, c->x, B, D, s);
	case MAE: return nids_mae_loss(ga, c->a, c->x, B, D, s);
	case GAUSS: return nids_gauss_nll_loss(ga, gb, c->a, c->b, c->x, B, D, -0.5f, s);
	case BCE: return nids_bce_loss(ga, c->a, c->x, B, D, s);
	case XENT: return nids_xent_loss(ga, c->a, c->y, B, D, s);
	case KLN: return nids_kl_normal_loss(ga, gb, c->a, c->b, B, D, s);
	case KLS: return nids_kl_sparsity_loss(ga, c->x, B, D, 0.05f, 3.0f);
	case L1: return nids_l1_loss(ga, c->a, (size_t)B * D, 0.3f);
	default: return nids_l2_loss(ga, c->a, (size_t)B * D, 0.3f);
	}
}

static double loss_obj(void *p) { return loss_eval(p, NULL, NULL); }

static void loss_case(int kind, int B, int D)
{
	size_t n = (size_t)B * D;
	struct loss_ctx c = { kind, B, D, nids_floats(n), nids_floats(n), nids_floats(n),
		              calloc((size_t)B, sizeof(int)), nids_floats(n), nids_floats(n) };
	fill(c.a, n, 1);
	fill(c.b, n, 1); /* log-variances in [-1, 1]: some below the -0.5 floor */
	for (size_t i = 0; i < n; i++)
		c.x[i] = nids_rng_uniform(&rng); /* targets in [0,1); sparsity activations */
	for (int r = 0; r < B; r++)
		c.y[r] = (int)nids_rng_below(&rng, (uint64_t)D);
	loss_eval(&c, c.ga, c.gb);
	float *wrt = kind == KLS ? c.x : c.a;
	CHECK(fd_check(loss_obj, &c, wrt, c.ga, n) < 1e-2, "%s B=%d first input", LOSS_NAMES[kind], B);
	if (kind == GAUSS || kind == KLN)
		CHECK(fd_check(loss_obj, &c, c.b, c.gb, n) < 1e-2, "%s B=%d second input",
		      LOSS_NAMES[kind], B);
	free(c.a), free(c.b), free(c.x), free(c.y), free(c.ga), free(c.gb);
}

static void test_losses(void)
{
	for (int k = 0; k < NLOSS; k++) {
		loss_case(k, 1, 5);
		loss_case(k, 6, 4);
	}
	/* exact values */
	float p[2] = { 1, 3 }, x[2] = { 0, 1 };
	CHECK_NEAR(nids_mse_loss(NULL, p, x, 1, 2, 1), 2.5, 1e-9);
	CHECK_NEAR(nids_mae_loss(NULL, p, x, 1, 2, 1), 1.5, 1e-9);
	float mu[1] = { 0 }, lv[1] = { 0 }, z[1] = { 0 };
	CHECK_NEAR(nids_gauss_nll_loss(NULL, NULL, mu, lv, z, 1, 1, -10, 1), 0.5 * log(2 * M_PI),
	           1e-7);
	CHECK_NEAR(nids_kl_normal_loss(NULL, NULL, mu, lv, 1, 1, 1), 0, 1e-9);
	float l[2] = { 0, 0 };
	int y[1] = { 1 };
	CHECK_NEAR(nids_xent_loss(NULL, l, y, 1, 2, 1), log(2.0), 1e-7);
	float sm[2];
	nids_softmax_forward(sm, p, 1, 2);
	CHECK_NEAR(sm[0] + sm[1], 1, 1e-6);
	CHECK_NEAR(sm[1], 1 / (1 + exp(-2.0)), 1e-6);
}

/* ---- the MLP as a whole, with an extra gradient on a hidden layer ---- */

struct mlp_ctx {
	nids_mlp m;
	nids_arena a;
	nids_mlp_acts s;
	float *x, *r, *q;
	int B;
};

static double mlp_obj(void *p)
{
	struct mlp_ctx *c = p;
	float *y = nids_mlp_forward(&c->m, &c->a, c->a.data, &c->s, c->x, c->B);
	double v = 0;
	for (int i = 0; i < c->B * c->m.dim[c->m.nlayers]; i++)
		v += (double)c->r[i] * y[i];
	for (int i = 0; i < c->B * c->m.dim[1]; i++) /* a penalty q . h on the first hidden layer */
		v += (double)c->q[i] * c->s.out[0][i];
	return v;
}

static void mlp_case(int B)
{
	struct mlp_ctx c = { .B = B };
	int dim[4] = { 5, 4, 3, 5 }, act[3] = { NIDS_ACT_TANH, NIDS_ACT_SIGMOID, NIDS_ACT_NONE };
	nids_err err = { 0 };
	CHECK(nids_mlp_define(&c.m, &c.a, "l", 3, dim, act, &err) == 0, "%s", err.msg);
	CHECK(nids_arena_alloc(&c.a, &err) == 0, "%s", err.msg);
	nids_scratch sc = { 0 };
	nids_mlp_acts_plan(&c.s, &c.m, B, 1, &sc);
	CHECK(nids_scratch_alloc(&sc, &err) == 0, "%s", err.msg);
	nids_mlp_init(&c.m, &c.a, c.a.data, &rng);
	fill(c.a.data, c.a.size, 1);
	c.x = nids_floats(B * 5), c.r = nids_floats(B * 5), c.q = nids_floats(B * 4);
	fill(c.x, B * 5, 1), fill(c.r, B * 5, 1), fill(c.q, B * 4, 1);
	float *grads = nids_floats(c.a.size), *dx = nids_floats(B * 5);
	mlp_obj(&c);
	float *extra[3] = { c.q, NULL, NULL };
	nids_mlp_backward(&c.m, &c.a, c.a.data, grads, &c.s, c.r, extra, dx, B);
	CHECK(fd_check(mlp_obj, &c, c.x, dx, B * 5) < 1e-2, "mlp dx B=%d", B);
	CHECK(fd_check(mlp_obj, &c, c.a.data, grads, c.a.size) < 1e-2, "mlp params B=%d", B);
	free(c.x), free(c.r), free(c.q), free(grads), free(dx);
	nids_scratch_free(&sc);
	nids_arena_free(&c.a);
}

static void test_mlp(void)
{
	mlp_case(1);
	mlp_case(8);
}

/* ---- arena, optimizers, rng ---- */

static void test_arena(void)
{
	nids_arena a = { 0 }, b = { 0 };
	nids_err err = { 0 };
	CHECK(nids_arena_add(&a, "w", 3, 5, &err) == 0, "first index");
	CHECK(nids_arena_add(&a, "b", 1, 5, &err) == 1, "second index");
	CHECK(a.t[1].off == 16, "64-byte aligned offset, got %zu", a.t[1].off);
	CHECK(nids_arena_add(&a, "w", 1, 1, &err) == NIDS_EUSAGE, "duplicate name");
	CHECK(nids_arena_add(&a, "z", 0, 1, &err) == NIDS_EUSAGE, "empty shape");
	CHECK(nids_arena_alloc(&a, &err) == 0, "alloc");
	CHECK(((uintptr_t)a.data & 63) == 0, "aligned block");
	nids_arena_add(&b, "w", 3, 4, &err);
	nids_arena_alloc(&b, &err);
	CHECK(nids_arena_fill_from(&b, &a, &err) == NIDS_EFORMAT, "shape mismatch");
	CHECK(strstr(err.msg, "'w' is 3 x 5, the model needs 3 x 4") != NULL, "%s", err.msg);
	nids_arena_free(&a);
	nids_arena_free(&b);
}

static void test_optim(void)
{
	/* minimise sum (p - 3)^2 from 0: both optimizers converge */
	for (int kind = 0; kind < 2; kind++) {
		nids_optim o;
		nids_err err = { 0 };
		float p[4] = { 0 }, g[4];
		CHECK(nids_optim_init(&o, kind, 4, kind ? 0.01f : 0.1f, &err) == 0, "init");
		for (int t = 0; t < 2000; t++) {
			for (int i = 0; i < 4; i++)
				g[i] = 2 * (p[i] - 3);
			nids_optim_step(&o, p, g);
		}
		CHECK_NEAR(p[2], 3, 1e-3);
		nids_optim_free(&o);
	}
	/* Adam's first step moves each parameter by lr against the gradient's sign */
	nids_optim o;
	float p[2] = { 1, 1 }, g[2] = { 5, -0.2f };
	nids_optim_init(&o, NIDS_OPTIM_ADAM, 2, 0.01f, NULL);
	nids_optim_step(&o, p, g);
	CHECK_NEAR(p[0], 0.99, 1e-6);
	CHECK_NEAR(p[1], 1.01, 1e-6);
	nids_optim_free(&o);
}

static void test_rng(void)
{
	nids_rng a, b;
	nids_rng_seed(&a, 42);
	nids_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		CHECK(nids_rng_next(&a) == nids_rng_next(&b), "same seed, same stream");
	nids_rng_seed(&b, 43);
	CHECK(nids_rng_next(&a) != nids_rng_next(&b), "different seeds differ");
	double s = 0, s2 = 0;
	for (int i = 0; i < 20000; i++) {
		float z = nids_rng_normal(&a);
		s += z, s2 += (double)z * z;
	}
	CHECK(fabs(s / 20000) < 0.03 && fabs(s2 / 20000 - 1) < 0.05, "normal moments %g %g",
	      s / 20000, s2 / 20000);
	uint32_t idx[10];
	nids_rng_permutation(&a, idx, 10);
	int seen = 0;
	for (int i = 0; i < 10; i++)
		seen |= 1 << idx[i];
	CHECK(seen == 1023, "permutation covers 0..9");
}

/* The scratch: one zeroed block, every buffer 64-byte aligned and apart from the
 * others, aliases pointing at their buffer, doubles too; freeing empties it. */
static void test_scratch(void)
{
	nids_scratch sc = { 0 };
	float *a = NULL, *b = NULL, *c = NULL, *same = NULL;
	double *d = NULL;
	nids_scratch_add(&sc, &a, 3);
	nids_scratch_add(&sc, &b, 0);
	nids_scratch_alias(&sc, &same, &a);
	nids_scratch_add_doubles(&sc, &d, 9);
	nids_scratch_add(&sc, &c, 17);
	CHECK(nids_scratch_alloc(&sc, NULL) == 0, "alloc");
	CHECK(sc.size == 16 + 16 + 32 + 32, "size %zu floats", sc.size);
	CHECK(a == sc.mem && b == a + 16 && (float *)(void *)d == b + 16 && c == b + 48,
	      "buffers in listed order, each rounded up to 64 bytes");
	CHECK(same == a, "alias");
	CHECK(((uintptr_t)a | (uintptr_t)b | (uintptr_t)c | (uintptr_t)d) % 64 == 0, "aligned");
	int zero = 1;
	for (size_t i = 0; i < sc.size; i++)
		zero &= sc.mem[i] == 0;
	CHECK(zero, "zeroed");
	CHECK(sc.t == NULL && sc.n == 0, "the table is dropped once allocated");
	nids_scratch_free(&sc);
	CHECK(sc.mem == NULL && sc.size == 0, "freed");
}

int main(void)
{
	nids_rng_seed(&rng, 1);
	TEST(test_dense);
	TEST(test_activations);
	TEST(test_tanh_accuracy);
	TEST(test_dropout);
	TEST(test_reparam);
	TEST(test_losses);
	TEST(test_mlp);
	TEST(test_arena);
	TEST(test_scratch);
	TEST(test_optim);
	TEST(test_rng);
	return CHECK_DONE();
}
