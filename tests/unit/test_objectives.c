/* test_objectives.c: each neural model's training loss, term by term, equals the value
 * worked out independently in numpy (tests/fixtures/objectives/objectives.py, which
 * prints the constants below) on a tiny fixed input with fixed parameters. A gradient
 * check shows that a loss and its gradient agree; this shows that the loss is the
 * model's: DAGMM's reconstruction, sample energy and covariance penalty with their
 * weights lambda1 and lambda2, the VAE's reconstruction NLL (with its log-variance
 * floor) and beta-weighted KL, MemAE's MSE and alpha-weighted attention entropy (with
 * hard shrinkage), the sparse autoencoder's MSE, KL sparsity (rho, weight), L2 decay and
 * softmax cross-entropy, the AE's MSE or MAE and L1 code penalty, DSEBM's score matching.
 * Each term is isolated by fitting with its weight at 0 and at another value: the loss
 * the model's step returns (through nids_net_train_hook, with --epochs 0) must change by
 * exactly that weight times the term. */
#include <stdlib.h>

#include "check.h"
#include "model_impl.h"

enum { B = 8, D = 4, MAXSTAGES = 4 };

/* numpy's values (objectives.py) */
#define AE_RECON 0.29839767814148233
#define AE_L1 0.92770146556069744
#define AEGMM_RECON 0.58030726082759132
#define AEGMM_L1 1.2264450495961581
#define VAE_NLL 4.9020790083186387
#define VAE_NLL_LVMIN0 5.11713092168233
#define VAE_KL 29.208316309783402
#define SAE_MSE 0.092349399562734302
#define SAE_KL 1.1560857174864356
#define SAE_KL_RHO02 0.3778198796922716
#define SAE_L2 1.7829887476293562
#define SAE_XENT 0.83539560861673623
#define MEMAE_MSE 0.4948266835583654
#define MEMAE_ENTROPY 1.2627765200847223
#define MEMAE_MSE_SHRINK03 0.50691873073001381
#define MEMAE_ENTROPY_SHRINK03 0.69294220569170317
#define DSEBM_SM 2.2410690761850516
#define DAGMM_RECON 0.68140227770934547
#define DAGMM_ENERGY -8.4304112795520378
#define DAGMM_COVPEN 4465.9237021557492

static float X[B * D];
static int Y[B];
static char *FEAT[D] = { "a", "b", "c", "d" };
static char *CLS[2] = { "normal", "attack" };
static int CLSID[B];

static nids_model *current;
static double stage_loss[MAXSTAGES];
static int nstages;

/* Every tensor by its name, as objectives.py fills it. */
static void fill_params(nids_model *m)
{
	for (int t = 0; t < m->arena.n; t++) {
		const nids_tensor *tt = &m->arena.t[t];
		int h = 0;
		for (const char *c = tt->name; *c; c++)
			h += (unsigned char)*c;
		h %= 97;
		float *p = nids_arena_ptr(&m->arena, m->arena.data, t);
		for (int k = 0; k < tt->rows * tt->cols; k++) {
			p[k] = (float)(0.5 * sin(0.7 * k + 0.3 * h));
			if (!strcmp(tt->name, "enc_logvar0.w"))
				p[k] = 0;
			if (!strcmp(tt->name, "enc_logvar0.b"))
				p[k] = -30;
		}
	}
}

/* Called by nids_net_train for each network: the loss of the fixed batch, as a training
 * step computes it (with gradients, as in training; the optimizer never runs). */
static void hook(nids_net *net, const char *stage)
{
	(void)stage;
	CHECK(net->params == current->arena.data, "the net trains the model's arena");
	fill_params(current);
	float *g = calloc(net->nparams, sizeof *g);
	nids_rng rng;
	nids_rng_seed(&rng, 1);
	if (nstages < MAXSTAGES)
		stage_loss[nstages++] = net->step(net->ctx, 0, X, Y, B, 1.0f / B, g, &rng);
	free(g);
}

/* The loss of stage (0: the first network trained) of type with key=value settings. */
static double loss(const char *type, const char *const *kv, int stage)
{
	nids_err err = { 0 };
	nids_model *m = NULL;
	nids_dataset ds = { .n = B, .d = D, .x = X, .label = Y, .cls = CLSID, .nclasses = 2,
		            .classes = CLS, .features = FEAT }, none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 0, .batch = B, .lr = 1e-3, .threads = 1, .patience = 5 };
	CHECK(nids_model_new(&m, type, &err) == 0, "%s", err.msg);
	for (int i = 0; kv && kv[i]; i += 2)
		CHECK(nids_model_set(m, kv[i], kv[i + 1], &err) == 0, "%s=%s: %s", kv[i], kv[i + 1],
		      err.msg);
	current = m;
	nstages = 0;
	nids_net_train_hook = hook;
	int rc = nids_model_fit(m, &ds, &none, &o, &err);
	nids_net_train_hook = NULL;
	CHECK(rc == 0, "%s: fit: %s", type, err.msg);
	CHECK(nstages > stage, "%s: %d networks trained, wanted stage %d", type, nstages, stage);
	double l = nstages > stage ? stage_loss[stage] : NAN;
	nids_model_free(m);
	return l;
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_ae(void)
{
	double base = loss("ae", KV("layers", "3,2", "act", "tanh"), 0);
	CHECK_NEAR(base, AE_RECON, 1e-5);
	double l1 = loss("ae", KV("layers", "3,2", "act", "tanh", "l1", "0.5"), 0);
	CHECK_NEAR(l1 - base, 0.5 * AE_L1, 1e-5);
	double mae = loss("aegmm", KV("layers", "3,2", "k", "1", "l1", "0"), 0);
	CHECK_NEAR(mae, AEGMM_RECON, 1e-5);
	l1 = loss("aegmm", KV("layers", "3,2", "k", "1", "l1", "0.25"), 0);
	CHECK_NEAR(l1 - mae, 0.25 * AEGMM_L1, 1e-5);
	/* -t ae --loss mae is the same network as aegmm's stage 1 with act relu */
	double ae_mae = loss("ae", KV("layers", "3,2", "loss", "mae"), 0);
	CHECK_NEAR(ae_mae, AEGMM_RECON, 1e-5);
}

