/* test_explain.c: TreeSHAP against brute-force Shapley values of the path-dependent
 * value function, Fast TreeSHAP (tabulated and computed leaves, batches) against
 * Lundberg et al.'s Algorithm 2, kernel SHAP against brute-force Shapley values with
 * every coalition, efficiency with sampled coalitions, the closed form of a linear model, the
 * k-means background summary, and a waterfall's coordinates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "classic_model_impl.h"
#include "explain_impl.h"
#include "nids/explain.h"
#include "model_impl.h"
#include "nids/score.h"
#include "rng_impl.h"

/* Shapley values phi [d] of the value function v over d features, by the definition:
 * the weighted marginal contribution of i to every coalition without it. */
static void brute_shapley(int d, double (*v)(void *ctx, const unsigned char *in), void *ctx,
                          double *phi)
{
	unsigned char in[32] = { 0 };
	double *fact = malloc(sizeof(double) * (size_t)(d + 1));
	fact[0] = 1;
	for (int i = 1; i <= d; i++)
		fact[i] = fact[i - 1] * i;
	memset(phi, 0, sizeof(double) * (size_t)d);
	for (unsigned long S = 0; S < (1ul << d); S++) {
		int s = 0;
		for (int j = 0; j < d; j++)
			s += in[j] = (S >> j) & 1;
		double vs = v(ctx, in);
		for (int i = 0; i < d; i++) {
			if (in[i])
				continue;
			in[i] = 1;
			double w = fact[s] * fact[d - s - 1] / fact[d];
			phi[i] += w * (v(ctx, in) - vs);
			in[i] = 0;
		}
	}
	free(fact);
}

/* ---- TreeSHAP ---- */

#define TN 300
#define TD 5
static float TX[TN * TD];
static int TLABEL[TN], TCLS[TN];
static char *TFEAT[TD] = { "a", "b", "c", "d", "e" };
static char *TCLASSES[2] = { "normal", "attack" };

static nids_model *fit_trees(const char *type, const char *depth, const char *ntrees)
{
	nids_rng rng;
	nids_rng_seed(&rng, 5);
	for (int i = 0; i < TN; i++) {
		for (int j = 0; j < TD; j++)
			TX[i * TD + j] = nids_rng_uniform(&rng);
		float *x = TX + i * TD;
		TLABEL[i] = (x[0] > 0.5f) ^ (x[1] > 0.3f) ^ (x[2] + x[3] > 1.1f) ^ (nids_rng_uniform(&rng) < 0.1f);
		TCLS[i] = TLABEL[i];
	}
	nids_dataset ds = { .n = TN, .d = TD, .x = TX, .label = TLABEL, .cls = TCLS, .nclasses = 2,
		            .classes = TCLASSES, .features = TFEAT }, none = ds;
	none.n = 0;
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_opts o = { .threads = 1 };
	CHECK(nids_model_new(&m, type, &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "max-depth", depth, &err) == 0, "%s", err.msg);
	if (ntrees)
		CHECK(nids_model_set(m, "trees", ntrees, &err) == 0, "%s", err.msg);
	m->seed = 3;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit %s: %s", type, err.msg);
	return m;
}

struct tv {
	const nids_treeshap *t;
	const float *x;
};

static double tree_v(void *ctx, const unsigned char *in)
{
	struct tv *c = ctx;
	return nids_treeshap_value(c->t, c->x, in);
}

