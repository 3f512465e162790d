/* test_classic.c: the classic models' algorithms on tiny hand-made data (a tree on XOR,
 * midpoint thresholds, min leaf and depth limits, the text dump, c(n), isolation tree
 * path lengths, k-means on separable blobs, logistic regression against optima computed
 * once with scikit-learn), then the models through the model table: save/load round
 * trips with identical scores, determinism over thread counts, class weights. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "classic_impl.h"
#include "classic_model_impl.h"
#include "model_impl.h"
#include "nids/score.h"
#include "rng_impl.h"

/* Grows a tree on column-major xt [d x n] with unit weights. */
static int grow(nids_tree *t, const float *xt, const int *y, int n, int d, int K, int depth,
                int leaf)
{
	uint32_t rows[64];
	float w[64];
	for (int i = 0; i < n; i++)
		rows[i] = (uint32_t)i, w[i] = 1;
	nids_tree_data data = { (size_t)n, d, xt, y, K };
	nids_tree_opts o = { depth, leaf, 0, 0, 0, NULL };
	nids_err err = { 0 };
	t->K = K;
	int root = nids_tree_grow(t, &data, rows, (size_t)n, w, &o, &err);
	CHECK(root == 0, "root %d: %s", root, err.msg);
	return root;
}

static float leaf_p(const nids_tree *t, const float *x, int k)
{
	return t->value[(size_t)nids_tree_leaf(t->node, 0, x) * t->K + k];
}

/* XOR has no informative first split; the tree splits anyway (gain 0, first feature)
 * and then separates each half exactly: 7 nodes, every leaf pure. */
static void test_tree_xor(void)
{
	/* rows: (0,0) (0,1) (1,0) (1,1), twice; column-major */
	static const float xt[16] = { 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	static const int y[8] = { 0, 1, 1, 0, 0, 1, 1, 0 };
	nids_tree t = { 0 };
	grow(&t, xt, y, 8, 2, 2, 0, 1);
	CHECK(t.n == 7, "nodes %d", t.n);
	CHECK(t.node[0] == 0 && t.node[1] == 0.5f, "root f%g <= %g", t.node[0], t.node[1]);
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++) {
			float x[2] = { (float)a, (float)b };
			CHECK(leaf_p(&t, x, 1) == (float)(a ^ b), "xor(%d,%d) p=%g", a, b,
			      leaf_p(&t, x, 1));
		}
	nids_tree_free(&t);
}

/* A continuous column splits at the midpoint between the classes' sorted values. */
static void test_tree_midpoint_and_limits(void)
{
	static const float xt[6] = { 3, 1, 10, 2, 7, 4 };
	static const int y[6] = { 0, 0, 1, 0, 1, 1 };
	nids_tree t = { 0 };
	grow(&t, xt, y, 6, 1, 2, 0, 1);
	CHECK(t.n == 3 && t.node[0] == 0 && t.node[1] == 3.5f, "n %d split at %g", t.n, t.node[1]);
	nids_tree_free(&t);
	/* min leaf 4 of 6 rows: no split can leave 4 on both sides */
	grow(&t, xt, y, 6, 1, 2, 0, 4);
	CHECK(t.n == 1 && t.node[0] == -1, "n %d", t.n);
	CHECK_NEAR(t.value[1], 0.5, 1e-7);
	nids_tree_free(&t);
	/* XOR with depth 1: one split, two impure leaves */
	static const float xor_t[8] = { 0, 0, 1, 1, 0, 1, 0, 1 };
	static const int xor_y[4] = { 0, 1, 1, 0 };
	grow(&t, xor_t, xor_y, 4, 2, 2, 1, 1);
	CHECK(t.n == 3, "depth 1 nodes %d", t.n);
	nids_tree_free(&t);
	/* values closer than 1e-7 are one value: a constant column, no split */
	static const float close[4] = { 0.5f, 0.50000001f, 0.5f, 0.50000001f };
	static const int cy[4] = { 0, 1, 0, 1 };
	grow(&t, close, cy, 4, 1, 2, 0, 1);
	CHECK(t.n == 1, "close values split: %d nodes", t.n);
	nids_tree_free(&t);
}

