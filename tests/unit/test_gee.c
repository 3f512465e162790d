/* test_gee.c: GEE's VAE (Nguyen et al. 2019): 69-512-512-1024 encoder, latent 100,
 * Bernoulli decoder, BCE + KL, Adam lr 1e-3 with weight decay 0.01, trained on rows in
 * [0, 1] as min-max scaled window features are. Training and every score stay finite,
 * and the gradient of each score with respect to the 69 inputs (GEE's fingerprints)
 * matches central finite differences. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model_impl.h"

#define N 96
#define D 69

static float X[N * D];
static char *FEAT[D];
static char NAMES[D][16];

static nids_dataset make_data(void)
{
	nids_rng rng;
	nids_rng_seed(&rng, 11);
	for (int j = 0; j < D; j++) {
		snprintf(NAMES[j], sizeof NAMES[j], "f%d", j);
		FEAT[j] = NAMES[j];
	}
	/* sparse proportions and small scaled statistics, as real windows have */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < D; j++) {
			float u = nids_rng_uniform(&rng);
			X[i * D + j] = j < 15 ? 0.3f * u : (u < 0.1f ? u * 10 : 0);
		}
	nids_dataset ds = { .n = N, .d = D, .x = X, .features = FEAT };
	return ds;
}

static nids_model *gee_vae(const char *score, double *loss)
{
	nids_dataset ds = make_data(), none = ds;
	none.n = 0;
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_report rep = { 0, NAN, NAN };
	nids_fit_opts o = { .epochs = 2, .batch = 32, .lr = 1e-3, .weight_decay = 0.01,
		            .threads = 1, .patience = 5, .report = &rep };
	CHECK(nids_model_new(&m, "vae", &err) == 0, "%s", err.msg);
	const char *hp[][2] = { { "hidden", "512,512,1024" }, { "latent", "100" },
		                { "decoder", "bernoulli" },   { "samples", "1" },
		                { "score", score } };
	for (size_t i = 0; i < sizeof hp / sizeof hp[0]; i++)
		CHECK(nids_model_set(m, hp[i][0], hp[i][1], &err) == 0, "%s", err.msg);
	m->seed = 5;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit: %s", err.msg);
	*loss = rep.loss;
	return m;
}

static void check_score(const char *score)
{
	double loss;
	nids_model *m = gee_vae(score, &loss);
	CHECK(isfinite(loss) && loss > 0, "%s: training loss %g", score, loss);
	nids_err err = { 0 };
	unsigned outs = NIDS_OUT_EXPLAIN;
	int nout = nids_model_outputs(m, outs, NULL, &err);
	CHECK(nout == 1 + D, "explain columns %d", nout);
	void *s = m->type->scratch_new(m, N, outs);
	float *all = malloc((size_t)N * nout * sizeof *all);
	m->type->score(m, s, X, N, 0, outs, all, nout);
	int finite = 1;
	for (int i = 0; i < N * nout; i++)
		finite &= isfinite(all[i]) != 0;
	CHECK(finite, "%s: a score or gradient is not finite", score);
	/* every input of three rows against central differences of the score */
	float out[1 + D], up[1 + D], down[1 + D], x[D];
	double worst = 0;
	const float h = 1e-3f;
	for (int row = 0; row < N; row += 40) {
		memcpy(x, X + row * D, sizeof x);
		m->type->score(m, s, x, 1, (uint64_t)row, outs, out, nout);
		for (int j = 0; j < D; j++) {
			float keep = x[j];
			x[j] = keep + h;
			m->type->score(m, s, x, 1, (uint64_t)row, outs, up, nout);
			x[j] = keep - h;
			m->type->score(m, s, x, 1, (uint64_t)row, outs, down, nout);
			x[j] = keep;
			double num = ((double)up[0] - down[0]) / (2.0 * h);
			double rel = fabs(num - out[1 + j]) / fmax(fabs(num) + fabs(out[1 + j]), 1e-2);
			worst = rel > worst ? rel : worst;
		}
	}
	CHECK(worst < 2e-2, "%s: gradients vs finite differences on 69 inputs, worst rel error %g",
	      score, worst);
	free(all);
	m->type->scratch_free(s);
	nids_model_free(m);
}

/* GEE's best score: the MSE between x and the decoder's Bernoulli means. */
static void test_mse(void) { check_score("mse"); }
static void test_bce(void) { check_score("nll"); }
static void test_elbo(void) { check_score("elbo"); }

/* The MSE score is of the probabilities, so it is at most 1 for inputs in [0, 1]. */
static void test_mse_is_of_probabilities(void)
{
	double loss;
	nids_model *m = gee_vae("mse", &loss);
	void *s = m->type->scratch_new(m, N, 0);
	float sc[N];
	m->type->score(m, s, X, N, 0, 0, sc, 1);
	float mx = 0;
	for (int i = 0; i < N; i++)
		mx = fmaxf(mx, sc[i]);
	CHECK(mx > 0 && mx <= 1, "largest mse %g", mx);
	m->type->scratch_free(s);
	nids_model_free(m);
}

/* bce names the Bernoulli decoder's nll: the same model, the same scores; refused with
 * the Gaussian decoder. */
static void test_bce_alias(void)
{
	double l1, l2;
	nids_model *a = gee_vae("nll", &l1), *b = gee_vae("bce", &l2);
	CHECK(l1 == l2, "training differs: %g vs %g", l1, l2);
	void *sa = a->type->scratch_new(a, N, 0), *sb = b->type->scratch_new(b, N, 0);
	float x[N], y[N];
	a->type->score(a, sa, X, N, 0, 0, x, 1);
	b->type->score(b, sb, X, N, 0, 0, y, 1);
	CHECK(memcmp(x, y, sizeof x) == 0, "bce and nll scores differ");
	a->type->scratch_free(sa);
	b->type->scratch_free(sb);
	nids_model_free(a);
	nids_model_free(b);
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_dataset ds = make_data(), none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 1, .batch = 32, .lr = 1e-3, .threads = 1, .patience = 5 };
	CHECK(nids_model_new(&m, "vae", &err) == 0 && nids_model_set(m, "score", "bce", &err) == 0,
	      "%s", err.msg);
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == NIDS_EUSAGE &&
	              !strcmp(err.msg, "--score bce needs --decoder bernoulli (use nll for gauss)"),
	      "gauss with bce: %s", err.msg);
	nids_model_free(m);
}

int main(void)
{
	TEST(test_mse);
	TEST(test_bce);
	TEST(test_elbo);
	TEST(test_mse_is_of_probabilities);
	TEST(test_bce_alias);
	return CHECK_DONE();
}
