/* model_dsebm.c: the deep structured energy-based model (Zhai et al., ICML 2016) over
 * fully connected softplus layers: E(x) = |x - b'|^2 / 2 - sum_j h_j(x). Training is
 * denoising score matching: the reconstruction r(x~) = x~ - dE/dx~ of a noisy row
 * x~ = x + sigma * N(0, I) should give back x; the loss |x - r(x~)|^2 needs the second
 * derivative of E, derived by hand in deep_layers.c. Two scores: the energy E(x)
 * (--score energy, the paper's DSEBM-e) or the reconstruction error |x - r(x)|^2
 * (--score recon, DSEBM-r). */
#include <stdlib.h>
#include <string.h>

#include "nids/deep.h"
#include "nids/model.h"
#include "explain_impl.h"

static const nids_hparam DSEBM_HPARAMS[] = {
	{ "layers", 0, "128,512", "energy network widths (softplus)" },
	{ "sigma", 0, "1", "standard deviation of the training noise" },
	{ "score", 's', "energy", "score: energy (DSEBM-e) or recon (DSEBM-r)" },
	{ NULL, 0, NULL, NULL },
};

static const char *const SCORES[] = { "energy", "recon", NULL };

struct dsebm {
	nids_mlp f;
	int tbp, recon;
	float sigma;
	nids_arena *arena;
	nids_dsebm_acts acts[64];
	float *xn[64], *r[64], *dr[64];
};

static int dsebm_define(nids_model *m, nids_err *err)
{
	int widths[NIDS_MLP_MAX];
	int nw = nids_model_get_ints(m, "layers", widths, NIDS_MLP_MAX, 1, 1 << 16, err);
	if (nw < 0)
		return nw;
	double sigma;
	int score = nids_model_get_choice(m, "score", SCORES, err);
	if (score < 0 || nids_model_get_double(m, "sigma", 0, 1e6, &sigma, err) < 0)
		return NIDS_EUSAGE;
	struct dsebm *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	a->recon = score == 1, a->sigma = (float)sigma, a->arena = &m->arena;
	int dim[NIDS_MLP_MAX + 1], acts[NIDS_MLP_MAX];
	dim[0] = m->d;
	for (int i = 0; i < nw; i++)
		dim[i + 1] = widths[i], acts[i] = NIDS_ACT_SOFTPLUS;
	memset(&m->arena, 0, sizeof m->arena);
	int rc = nids_mlp_define(&a->f, &m->arena, "energy", nw, dim, acts, err);
	if (rc < 0)
		return rc;
	rc = a->tbp = nids_arena_add(&m->arena, "bprime", 1, m->d, err);
	return rc < 0 ? rc : 0;
}

static void dsebm_plan(void *ctx, int s, int cap, nids_scratch *sc)
{
	struct dsebm *a = ctx;
	size_t n = (size_t)cap * a->f.dim[0];
	nids_dsebm_acts_plan(&a->acts[s], &a->f, cap, sc);
	nids_scratch_add(sc, &a->xn[s], n);
	nids_scratch_add(sc, &a->r[s], n);
	nids_scratch_add(sc, &a->dr[s], n);
}

static double dsebm_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                         float *grads, nids_rng *rng)
{
	(void)y;
	struct dsebm *a = ctx;
	float *p = a->arena->data;
	int d = a->f.dim[0];
	size_t n = (size_t)B * d;
	for (size_t i = 0; i < n; i++)
		a->xn[s][i] = x[i] + a->sigma * nids_rng_normal(rng);
	nids_dsebm_forward(&a->f, a->arena, p, nids_arena_ptr(a->arena, p, a->tbp), &a->acts[s],
	                   a->xn[s], B, a->r[s], NULL);
	if (grads)
		memset(a->dr[s], 0, n * sizeof(float));
	/* |x - r(x~)|^2 summed over the features: nn.h's mse is their mean */
	double loss = nids_mse_loss(grads ? a->dr[s] : NULL, a->r[s], x, B, d, scale * (float)d);
	if (grads)
		nids_dsebm_backward(&a->f, a->arena, p, grads, nids_arena_ptr(a->arena, grads, a->tbp),
		                    &a->acts[s], a->dr[s], B);
	return loss;
}

static int dsebm_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                     const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_arena_setup(m, dsebm_define, NULL, err);
	if (rc < 0)
		return rc;
	struct dsebm *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->f }, 1, &rng);
	nids_net net = { a, m->arena.data, m->arena.size, 64, dsebm_plan, dsebm_step };
	return nids_net_train(&net, train, val, 0, o, m->seed, "", err);
}

static int dsebm_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	return nids_model_arena_setup(m, dsebm_define, file, err);
}

/* ---- scoring ---- */

struct dsebm_scratch {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	nids_dsebm_acts acts;
	float *r, *energy;
};

static void *dsebm_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct dsebm *a = m->state;
	struct dsebm_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	nids_dsebm_acts_plan(&s->acts, &a->f, cap, &s->mem);
	nids_scratch_add(&s->mem, &s->r, (size_t)cap * m->d);
	nids_scratch_add(&s->mem, &s->energy, (size_t)cap);
	return nids_scratch_ready(&s->mem);
}

static void dsebm_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                        unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct dsebm *a = m->state;
	struct dsebm_scratch *s = scratch;
	float *p = m->arena.data;
	int d = m->d;
	nids_dsebm_forward(&a->f, &m->arena, p, nids_arena_ptr(&m->arena, p, a->tbp), &s->acts, x,
	                   B, s->r, s->energy);
	for (int r = 0; r < B; r++) {
		double sum = 0;
		for (int j = 0; j < d; j++) {
			float e = s->r[(size_t)r * d + j] - x[(size_t)r * d + j];
			sum += e * e;
			if (outputs & NIDS_OUT_ERRORS)
				out[(size_t)r * ldo + 1 + j] = e * e;
		}
		out[(size_t)r * ldo] = a->recon ? (float)sum : s->energy[r];
	}
}

const nids_model_type nids_model_dsebm = {
	.name = "dsebm",
	.summary = "deep structured energy model (score matching); score = energy or recon",
	.hparams = DSEBM_HPARAMS,
	.outputs = NIDS_OUT_ERRORS,
	.needs_labels = 0,
	.fit = dsebm_fit,
	.load = dsebm_load,
	.scratch_new = dsebm_scratch_new,
	.scratch_free = nids_scratch_release,
	.score = dsebm_score,
	.free_state = free,
};

/* d energy / d x = x - r(x) for rows x [B x d] into g [B x d], since the reconstruction
 * is r(x) = x - dE/dx (explain_impl.h). Returns 0, 1 when the model scores by the
 * reconstruction error instead (no analytic gradient here), or NIDS_ENOMEM. */
int nids_dsebm_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err)
{
	const struct dsebm *a = m->state;
	if (a->recon)
		return 1;
	float *p = m->arena.data, *energy;
	nids_dsebm_acts acts;
	nids_scratch bufs = { 0 };
	nids_dsebm_acts_plan(&acts, &a->f, B, &bufs);
	nids_scratch_add(&bufs, &energy, (size_t)B);
	int rc = nids_scratch_alloc(&bufs, err);
	if (rc < 0)
		return rc;
	nids_dsebm_forward(&a->f, &m->arena, p, nids_arena_ptr(&m->arena, p, a->tbp), &acts, x, B,
	                   g, energy);
	for (size_t i = 0; i < (size_t)B * m->d; i++)
		g[i] = x[i] - g[i];
	nids_scratch_free(&bufs);
	return rc;
}
