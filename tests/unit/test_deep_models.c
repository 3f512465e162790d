/* test_deep_models.c: dagmm, memae, dsebm and aegmm on a small synthetic set: a model file
 * round trip gives identical scores, attacks score higher than benign rows, the GMM module
 * matches its definition and EM finds separated clusters, and the failure modes (singular
 * covariance, Cholesky failure, NaN loss) end fitting with an error rather than a model. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "nids/gmm.h"
#include "nids/model.h"
#include "nids/score.h"

#define N 400
#define D 6

static float X[N * D];
static int LABEL[N];
static char *FEAT[D] = { "a", "b", "c", "d", "e", "f" };

/* benign rows (3 of 4) near one point, attacks elsewhere */
static nids_dataset make_data(void)
{
	nids_rng rng;
	nids_rng_seed(&rng, 11);
	for (int i = 0; i < N; i++) {
		LABEL[i] = i % 4 == 3;
		for (int j = 0; j < D; j++)
			X[i * D + j] = 0.1f * nids_rng_uniform(&rng) +
			               (LABEL[i] ? (j % 2 ? 0.9f : 0.0f) : 0.3f + 0.05f * j);
	}
	nids_dataset ds = { .n = N, .d = D, .x = X, .label = LABEL, .features = FEAT };
	return ds;
}

static const char *tmp_path(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/nids-test-deep-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR")
	         : "/tmp", (int)getpid(), name);
	return buf;
}

/* Fits type with up to two key=value settings on the benign rows (or all rows). */
static int fit(nids_model **mp, const char *type, const char *const *kv, int benign_only,
               int epochs, nids_err *err)
{
	static float B[N * D];
	nids_dataset ds = make_data(), none = ds;
	if (benign_only) {
		size_t n = 0;
		for (int i = 0; i < N; i++)
			if (!LABEL[i])
				memcpy(B + n++ * D, X + i * D, D * sizeof(float));
		ds.x = B, ds.n = n, ds.label = NULL;
	}
	none.n = 0;
	nids_fit_opts o = { .epochs = epochs, .batch = 64, .lr = 3e-3, .threads = 2, .patience = 5 };
	CHECK(nids_model_new(mp, type, err) == 0, "%s", err->msg);
	for (int i = 0; kv && kv[i]; i += 2)
		CHECK(nids_model_set(*mp, kv[i], kv[i + 1], err) == 0, "%s", err->msg);
	(*mp)->seed = 5;
	return nids_model_fit(*mp, &ds, &none, &o, err);
}

static float *score_all(const nids_model *m, int *nout)
{
	nids_err err = { 0 };
	*nout = nids_model_outputs(m, 0, NULL, &err);
	float *out = calloc((size_t)N * *nout, sizeof *out);
	nids_scorer *s;
	CHECK(nids_scorer_new(&s, m, 0, 2, 64, &err) == 0, "%s", err.msg);
	for (int at = 0; at < N; at += 64) {
		int B = N - at < 64 ? N - at : 64;
		nids_scorer_run(s, X + at * D, B, (uint64_t)at, out + (size_t)at * *nout);
	}
	nids_scorer_free(s);
	return out;
}

/* AUROC of column col of out [N x nout] against LABEL. */
static double auroc(const float *out, int nout, int col)
{
	double wins = 0;
	long pairs = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; LABEL[i] && j < N; j++)
			if (!LABEL[j]) {
				float a = out[i * nout + col], b = out[j * nout + col];
				wins += a > b ? 1 : a == b ? 0.5 : 0;
				pairs++;
			}
	return wins / pairs;
}