static void test_tree_dump(void)
{
	static const float xt[16] = { 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	static const int y[8] = { 0, 1, 1, 0, 0, 1, 1, 0 };
	char *feat[2] = { "syn", "ack" }, *cls[2] = { "benign", "attack" };
	nids_tree t = { 0 };
	grow(&t, xt, y, 8, 2, 2, 0, 1);
	char *s = nids_tree_dump(&t, 0, feat, cls);
	const char *want = "syn <= 0.5\n"
	                   "  ack <= 0.5 -> benign (1.000)\n"
	                   "  ack > 0.5 -> attack (1.000)\n"
	                   "syn > 0.5\n"
	                   "  ack <= 0.5 -> attack (1.000)\n"
	                   "  ack > 0.5 -> benign (1.000)\n";
	CHECK(s && strcmp(s, want) == 0, "dump:\n%s", s ? s : "(null)");
	free(s);
	s = nids_tree_dump(&t, 0, NULL, NULL);
	CHECK(s && strncmp(s, "f0 <= 0.5\n  f1 <= 0.5 -> class 0 (1.000)\n", 40) == 0, "%s", s);
	free(s);
	nids_tree_free(&t);
}

static void test_iforest_c(void)
{
	CHECK(nids_iforest_c(0) == 0 && nids_iforest_c(1) == 0, "c(0), c(1)");
	CHECK(nids_iforest_c(2) == 1, "c(2) = %g", nids_iforest_c(2));
	/* 2 (ln 255 + gamma) - 2 * 255 / 256 */
	CHECK_NEAR(nids_iforest_c(256), 10.244770920116851, 1e-12);
	CHECK_NEAR(nids_iforest_c(3), 2 * (0.6931471805599453 + 0.5772156649015329) - 4.0 / 3, 1e-12);
}

/* An isolation tree on 8 distinct points with no height limit isolates every point:
 * each leaf holds one row and stores its depth; the depths obey Kraft's equality. */
static void test_itree(void)
{
	float x[16];
	for (int i = 0; i < 8; i++)
		x[2 * i] = (float)i, x[2 * i + 1] = (float)(i * i % 5);
	uint32_t idx[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	nids_tree t = { .K = 1 };
	nids_err err = { 0 };
	int root = nids_itree_grow(&t, x, 2, idx, 8, 100, 42, &err);
	CHECK(root == 0 && t.n == 15, "root %d nodes %d", root, t.n);
	double kraft = 0;
	for (int i = 0; i < t.n; i++)
		if (t.node[i * 4] < 0)
			kraft += 1.0 / (double)(1u << (int)t.value[i]);
	CHECK_NEAR(kraft, 1.0, 1e-12);
	/* with height limit 1: two leaves at depth 1, each with depth + c(rows there) */
	nids_tree u = { .K = 1 };
	root = nids_itree_grow(&u, x, 2, idx, 8, 1, 42, &err);
	CHECK(u.n == 3, "nodes %d", u.n);
	int nl = 0;
	for (int i = 0; i < 8; i++)
		nl += x[2 * i + (int)u.node[0]] <= u.node[1];
	CHECK_NEAR(u.value[1], 1 + nids_iforest_c(nl), 1e-6);
	CHECK_NEAR(u.value[2], 1 + nids_iforest_c(8 - nl), 1e-6);
	/* the same seed grows the same tree */
	nids_tree v = { .K = 1 };
	uint32_t idx2[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	nids_itree_grow(&v, x, 2, idx2, 8, 100, 42, &err);
	CHECK(v.n == t.n && memcmp(v.node, t.node, sizeof(float) * 4 * (size_t)t.n) == 0,
	      "not deterministic");
	nids_tree_free(&t);
	nids_tree_free(&u);
	nids_tree_free(&v);
}

/* Three tight blobs: k-means finds their centres, whatever the thread count. */
static void test_kmeans_blobs(void)
{
	enum { NB = 300, DB = 2 };
	static float x[NB * DB];
	static const float centre[3][2] = { { 0, 0 }, { 10, 10 }, { -10, 10 } };
	nids_rng rng;
	nids_rng_seed(&rng, 1);
	for (int i = 0; i < NB; i++)
		for (int j = 0; j < DB; j++)
			x[i * DB + j] = centre[i % 3][j] + 0.1f * (nids_rng_uniform(&rng) - 0.5f);
	float c1[6], c2[6];
	double in1, in2;
	nids_err err = { 0 };
	nids_kmeans_opts o = { 3, 100, 3, 1e-4, 1, 5 };
	CHECK(nids_kmeans_fit(x, NB, DB, &o, c1, &in1, NULL, &err) == 0, "%s", err.msg);
	o.threads = 2;
	CHECK(nids_kmeans_fit(x, NB, DB, &o, c2, &in2, NULL, &err) == 0, "%s", err.msg);
	CHECK(memcmp(c1, c2, sizeof c1) == 0 && in1 == in2, "threads change the result");
	for (int b = 0; b < 3; b++) {
		int found = 0;
		for (int j = 0; j < 3; j++)
			found += fabsf(c1[2 * j] - centre[b][0]) < 0.05f &&
			         fabsf(c1[2 * j + 1] - centre[b][1]) < 0.05f;
		CHECK(found == 1, "blob %d found %d times", b, found);
	}
	/* the uniform noise has variance 0.01 / 12 per coordinate */
	CHECK(in1 < NB * 2 * 0.01 / 12 * 1.5, "inertia %g", in1);
	/* nearest: a point at (9, 9) is sqrt(2) from (10, 10) */
	float cn[3], q[2] = { 9, 9 }, dist, scratch[3];
	int idx;
	for (int j = 0; j < 3; j++)
		cn[j] = c1[2 * j] * c1[2 * j] + c1[2 * j + 1] * c1[2 * j + 1];
	nids_kmeans_nearest(c1, cn, 3, 2, q, 1, &dist, &idx, scratch);
	CHECK_NEAR(dist, 2.0, 0.05);
	CHECK(fabsf(c1[2 * idx] - 10) < 0.05f, "nearest %d", idx);
	CHECK(nids_kmeans_fit(x, 2, DB, &o, c1, NULL, NULL, &err) == NIDS_EFORMAT, "n < k");
}

/* 60 rows; the same formula generated the reference in Python. */
static void lr_data(float *x, int *y)
{
	for (int i = 0; i < 60; i++) {
		x[2 * i] = (float)((i * 37) % 101) / 101.0f;
		x[2 * i + 1] = (float)((i * 53) % 97) / 97.0f - 0.5f;
		float v = x[2 * i] * 8.0f + x[2 * i + 1] * 6.0f;
		y[i] = (double)((i * 7) % 11) < (double)v + 2;
	}
}

/* Optima from scikit-learn 1.2.1, LogisticRegression(C=1, solver='newton-cg', tol=1e-14)
 * on lr_data in float64 (lbfgs stops earlier, about 5e-5 away). */
static void test_logreg_binary(void)
{
	float x[120];
	int y[60], pos = 0;
	lr_data(x, y);
	for (int i = 0; i < 60; i++)
		pos += y[i];
	CHECK(pos == 29, "labels: %d positive", pos);
	double w[3] = { 0 };
	nids_err err = { 0 };
	nids_logreg_opts o = { 1.0, 100, 1e-9, 1 };
	int it = nids_logreg_fit_binary(x, y, NULL, 60, 2, &o, w, &err);
	CHECK(it > 0 && it < 20, "iterations %d", it);
	CHECK_NEAR(w[0], 2.518265612102, 1e-8);
	CHECK_NEAR(w[1], 0.093142254798, 1e-8);
	CHECK_NEAR(w[2], -1.307810652227, 1e-8);
	/* class_weight='balanced': 60 / (2 * 31) and 60 / (2 * 29) */
	float sw[60];
	for (int i = 0; i < 60; i++)
		sw[i] = y[i] ? 60.0f / 58 : 60.0f / 62;
	double wb[3] = { 0 };
	nids_logreg_fit_binary(x, y, sw, 60, 2, &o, wb, &err);
	/* (the weights are float32 here, float64 in the reference) */
	CHECK_NEAR(wb[0], 2.506275532514, 1e-7);
	CHECK_NEAR(wb[1], 0.088550596756, 1e-7);
	CHECK_NEAR(wb[2], -1.24291626503, 1e-7);
}

static void test_logreg_multinomial(void)
{
	float x[120];
	int y[60], yk[60];
	lr_data(x, y);
	for (int i = 0; i < 60; i++)
		yk[i] = y[i] ? 1 + i % 2 : 0;
	double W[9] = { 0 };
	nids_err err = { 0 };
	nids_logreg_opts o = { 1.0, 1000, 1e-9, 1 };
	int it = nids_logreg_fit_multi(x, yk, NULL, 60, 2, 3, &o, W, &err);
	CHECK(it > 0 && it < 1000, "iterations %d", it);
	static const double want[9] = { -2.025941241672, -0.053221949268, 1.509935488683,
		                         1.081592961547,  -0.264158539696, -0.835656839696,
		                         0.944348280125,  0.317380488965,  -0.674278648987 };
	/* the logits come from float32 sgemm, so the loss stops resolving progress about
	 * 1e-4 from the optimum */
	for (int k = 0; k < 9; k++)
		CHECK_NEAR(W[k], want[k], 3e-4);
}

/* ---- through the model table ---- */

#define N 240
#define D 4
static float X[N * D];
static int LABEL[N], CLS[N];
static char *FEAT[D] = { "a", "b", "c", "d" };
static char *CLASSES[3] = { "normal", "dos", "probe" };

static nids_dataset make_data(void)
{
	nids_rng rng;
	nids_rng_seed(&rng, 11);
	for (int i = 0; i < N; i++) {
		CLS[i] = i % 4 == 0 ? 1 + (i / 4) % 2 : 0;
		LABEL[i] = CLS[i] != 0;
		for (int j = 0; j < D; j++)
			X[i * D + j] = nids_rng_uniform(&rng) + (LABEL[i] && j == CLS[i] ? 0.6f : 0);
	}
	nids_dataset ds = { .n = N, .d = D, .x = X, .label = LABEL, .cls = CLS, .nclasses = 3,
		            .classes = CLASSES, .features = FEAT };
	return ds;
}

static nids_model *fit(const char *type, const char *kv[], int threads)
{
	nids_dataset ds = make_data(), none = ds;
	none.n = 0;
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_opts o = { .threads = threads };
	CHECK(nids_model_new(&m, type, &err) == 0, "%s", err.msg);
	for (int i = 0; kv && kv[i]; i += 2)
		CHECK(nids_model_set(m, kv[i], kv[i + 1], &err) == 0, "%s", err.msg);
	m->seed = 9;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit %s: %s", type, err.msg);
	return m;
}

static float *score_all(const nids_model *m, unsigned outs, int *nout)
{
	nids_err err = { 0 };
	*nout = nids_model_outputs(m, outs, NULL, &err);
	float *out = calloc((size_t)N * *nout, sizeof *out);
	nids_scorer *s;
	CHECK(nids_scorer_new(&s, m, outs, 2, 50, &err) == 0, "%s", err.msg);
	for (int at = 0; at < N; at += 50) {
		int B = N - at < 50 ? N - at : 50;
		nids_scorer_run(s, X + at * D, B, (uint64_t)at, out + (size_t)at * *nout);
	}
	nids_scorer_free(s);
	return out;
}

static const char *tmp_path(void)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/nids-test-classic-%d", getenv("TMPDIR") ? getenv("TMPDIR")
	         : "/tmp", (int)getpid());
	return buf;
}

/* Fits, saves, loads, and checks the scores are bit-identical; returns the AUROC-free
 * sanity: mean score of attacks minus mean score of benign rows. */
static double round_trip(const char *type, const char *kv[])
{
	nids_model *m = fit(type, kv, 2), *back = NULL;
	nids_err err = { 0 };
	FILE *f = fopen(tmp_path(), "wb");
	CHECK(nids_model_write(m, f, &err) == 0, "%s", err.msg);
	fclose(f);
	CHECK(nids_model_read(&back, tmp_path(), &err) == 0, "read %s: %s", type, err.msg);
	unlink(tmp_path());
	double gap = 0;
	if (back) {
		int n1, n2;
		unsigned outs = m->type->outputs;
		float *a = score_all(m, outs, &n1), *b = score_all(back, outs, &n2);
		CHECK(n1 == n2 && memcmp(a, b, sizeof(float) * (size_t)N * n1) == 0,
		      "%s: scores differ after a round trip", type);
		double s[2] = { 0, 0 };
		int c[2] = { 0, 0 };
		for (int i = 0; i < N; i++)
			s[LABEL[i]] += a[(size_t)i * n1], c[LABEL[i]]++;
		gap = s[1] / c[1] - s[0] / c[0];
		free(a);
		free(b);
	}
	nids_model_free(m);
	nids_model_free(back);
	return gap;
}

static void test_round_trips(void)
{
	const char *cls[] = { "target", "class", NULL };
	const char *deep[] = { "max-depth", "3", "min-leaf", "5", NULL };
	const char *bal[] = { "class-weight", "balanced", NULL };
	const char *ent[] = { "class-weight", "balanced", "criterion", "entropy", NULL };
	const char *km[] = { "k", "3", "restarts", "2", NULL };
	const char *ifo[] = { "trees", "20", "samples", "64", NULL };
	const char *small[] = { "trees", "10", NULL };
	struct {
		const char *type;
		const char **kv;
	} cases[] = { { "tree", NULL },  { "tree", cls },   { "tree", deep },  { "forest", small },
		      { "forest", ent }, { "forest", cls }, { "logreg", NULL }, { "logreg", cls },
		      { "logreg", bal }, { "kmeans", km },  { "iforest", ifo } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double gap = round_trip(cases[i].type, cases[i].kv);
		/* attacks are shifted by 0.6 in one feature: every model should notice (the
		 * iforest, fitted on all rows, a quarter of them attacks, least) */
		CHECK(gap > (strcmp(cases[i].type, "iforest") ? 0.05 : 0.02),
		      "%s case %zu: attack - benign mean score %g", cases[i].type, i, gap);
	}
}

/* Forests and k-means give the same model for 1 and 3 threads. */
static void test_threads_deterministic(void)
{
	const char *types[] = { "forest", "kmeans", "iforest", "logreg", "tree" };
	const char *kv[] = { NULL };
	for (int t = 0; t < 5; t++) {
		nids_model *a = fit(types[t], kv, 1), *b = fit(types[t], kv, 3);
		CHECK(a->arena.size == b->arena.size &&
		      memcmp(a->arena.data, b->arena.data, sizeof(float) * a->arena.size) == 0,
		      "%s: 1 and 3 threads differ", types[t]);
		nids_model *c = fit(types[t], kv, 1);
		CHECK(memcmp(a->arena.data, c->arena.data, sizeof(float) * a->arena.size) == 0,
		      "%s: not deterministic", types[t]);
		nids_model_free(a);
		nids_model_free(b);
		nids_model_free(c);
	}
}

/* The scoring walks (8 rows in lockstep; one value per leaf when only the score is asked
 * for) give what a plain walk of each tree gives, row by row, and the score column is the
 * same with and without --classes. */
static void test_score_walks(void)
{
	const char *types[] = { "forest", "tree", "iforest" };
	const char *kv[] = { "trees", "7", NULL };
	for (int t = 0; t < 3; t++) {
		nids_model *m = fit(types[t], strcmp(types[t], "tree") ? kv : NULL, 1);
		const struct nids_trees_state *st = m->state;
		const float *value = nids_arena_ptr(&m->arena, m->arena.data, st->value);
		int n1, n2, bad = 0;
		float *a = score_all(m, 0, &n1), *b = score_all(m, m->type->outputs, &n2);
		for (int i = 0; i < N; i++) {
			double sum = 0; /* mean P(attack), or for iforest the summed path length */
			for (int k = 0; k < st->ntrees; k++) {
				int leaf = nids_cnode_leaf(st->cn, st->root[k], X + i * D);
				if (st->pattack)
					sum += st->pattack[leaf];
				else
					sum += value[leaf];
			}
			double want = st->pattack ? sum / st->ntrees
			                          : exp2(-sum / st->ntrees /
			                                 *nids_arena_ptr(&m->arena, m->arena.data,
			                                                 st->benign));
			bad += fabs(a[(size_t)i * n1] - want) > 1e-6 ||
			       fabs(b[(size_t)i * n2] - a[(size_t)i * n1]) > 1e-6;
		}
		CHECK(bad == 0, "%s: %d of %d rows score unlike a plain walk", types[t], bad, N);
		free(a);
		free(b);
		nids_model_free(m);
	}
}

static void test_options(void)
{
	nids_dataset ds = make_data();
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_opts o = { .threads = 1 };
	const char *bad[][3] = { { "forest", "max-features", "0" },
		                 { "forest", "max-features", "half" },
		                 { "tree", "criterion", "chi2" },
		                 { "logreg", "class-weight", "auto" },
		                 { "tree", "target", "kind" },
		                 { "kmeans", "k", "0" } };
	for (int i = 0; i < 6; i++) {
		CHECK(nids_model_new(&m, bad[i][0], &err) == 0, "%s", err.msg);
		nids_model_set(m, bad[i][1], bad[i][2], &err);
		int rc = nids_model_fit(m, &ds, &ds, &o, &err);
		CHECK(rc == NIDS_EUSAGE && strstr(err.msg, bad[i][1]), "%s --%s %s: %d %s", bad[i][0],
		      bad[i][1], bad[i][2], rc, err.msg);
		nids_model_free(m);
	}
	/* balanced weights: n / (classes * n_k) */
	int y[6] = { 0, 0, 0, 0, 1, 1 };
	float *sw;
	CHECK(nids_model_new(&m, "tree", &err) == 0, "%s", err.msg);
	nids_model_set(m, "class-weight", "balanced", &err);
	CHECK(nids_classic_weights(m, y, 6, 2, &sw, &err) == 0 && sw, "%s", err.msg);
	CHECK_NEAR(sw[0], 0.75, 1e-7);
	CHECK_NEAR(sw[5], 1.5, 1e-7);
	free(sw);
	nids_model_free(m);
	/* a tree dump names the features */
	char path[300];
	snprintf(path, sizeof path, "%s.txt", tmp_path());
	const char *kv[] = { "dump", path, "max-depth", "1", NULL };
	m = fit("tree", kv, 1);
	CHECK(access(path, F_OK) != 0, "the dump waits for the model's save");
	CHECK(nids_outputs_commit(m->side, 2, &err) == 0, "%s", err.msg); /* (as the save does) */
	FILE *f = fopen(path, "r");
	char line[256] = "";
	CHECK(f && fgets(line, sizeof line, f) && strchr("abcd", line[0]) &&
	      !strncmp(line + 1, " <= ", 4), "dump: %s", line);
	if (f)
		fclose(f);
	unlink(path);
	nids_model_free(m);
}

int main(void)
{
	TEST(test_tree_xor);
	TEST(test_score_walks);
	TEST(test_tree_midpoint_and_limits);
	TEST(test_tree_dump);
	TEST(test_iforest_c);
	TEST(test_itree);
	TEST(test_kmeans_blobs);
	TEST(test_logreg_binary);
	TEST(test_logreg_multinomial);
	TEST(test_round_trips);
	TEST(test_threads_deterministic);
	TEST(test_options);
	return CHECK_DONE();
}