static void treeshap_case(const char *type, const char *depth, const char *ntrees, size_t nbg)
{
	nids_model *m = fit_trees(type, depth, ntrees);
	nids_treeshap *t = NULL;
	nids_err err = { 0 };
	CHECK(nids_treeshap_new(&t, m, TX, nbg, &err) == 0, "%s", err.msg);
	nids_scorer *s = NULL;
	CHECK(nids_scorer_new(&s, m, 0, 1, 1, &err) == 0, "%s", err.msg);
	double phi[TD], want[TD], worst = 0, worst_eff = 0;
	for (int r = 0; r < 40; r++) {
		const float *x = TX + (size_t)(r * 7) * TD;
		double base = nids_treeshap_row(t, x, phi);
		struct tv c = { t, x };
		brute_shapley(TD, tree_v, &c, want);
		double sum = base;
		for (int j = 0; j < TD; j++) {
			worst = fmax(worst, fabs(phi[j] - want[j]));
			sum += phi[j];
		}
		unsigned char all[TD] = { 1, 1, 1, 1, 1 };
		worst_eff = fmax(worst_eff, fabs(sum - nids_treeshap_value(t, x, all)));
		float score;
		nids_scorer_run(s, x, 1, 0, &score);
		CHECK(fabs(sum - score) <= 1e-6, "%s row %d: base + sum %.9g, score %.9g", type, r,
		      sum, score);
	}
	CHECK(worst <= 1e-9, "%s depth %s: TreeSHAP vs brute force differs by %g", type, depth, worst);
	CHECK(worst_eff <= 1e-12, "%s: efficiency off by %g", type, worst_eff);
	CHECK(nids_treeshap_walked(t) == (ntrees ? atoi(ntrees) : 1), "%s depth %s: %d trees walked",
	      type, depth, nids_treeshap_walked(t));
	/* Fast TreeSHAP with every leaf tabulated (v2), with none (v1's leaves), and as made by
	 * default, against Lundberg et al.'s Algorithm 2 */
	nids_treeshap *path = NULL, *tab = NULL, *poly = NULL;
	CHECK(nids_treeshap_new_opt(&path, m, TX, nbg, 0, 1, &err) == 0, "%s", err.msg);
	CHECK(nids_treeshap_new_opt(&tab, m, TX, nbg, 20, 0, &err) == 0, "%s", err.msg);
	CHECK(nids_treeshap_new_opt(&poly, m, TX, nbg, 0, 0, &err) == 0, "%s", err.msg);
	CHECK(nids_treeshap_walked(path) == 0, "the path algorithm walked %d trees",
	      nids_treeshap_walked(path));
	enum { R = 40 };
	double *ref = malloc(sizeof(double) * R * TD), *got = malloc(sizeof(double) * R * TD);
	nids_treeshap *fast[3] = { t, tab, poly };
	double diff[3] = { 0 };
	for (int r = 0; r < R; r++)
		CHECK(nids_treeshap_row(path, TX + (size_t)(r * 7) * TD, ref + r * TD) == nids_treeshap_base(t),
		      "base values differ");
	for (int k = 0; k < 3; k++)
		for (int r = 0; r < R; r++) {
			nids_treeshap_row(fast[k], TX + (size_t)(r * 7) * TD, got);
			for (int j = 0; j < TD; j++)
				diff[k] = fmax(diff[k], fabs(got[j] - ref[r * TD + j]));
		}
	CHECK(diff[0] <= 1e-9 && diff[1] <= 1e-9 && diff[2] <= 1e-9, "%s depth %s: Fast TreeSHAP "
	      "vs Algorithm 2: %g as made, %g tabulated, %g computed", type, depth, diff[0], diff[1],
	      diff[2]);
	/* a batch of rows gives each row the values it gets alone, bit for bit */
	float *xs = malloc(sizeof(float) * R * TD);
	for (int r = 0; r < R; r++)
		memcpy(xs + r * TD, TX + (size_t)(r * 7) * TD, sizeof(float) * TD);
	for (int k = 0; k < 3; k++) {
		nids_treeshap_rows(fast[k], xs, R, ref);
		int same = 1;
		for (int r = 0; r < R; r++) {
			nids_treeshap_row(fast[k], xs + r * TD, got);
			same &= !memcmp(got, ref + r * TD, sizeof(double) * TD);
		}
		CHECK(same, "%s depth %s: a batch's values differ from the rows' alone", type, depth);
	}
	free(xs), free(ref), free(got);
	nids_treeshap_free(path), nids_treeshap_free(tab), nids_treeshap_free(poly);
	nids_scorer_free(s);
	nids_treeshap_free(t);
	nids_model_free(m);
}