static void round_trip(const char *type, const char *const *kv, int epochs, double min_auc)
{
	nids_err err = { 0 };
	nids_model *m = NULL, *back = NULL;
	CHECK(fit(&m, type, kv, 1, epochs, &err) == 0, "fit %s: %s", type, err.msg);
	const char *path = tmp_path(type);
	FILE *f = fopen(path, "wb");
	CHECK(nids_model_write(m, f, &err) == 0, "%s", err.msg);
	fclose(f);
	CHECK(nids_model_read(&back, path, &err) == 0, "read %s: %s", type, err.msg);
	unlink(path);
	int n1, n2;
	float *a = score_all(m, &n1), *b = score_all(back, &n2);
	CHECK(n1 == n2, "%s: %d vs %d outputs", type, n1, n2);
	int same = 1, finite = 1;
	for (int i = 0; i < N * n1; i++)
		same &= a[i] == b[i], finite &= isfinite(a[i]);
	CHECK(same, "%s: scores after the round trip differ", type);
	CHECK(finite, "%s: a score is not finite", type);
	for (int c = 0; c < n1; c++) {
		double auc = auroc(a, n1, c);
		if (c > 0 && (m->type->scores_low >> (c - 1) & 1)) /* lower = more anomalous */
			auc = 1 - auc;
		CHECK(auc >= min_auc, "%s: column %d: AUROC %g < %g", type, c, auc, min_auc);
	}
	free(a), free(b);
	nids_model_free(m);
	nids_model_free(back);
}

static void test_round_trips(void)
{
	round_trip("dagmm", NULL, 20, 0.9);
	round_trip("memae", (const char *const[]){ "layers", "8,4", NULL }, 20, 0.9);
	round_trip("dsebm", (const char *const[]){ "layers", "16,8", "sigma", "0.1", NULL }, 20, 0.9);
	round_trip("dsebm", (const char *const[]){ "layers", "16,8", "score", "recon", NULL }, 20, 0.9);
	round_trip("aegmm", (const char *const[]){ "layers", "8,4", "k", "3", NULL }, 20, 0.9);
}

static void test_aegmm_columns(void)
{
	nids_err err = { 0 };
	nids_model *m = NULL;
	CHECK(nids_model_new(&m, "aegmm", &err) == 0, "%s", err.msg);
	m->d = D;
	m->features = FEAT;
	char **names = NULL;
	int n = nids_model_outputs(m, NIDS_OUT_ERRORS, &names, &err);
	CHECK(n == 3 + D, "aegmm with --errors: %d columns", n);
	CHECK(n > 3 && !strcmp(names[0], "score") && !strcmp(names[1], "mae") &&
	      !strcmp(names[2], "logp") && !strcmp(names[3], "err_a"), "column names %s %s %s %s",
	      names[0], names[1], names[2], names[3]);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	m->features = NULL;
	m->d = 0;
	nids_model_free(m);
}

/* Every benign row identical: the batch covariances are singular. */
static void test_failures(void)
{
	static float same[100 * D];
	for (int i = 0; i < 100 * D; i++)
		same[i] = 0.5f;
	nids_dataset ds = { .n = 100, .d = D, .x = same, .features = FEAT }, none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 2, .batch = 50, .lr = 1e-3, .threads = 1, .patience = 5 };
	nids_err err = { 0 };
	nids_model *m = NULL;
	/* with the default floor a singular covariance still factorises */
	nids_model_new(&m, "dagmm", &err);
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "floor 1e-6: %s", err.msg);
	nids_model_free(m);
	/* with no floor it cannot: an error naming Cholesky, and no model */
	nids_model_new(&m, "dagmm", &err);
	nids_model_set(m, "cov-floor", "0", &err);
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == NIDS_EFORMAT, "floor 0 fits");
	CHECK(strstr(err.msg, "Cholesky") && strstr(err.msg, "--cov-floor"), "message: %s", err.msg);
	nids_model_free(m);
	nids_model_new(&m, "aegmm", &err);
	nids_model_set(m, "cov-floor", "0", &err);
	nids_model_set(m, "k", "2", &err);
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == NIDS_EFORMAT, "aegmm floor 0 fits");
	CHECK(strstr(err.msg, "not positive definite") != NULL, "message: %s", err.msg);
	nids_model_free(m);
	/* a NaN loss: rows so large that the reconstruction error overflows */
	static float huge[100 * D];
	for (int i = 0; i < 100 * D; i++)
		huge[i] = i % 2 ? 3e38f : -3e38f;
	ds.x = huge;
	const char *types[] = { "dagmm", "dsebm", "memae" };
	for (int t = 0; t < 3; t++) {
		nids_model_new(&m, types[t], &err);
		/* memae's tanh code and normalised attention absorb such rows; an absurd
		 * learning rate makes its loss overflow instead */
		o.lr = t == 2 ? 1e30 : 1e-3;
		int rc = nids_model_fit(m, &ds, &none, &o, &err);
		CHECK(rc == NIDS_EFORMAT, "%s on overflowing rows: %d", types[t], rc);
		CHECK(strstr(err.msg, "diverged") || strstr(err.msg, "Cholesky"), "%s: %s", types[t],
		      err.msg);
		nids_model_free(m);
	}
}