static void test_vae(void)
{
	const char *const *nokl = KV("hidden", "3", "latent", "2", "beta", "0");
	double nll = loss("vae", nokl, 0);
	CHECK_NEAR(nll, VAE_NLL, 1e-5);
	double one = loss("vae", KV("hidden", "3", "latent", "2"), 0);
	CHECK_NEAR(one - nll, VAE_KL, 1e-5);
	double two = loss("vae", KV("hidden", "3", "latent", "2", "beta", "2"), 0);
	CHECK_NEAR(two - nll, 2 * VAE_KL, 1e-5);
	double floor0 = loss("vae", KV("hidden", "3", "latent", "2", "beta", "0", "lvmin", "0"), 0);
	CHECK_NEAR(floor0, VAE_NLL_LVMIN0, 1e-5);
}

static void test_sae(void)
{
	/* stage 0 is pretraining (MSE + sparsity + decay), stage 1 the softmax fine-tuning */
	const char *const *plain = KV("hidden", "3", "pretrain", "1", "sparsity", "0", "decay", "0");
	CHECK_NEAR(loss("sae", plain, 0), SAE_MSE, 1e-5);
	CHECK_NEAR(loss("sae", plain, 1), SAE_XENT, 1e-5);
	double sp = loss("sae", KV("hidden", "3", "pretrain", "1", "sparsity", "3", "decay", "0"), 0);
	CHECK_NEAR(sp - SAE_MSE, 3 * SAE_KL, 1e-5);
	sp = loss("sae", KV("hidden", "3", "pretrain", "1", "sparsity", "1", "rho", "0.2", "decay",
	                    "0"), 0);
	CHECK_NEAR(sp - SAE_MSE, SAE_KL_RHO02, 1e-5);
	const char *const *decay = KV("hidden", "3", "pretrain", "1", "sparsity", "0", "decay", "0.5");
	CHECK_NEAR(loss("sae", decay, 0) - SAE_MSE, 0.5 * SAE_L2, 1e-5);
	CHECK_NEAR(loss("sae", decay, 1) - SAE_XENT, 0.5 * SAE_L2, 1e-5);
}

static void test_memae(void)
{
	double mse = loss("memae", KV("layers", "3,2", "mem", "5", "alpha", "0"), 0);
	CHECK_NEAR(mse, MEMAE_MSE, 1e-5);
	double ent = loss("memae", KV("layers", "3,2", "mem", "5", "alpha", "0.5"), 0);
	CHECK_NEAR(ent - mse, 0.5 * MEMAE_ENTROPY, 1e-5);
	/* a threshold above some attention weights drops those slots */
	mse = loss("memae", KV("layers", "3,2", "mem", "5", "alpha", "0", "shrink", "0.3"), 0);
	CHECK_NEAR(mse, MEMAE_MSE_SHRINK03, 1e-5);
	ent = loss("memae", KV("layers", "3,2", "mem", "5", "alpha", "1", "shrink", "0.3"), 0);
	CHECK_NEAR(ent - mse, MEMAE_ENTROPY_SHRINK03, 1e-5);
}

static void test_dsebm(void)
{
	CHECK_NEAR(loss("dsebm", KV("layers", "3,2", "sigma", "0"), 0), DSEBM_SM, 1e-5);
}

static void test_dagmm(void)
{
#define DG(l1, l2) KV("layers", "3,1", "est", "3", "k", "2", "dropout", "0", "lambda1", l1, \
	              "lambda2", l2)
	double rec = loss("dagmm", DG("0", "0"), 0);
	CHECK_NEAR(rec, DAGMM_RECON, 1e-5);
	double e = loss("dagmm", DG("1", "0"), 0) - rec;
	CHECK_NEAR(e, DAGMM_ENERGY, 1e-4);
	double p = loss("dagmm", DG("0", "1"), 0) - rec;
	CHECK_NEAR(p, DAGMM_COVPEN, 1e-4);
	/* the paper's weights, the defaults */
	double paper = loss("dagmm", KV("layers", "3,1", "est", "3", "k", "2", "dropout", "0"), 0);
	CHECK_NEAR(paper, DAGMM_RECON + 0.1 * DAGMM_ENERGY + 0.005 * DAGMM_COVPEN, 1e-5);
#undef DG
}

int main(void)
{
	for (int i = 0; i < B; i++) {
		Y[i] = CLSID[i] = i % 3 == 0;
		for (int j = 0; j < D; j++)
			X[i * D + j] = (float)(0.1 * ((3 * i + 5 * j) % 10) + 0.05);
	}
	TEST(test_ae);
	TEST(test_vae);
	TEST(test_sae);
	TEST(test_memae);
	TEST(test_dsebm);
	TEST(test_dagmm);
	return CHECK_DONE();
}