static void test_treeshap_tree(void)
{
	treeshap_case("tree", "3", NULL, TN);
	treeshap_case("tree", "8", NULL, TN); /* features repeat along paths */
	treeshap_case("tree", "6", NULL, 0);  /* no background: every branch one half */
}

static void test_treeshap_forest(void)
{
	treeshap_case("forest", "6", "7", TN);
	treeshap_case("forest", "0", "3", 50);
}

/* A tree of one split on feature a at thr, its leaves P(attack) 0 (a <= thr) and 1:
 * with background rows nl on the <= side and nr on the other, the base value is the
 * right leaf's cover, smoothed as (n_branch + 1/2) / (n_node + 1) (nids-explain(1)):
 * (nr + 1/2) / (nl + nr + 1); a row on the right gets a the rest, 1 - base. Background
 * rows exactly at thr go the <= way, as rows do when scored. */
static void test_treeshap_covers(void)
{
	enum { NT = 20 };
	static float x[NT * TD];
	static int label[NT];
	for (int i = 0; i < NT; i++) {
		for (int j = 0; j < TD; j++)
			x[i * TD + j] = 0.25f;
		x[i * TD] = (float)i / NT;
		label[i] = i >= NT / 2;
	}
	nids_dataset ds = { .n = NT, .d = TD, .x = x, .label = label, .cls = label, .nclasses = 2,
		            .classes = TCLASSES, .features = TFEAT }, none = ds;
	none.n = 0;
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_opts o = { .threads = 1 };
	CHECK(nids_model_new(&m, "tree", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "max-depth", "1", &err) == 0, "%s", err.msg);
	CHECK(m && nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit: %s", err.msg);
	if (!m || !m->state)
		return;
	const struct nids_trees_state *s = m->state;
	int root = s->root[0], l = s->cn[root].child[0], r = s->cn[root].child[1];
	CHECK(s->ntrees == 1 && l != root && s->cn[root].feature == 0 && s->cn[l].child[0] == l &&
	              s->cn[r].child[0] == r && s->pattack[l] == 0 && s->pattack[r] == 1,
	      "not the tree of one split on a");
	float thr = s->cn[root].thr;
	CHECK(thr > 0.45f && thr < 0.5f, "threshold %.9g", thr);
	/* background: below, below, below, above; then below, below, at thr, above */
	float bg[2][4 * TD];
	const float a[2][4] = { { 0.1f, 0.2f, 0.3f, 0.9f }, { 0.1f, 0.2f, thr, 0.9f } };
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < 4; i++) {
			for (int j = 0; j < TD; j++)
				bg[b][i * TD + j] = 0.25f;
			bg[b][i * TD] = a[b][i];
		}
	for (int b = 0; b < 2; b++) {
		nids_treeshap *t = NULL;
		CHECK(nids_treeshap_new(&t, m, bg[b], 4, &err) == 0, "%s", err.msg);
		if (!t)
			continue;
		double want = (1 + 0.5) / (4 + 1); /* 3 rows on the <= side, 1 on the other */
		CHECK(fabs(nids_treeshap_base(t) - want) <= 1e-15, "background %d: base %.17g, want %.17g",
		      b, nids_treeshap_base(t), want);
		double phi[TD];
		double base = nids_treeshap_row(t, x + (NT - 1) * TD, phi);
		CHECK(base == nids_treeshap_base(t), "row base %.17g", base);
		CHECK(fabs(phi[0] - (1 - want)) <= 1e-15 && phi[1] == 0 && phi[4] == 0,
		      "background %d: phi %.17g %g %g, want %.17g", b, phi[0], phi[1], phi[4], 1 - want);
		nids_treeshap_free(t);
	}
	nids_model_free(m);
}

static void test_treeshap_refuses(void)
{
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_treeshap *t = NULL;
	CHECK(nids_model_new(&m, "ae", &err) == 0, "%s", err.msg);
	CHECK(nids_treeshap_new(&t, m, NULL, 0, &err) == NIDS_EUSAGE, "ae accepted");
	CHECK(strstr(err.msg, "not ae"), "%s", err.msg);
	nids_model_free(m);
}