static void test_gmm(void)
{
	nids_gmm g;
	CHECK(nids_gmm_init(&g, 2, 2, 0.0, NULL) == 0, "init");
	/* two clusters of 50 rows at (0,0) and (10,10), each spread on both axes */
	static float z[200 * 2];
	nids_rng rng;
	nids_rng_seed(&rng, 3);
	for (int i = 0; i < 200; i++) {
		float c = i < 100 ? 0 : 10;
		z[2 * i] = c + nids_rng_normal(&rng);
		z[2 * i + 1] = c + 0.5f * nids_rng_normal(&rng) + 0.3f * (z[2 * i] - c);
	}
	double ll;
	int it = nids_gmm_em(&g, z, 200, 100, 1e-6, &rng, &ll, NULL);
	CHECK(it > 0 && it < 100, "EM converged in %d iterations", it);
	int lo = g.mu[0] < g.mu[2] ? 0 : 1;
	CHECK(fabs(g.mu[2 * lo]) < 0.5 && fabs(g.mu[2 * (1 - lo)] - 10) < 0.5, "means %g %g",
	      g.mu[0], g.mu[2]);
	CHECK_NEAR(g.phi[0], 0.5, 1e-3);
	/* the likelihood of a point by the definition, 2x2 inverse by hand */
	double *c = g.cov + 4 * lo, det = c[0] * c[3] - c[1] * c[2];
	CHECK_NEAR(g.logdet[lo], log(det), 1e-9);
	float p[2] = { 0.3f, -0.2f };
	double u = p[0] - g.mu[2 * lo], v = p[1] - g.mu[2 * lo + 1];
	double q = (c[3] * u * u - 2 * c[1] * u * v + c[0] * v * v) / det;
	double want = log(0.5) - log(2 * M_PI) - 0.5 * log(det) - 0.5 * q, got;
	nids_gmm_loglik(&g, p, 1, &got, NULL, NULL);
	CHECK_NEAR(got, want, 1e-6);
	nids_err err = { 0 };
	/* a singular covariance without floor fails, naming the component */
	for (int i = 0; i < 200; i++)
		z[2 * i + 1] = 2 * z[2 * i];
	double gam[200 * 2];
	for (int i = 0; i < 200; i++)
		gam[2 * i] = 1, gam[2 * i + 1] = 0;
	nids_gmm_mstep(&g, z, gam, 200);
	CHECK(nids_gmm_factor(&g, &err) == NIDS_EFORMAT, "collinear rows factorised");
	CHECK(strstr(err.msg, "component 1") != NULL, "message: %s", err.msg);
	g.floor = 1e-6;
	CHECK(nids_gmm_factor(&g, &err) == 0, "the floor repairs it: %s", err.msg);
	CHECK(g.lognorm[1] == -INFINITY, "an empty component has weight 0");
	CHECK(nids_gmm_em(&g, z, 1, 10, 1e-3, &rng, NULL, &err) == NIDS_EFORMAT, "1 row, 2 comps");
	nids_gmm_free(&g);
}

int main(void)
{
	TEST(test_gmm);
	TEST(test_round_trips);
	TEST(test_aegmm_columns);
	TEST(test_failures);
	return CHECK_DONE();
}