/* ---- kernel SHAP ---- */

static double nonlinear(const float *x)
{
	return x[0] * x[1] + sin(3 * x[2]) + x[3] * x[3] * x[4] + fmax(x[5], x[6]) + exp(x[7]) * x[0] -
	       (x[8] > 0.5 ? x[9] * x[10] : x[11]);
}

static void f_nonlinear(void *ctx, const float *x, int B, double *out)
{
	int d = *(int *)ctx;
	for (int r = 0; r < B; r++)
		out[r] = nonlinear(x + (size_t)r * d);
}

struct kv {
	int d, nbg;
	const float *bg, *x;
	const double *w;
};

/* E_b f(x on in, background b elsewhere), the value kernel SHAP's fit recovers. */
static double kernel_v(void *ctx, const unsigned char *in)
{
	struct kv *c = ctx;
	float row[16];
	double v = 0, ws = 0;
	for (int b = 0; b < c->nbg; b++) {
		for (int j = 0; j < c->d; j++)
			row[j] = in[j] ? c->x[j] : c->bg[b * c->d + j];
		v += c->w[b] * nonlinear(row);
		ws += c->w[b];
	}
	return v / ws;
}

static void random_rows(float *x, int n, int d, uint64_t seed)
{
	nids_rng rng;
	nids_rng_seed(&rng, seed);
	for (int i = 0; i < n * d; i++)
		x[i] = nids_rng_uniform(&rng);
}

static void test_kshap_exact(void)
{
	int d = 12, nbg = 6;
	float bg[6 * 12], x[5 * 12];
	double w[6] = { 1, 2, 3, 1, 0.5, 4 }, phi[12], want[12];
	random_rows(bg, nbg, d, 1);
	random_rows(x, 5, d, 2);
	x[3] = bg[3]; /* a feature may equal some background rows, not all */
	nids_kshap *k = NULL;
	nids_err err = { 0 };
	CHECK(nids_kshap_new(&k, d, bg, w, nbg, 4094, 7, f_nonlinear, &d, 1000, &err) == 0, "%s",
	      err.msg);
	double worst = 0;
	for (int r = 0; r < 5; r++) {
		double fx;
		CHECK(nids_kshap_row(k, x + r * d, phi, &fx, &err) == 0, "%s", err.msg);
		CHECK(nids_kshap_coalitions(k) == 4094, "%d coalitions", nids_kshap_coalitions(k));
		struct kv c = { d, nbg, bg, x + r * d, w };
		brute_shapley(d, kernel_v, &c, want);
		for (int j = 0; j < d; j++)
			worst = fmax(worst, fabs(phi[j] - want[j]));
	}
	CHECK(worst <= 1e-6, "kernel SHAP with every coalition vs brute force: %g", worst);
	nids_kshap_free(k);
}

static void test_kshap_efficiency(void)
{
	int d = 12, nbg = 9;
	float bg[9 * 12], x[12];
	double phi[12];
	random_rows(bg, nbg, d, 3);
	random_rows(x, 1, d, 4);
	for (int ns = 30; ns <= 2000; ns *= 4) {
		nids_kshap *k = NULL;
		nids_err err = { 0 };
		CHECK(nids_kshap_new(&k, d, bg, NULL, nbg, ns, 11, f_nonlinear, &d, 64, &err) == 0,
		      "%s", err.msg);
		double fx, sum = 0;
		CHECK(nids_kshap_row(k, x, phi, &fx, &err) == 0, "%s", err.msg);
		CHECK(nids_kshap_coalitions(k) <= ns, "%d > %d", nids_kshap_coalitions(k), ns);
		for (int j = 0; j < d; j++)
			sum += phi[j];
		double delta = fx - nids_kshap_base(k);
		CHECK(fabs(sum - delta) <= 1e-9 * fmax(1, fabs(delta)), "nsamples %d: sum %.12g vs "
		      "f(x) - E f %.12g", ns, sum, delta);
		/* the same seed and row give the same attributions */
		double again[12];
		CHECK(nids_kshap_row(k, x, again, NULL, &err) == 0, "%s", err.msg);
		CHECK(!memcmp(again, phi, sizeof phi), "nsamples %d: not reproducible", ns);
		nids_kshap_free(k);
	}
}

/* Kernel SHAP's size weights with sampled coalitions, by hand. M = 4 features (x all
 * ones, one background row of zeros, so each evaluated row is its coalition): the
 * kernel (M - 1) / (s (M - s)) gives sizes 1 and 3 (paired, 8 coalitions) the mass
 * 2 (3 / 3) = 2 and the unpaired middle size 2 (6 coalitions) 3 / 4, not twice that:
 * 8/11 and 3/11. With 12 coalitions, 12 (8/11) >= 8 buys every coalition of sizes 1 and
 * 3 at 1/11 each; the other 4 are size-2 pairs sampled at (3/11) / 4 each. The
 * attributions are that weighted least squares fit, solved here with sum phi = f(x). */
struct spy {
	int n;
	unsigned rows[64];
};

static double v_spy(unsigned z)
{
	double a = z & 1, b = z >> 1 & 1, c = z >> 2 & 1, e = z >> 3 & 1;
	return a * b + 0.5 * c + b * c * e + 0.3 * e * a - 0.7 * a * c;
}

static void f_spy(void *ctx, const float *x, int B, double *out)
{
	struct spy *s = ctx;
	for (int r = 0; r < B; r++) {
		unsigned z = 0;
		for (int j = 0; j < 4; j++)
			z |= (unsigned)(x[r * 4 + j] == 1) << j;
		if (s->n < 64)
			s->rows[s->n++] = z;
		out[r] = v_spy(z);
	}
}

static void test_kshap_size_weights(void)
{
	float bg[4] = { 0, 0, 0, 0 }, x[4] = { 1, 1, 1, 1 };
	struct spy s = { 0 };
	nids_kshap *k = NULL;
	nids_err err = { 0 };
	CHECK(nids_kshap_new(&k, 4, bg, NULL, 1, 12, 7, f_spy, &s, 64, &err) == 0, "%s", err.msg);
	if (!k)
		return;
	double phi[4], fx;
	CHECK(nids_kshap_row(k, x, phi, &fx, &err) == 0, "%s", err.msg);
	int n = nids_kshap_coalitions(k);
	/* the rows f saw: the background, x, then the coalitions in order */
	CHECK(n == 12 && s.n == 14 && s.rows[0] == 0 && s.rows[1] == 15, "%d coalitions, %d rows",
	      n, s.n);
	if (n != 12 || s.n != 14) {
		nids_kshap_free(k);
		return;
	}
	const unsigned *z = s.rows + 2;
	for (int i = 0; i < 4; i++)
		CHECK(z[2 * i] == 1u << i && z[2 * i + 1] == (15u ^ 1u << i),
		      "coalitions %d, %d: %x %x, want size 1 and its complement", 2 * i, 2 * i + 1,
		      z[2 * i], z[2 * i + 1]);
	for (int c = 8; c < 12; c += 2)
		CHECK(__builtin_popcount(z[c]) == 2 && z[c + 1] == (15u ^ z[c]),
		      "coalitions %d, %d: %x %x, want a size-2 pair", c, c + 1, z[c], z[c + 1]);
	/* min sum_c w_c (v(z_c) - z_c . phi)^2 with phi_3 = delta - phi_0 - phi_1 - phi_2 */
	double delta = v_spy(15) - v_spy(0), N[3][4] = { { 0 } };
	for (int c = 0; c < 12; c++) {
		double w = c < 8 ? 1.0 / 11 : 3.0 / 11 / 4, a[3], z3 = z[c] >> 3 & 1;
		for (int j = 0; j < 3; j++)
			a[j] = (double)(z[c] >> j & 1) - z3;
		double b = v_spy(z[c]) - v_spy(0) - z3 * delta;
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 3; j++)
				N[i][j] += w * a[i] * a[j];
			N[i][3] += w * a[i] * b;
		}
	}
	for (int p = 0; p < 3; p++) /* Gauss-Jordan: N is positive definite */
		for (int i = 0; i < 3; i++) {
			if (i == p)
				continue;
			double f = N[i][p] / N[p][p];
			for (int j = 0; j < 4; j++)
				N[i][j] -= f * N[p][j];
		}
	double want[4], rest = delta;
	for (int j = 0; j < 3; j++)
		rest -= want[j] = N[j][3] / N[j][j];
	want[3] = rest;
	for (int j = 0; j < 4; j++)
		CHECK(fabs(phi[j] - want[j]) <= 1e-12, "phi[%d] = %.15g, want %.15g", j, phi[j],
		      want[j]);
	CHECK(fx == delta, "f(x) %g", fx);
	nids_kshap_free(k);
}

static const double LIN_W[20] = { 1.5, -2, 0.25, 3, -0.5, 0, 1, 2, -1, 0.75,
	                          0.1, -0.3, 4, -4, 0.5, 0.5, 1, -2, 0.2, 0.9 };

static void f_linear(void *ctx, const float *x, int B, double *out)
{
	(void)ctx;
	for (int r = 0; r < B; r++) {
		double v = 0.3;
		for (int j = 0; j < 20; j++)
			v += LIN_W[j] * x[r * 20 + j];
		out[r] = v;
	}
}

static void test_kshap_linear(void)
{
	int d = 20, nbg = 16;
	float bg[16 * 20], x[20];
	double phi[20], mean[20] = { 0 };
	random_rows(bg, nbg, d, 5);
	random_rows(x, 1, d, 6);
	for (int b = 0; b < nbg; b++)
		for (int j = 0; j < d; j++)
			mean[j] += bg[b * d + j] / (double)nbg;
	nids_kshap *k = NULL;
	nids_err err = { 0 };
	CHECK(nids_kshap_new(&k, d, bg, NULL, nbg, 300, 1, f_linear, NULL, 512, &err) == 0, "%s",
	      err.msg);
	CHECK(nids_kshap_row(k, x, phi, NULL, &err) == 0, "%s", err.msg);
	double worst = 0;
	for (int j = 0; j < d; j++)
		worst = fmax(worst, fabs(phi[j] - LIN_W[j] * (x[j] - mean[j])));
	CHECK(worst <= 1e-6, "linear model: w_i (x_i - E x_i) off by %g", worst);
	nids_kshap_free(k);
}

static void test_kshap_constant_features(void)
{
	int d = 12, nbg = 4;
	float bg[4 * 12], x[12];
	double phi[12];
	random_rows(bg, nbg, d, 8);
	memcpy(x, bg, sizeof x);
	for (int b = 1; b < nbg; b++) /* features 0..9 equal x in every background row */
		memcpy(bg + b * d, x, sizeof(float) * 10);
	nids_kshap *k = NULL;
	nids_err err = { 0 };
	CHECK(nids_kshap_new(&k, d, bg, NULL, nbg, 100, 1, f_nonlinear, &d, 64, &err) == 0, "%s",
	      err.msg);
	double fx;
	CHECK(nids_kshap_row(k, x, phi, &fx, &err) == 0, "%s", err.msg);
	for (int j = 0; j < 10; j++)
		CHECK(phi[j] == 0, "phi[%d] = %g for a feature no background row changes", j, phi[j]);
	CHECK(fabs(phi[10] + phi[11] - (fx - nids_kshap_base(k))) <= 1e-12, "efficiency");
	nids_kshap_free(k);
}

static void test_kmeans_background(void)
{
	int n = 200, d = 3, k = 4;
	float x[200 * 3], c[4 * 3];
	double w[4];
	nids_rng rng;
	nids_rng_seed(&rng, 2);
	for (int i = 0; i < n; i++) {
		x[i * d] = (float)(i % 4);                       /* four clusters */
		x[i * d + 1] = (float)(i % 2);                   /* a one-hot column */
		x[i * d + 2] = (float)(i % 4) + 0.01f * nids_rng_uniform(&rng);
	}
	nids_err err = { 0 };
	CHECK(nids_explain_kmeans(x, (size_t)n, d, k, 1, c, w, &err) == 0, "%s", err.msg);
	double ws = 0;
	for (int j = 0; j < k; j++) {
		ws += w[j];
		CHECK(fabs(w[j] - 0.25) < 1e-12, "cluster %d weighs %g", j, w[j]);
		CHECK(c[j * d + 1] == 0 || c[j * d + 1] == 1, "one-hot centroid value %g", c[j * d + 1]);
		int found = 0; /* every coordinate is a value of the data */
		for (int i = 0; i < n; i++)
			found |= x[i * d + 2] == c[j * d + 2];
		CHECK(found, "centroid %d's value %g is not in the data", j, c[j * d + 2]);
	}
	CHECK(fabs(ws - 1) < 1e-12, "weights sum to %g", ws);
	CHECK(nids_explain_kmeans(x, 3, d, k, 1, c, w, &err) == NIDS_EUSAGE, "3 rows, 4 centroids");
}

static void fd_check(nids_model *m, const float *g, const char *what);

/* aegmm's analytic gradient of -log p(|x - ae(x)|), and dsebm's of its energy, against
 * central differences of their scores through the model table */
static void test_analytic_gradients(void)
{
	nids_rng rng;
	nids_rng_seed(&rng, 8);
	for (int i = 0; i < TN; i++) {
		for (int j = 0; j < TD; j++)
			TX[i * TD + j] = 0.2f + 0.3f * nids_rng_uniform(&rng) + (j == 1 ? 0.5f * TX[i * TD] : 0);
		TLABEL[i] = 0, TCLS[i] = 0;
	}
	nids_dataset ds = { .n = TN, .d = TD, .x = TX, .label = TLABEL, .cls = TCLS, .nclasses = 2,
		            .classes = TCLASSES, .features = TFEAT }, none = ds;
	none.n = 0;
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_opts o = { .threads = 1, .epochs = 30, .batch = 32, .lr = 0.01 };
	CHECK(nids_model_new(&m, "aegmm", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "layers", "4,3", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "act", "tanh", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "k", "3", &err) == 0, "%s", err.msg);
	m->seed = 2;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit aegmm: %s", err.msg);
	float g[5 * TD];
	CHECK(nids_aegmm_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "aegmm");
	nids_model_free(m);
	/* dsebm's energy: d E / d x = x - r(x) */
	CHECK(nids_model_new(&m, "dsebm", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "layers", "6,4", &err) == 0, "%s", err.msg);
	m->seed = 2;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit dsebm: %s", err.msg);
	CHECK(nids_dsebm_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "dsebm");
	nids_model_free(m);
	CHECK(nids_model_new(&m, "dsebm", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "score", "recon", &err) == 0, "%s", err.msg);
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit dsebm: %s", err.msg);
	CHECK(nids_dsebm_gradient(m, TX, 5, g, &err) == 1, "dsebm recon has no analytic gradient");
	nids_model_free(m);
	/* memae: back through the decoder, the memory's attention and the encoder */
	CHECK(nids_model_new(&m, "memae", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "layers", "4,2", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "mem", "6", &err) == 0, "%s", err.msg);
	m->seed = 2;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit memae: %s", err.msg);
	CHECK(nids_memae_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "memae");
	nids_model_free(m);
	/* dagmm: the energy by the code and the reconstruction features, and those by x */
	CHECK(nids_model_new(&m, "dagmm", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "layers", "4,1", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "k", "2", &err) == 0, "%s", err.msg);
	m->seed = 2;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit dagmm: %s", err.msg);
	CHECK(nids_dagmm_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "dagmm");
	nids_model_free(m);
	/* sae: P(attack) through the softmax, the classifier and the encoder */
	for (int i = 0; i < TN; i++)
		TLABEL[i] = TCLS[i] = TX[i * TD] + TX[i * TD + 2] > 0.85f;
	CHECK(nids_model_new(&m, "sae", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "hidden", "4", &err) == 0, "%s", err.msg);
	m->seed = 2;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit sae: %s", err.msg);
	CHECK(nids_sae_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "sae");
	nids_model_free(m);
	/* logreg: P(attack) through the sigmoid, and through the softmax of three classes */
	CHECK(nids_model_new(&m, "logreg", &err) == 0, "%s", err.msg);
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit logreg: %s", err.msg);
	CHECK(nids_logreg_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "logreg");
	nids_model_free(m);
	static char *three[3] = { "normal", "dos", "probe" };
	for (int i = 0; i < TN; i++)
		TCLS[i] = TLABEL[i] ? 1 + (TX[i * TD + 1] > 0.5f) : 0;
	nids_dataset ds3 = ds;
	ds3.nclasses = 3, ds3.classes = three;
	CHECK(nids_model_new(&m, "logreg", &err) == 0, "%s", err.msg);
	CHECK(nids_model_set(m, "target", "class", &err) == 0, "%s", err.msg);
	CHECK(nids_model_fit(m, &ds3, &none, &o, &err) == 0, "fit logreg: %s", err.msg);
	CHECK(nids_logreg_gradient(m, TX, 5, g, &err) == 0, "%s", err.msg);
	fd_check(m, g, "logreg (3 classes)");
	nids_model_free(m);
}

/* g [5 x TD], the gradient at the first 5 rows of TX, against central differences of the
 * model's score */
static void fd_check(nids_model *m, const float *g, const char *what)
{
	nids_err err = { 0 };
	int nout = nids_model_outputs(m, 0, NULL, &err);
	nids_scorer *s = NULL;
	CHECK(nids_scorer_new(&s, m, 0, 1, 2, &err) == 0, "%s", err.msg);
	float x[TD], out[2 * 4];
	double worst = 0, h = 1e-3;
	for (int r = 0; r < 5; r++)
		for (int j = 0; j < TD; j++) {
			float xx[2 * TD];
			memcpy(x, TX + r * TD, sizeof x);
			memcpy(xx, x, sizeof x);
			memcpy(xx + TD, x, sizeof x);
			xx[j] += (float)h;
			xx[TD + j] -= (float)h;
			nids_scorer_run(s, xx, 2, 0, out);
			double num = ((double)out[0] - out[nout]) / ((double)xx[j] - xx[TD + j]);
			double rel = fabs(num - g[r * TD + j]) / fmax(fabs(num) + fabs(g[r * TD + j]), 1e-2);
			worst = fmax(worst, rel);
		}
	CHECK(worst < 2e-2, "%s gradient vs central differences: worst relative error %g", what, worst);
	nids_scorer_free(s);
}

/* A waterfall whose partial sums are all one number from 2^53 on: its x range is
 * widened relatively, since adding 1 no longer moves it (nan coordinates before). */
static void test_waterfall_huge_base(void)
{
	static char *features[] = { "f1", "f2", "f3" };
	const float values[] = { 1e15f, 0.5f, 0 };
	const double attr[] = { 0, 0, 0 };
	const double bases[] = { 0, 1e30, -0x1p60, 0x1p53 };
	for (int i = 0; i < 4; i++) {
		char *buf = NULL;
		size_t len = 0;
		nids_err err = { 0 };
		FILE *f = open_memstream(&buf, &len);
		CHECK(f && nids_waterfall_svg(f, "row 1", features, values, attr, 3, bases[i], 12, &err) == 0,
		      "base %g: %s", bases[i], err.msg);
		CHECK(f && fclose(f) == 0, "close");
		CHECK(buf && !strstr(buf, "nan") && !strstr(buf, "inf"), "base %g: nan or inf in the "
		      "waterfall", bases[i]);
		free(buf);
	}
}

int main(void)
{
	TEST(test_treeshap_tree);
	TEST(test_treeshap_forest);
	TEST(test_treeshap_covers);
	TEST(test_treeshap_refuses);
	TEST(test_kshap_exact);
	TEST(test_kshap_efficiency);
	TEST(test_kshap_size_weights);
	TEST(test_kshap_linear);
	TEST(test_kshap_constant_features);
	TEST(test_kmeans_background);
	TEST(test_analytic_gradients);
	TEST(test_waterfall_huge_base);
	return CHECK_DONE();
}
