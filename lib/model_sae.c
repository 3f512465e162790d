/* model_sae.c: the sparse autoencoder + softmax classifier of the IDS/IPS system. Stage 1
 * pretrains a one-hidden-layer autoencoder (sigmoid code) on reconstruction MSE plus a
 * KL sparsity penalty toward a mean activation rho and an L2 weight penalty; stage 2
 * puts a softmax layer on the code and fine-tunes encoder and classifier end to end on
 * cross-entropy against the labels (benign/attack) or the classes. Score = P(attack):
 * the probability of the attack classes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nids/model.h"
#include "explain_impl.h"

static const nids_hparam SAE_HPARAMS[] = {
	{ "hidden", 0, "32", "code width (one sigmoid hidden layer)" },
	{ "rho", 0, "0.05", "target mean activation of the code" },
	{ "sparsity", 0, "3", "weight of the KL sparsity penalty" },
	{ "decay", 0, "0.0001", "weight of the L2 weight penalty" },
	{ "pretrain", 0, "10", "epochs of unsupervised pretraining (0: none)" },
	{ "target", 0, "label", "classifier target: label (benign/attack) or class" },
	{ NULL, 0, NULL, NULL },
};

static const char *const TARGETS[] = { "label", "class", NULL };

struct sae {
	nids_mlp enc, dec, cls;
	int C, by_class;
	float rho, beta, decay;
	long pretrain;
	nids_mlp_acts enc_a[64], dec_a[64], cls_a[64];
	float *dx[64], *dcode[64], *dlogit[64];
	int benign_t; /* arena index of the benign mask [1 x C]: 1 for benign classes */
	nids_arena *arena;
};

/* Lays out the tensors for the model's m->nclasses classes. */
static int sae_define(nids_model *m, nids_err *err)
{
	int C = m->nclasses;
	long H, pre;
	double rho, beta, decay;
	int target = nids_model_get_choice(m, "target", TARGETS, err);
	if (target < 0 || nids_model_get_long(m, "hidden", 1, 1 << 16, &H, err) < 0 ||
	    nids_model_get_long(m, "pretrain", 0, 1 << 20, &pre, err) < 0 ||
	    nids_model_get_double(m, "rho", 1e-4, 1 - 1e-4, &rho, err) < 0 ||
	    nids_model_get_double(m, "sparsity", 0, 1e6, &beta, err) < 0 ||
	    nids_model_get_double(m, "decay", 0, 1e6, &decay, err) < 0)
		return target < 0 ? target : NIDS_EUSAGE;
	struct sae *a = calloc(1, sizeof *a);
	if (!a)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->state = a;
	*a = (struct sae){ .C = C, .by_class = target == 1, .rho = (float)rho, .beta = (float)beta,
		           .decay = (float)decay, .pretrain = pre, .arena = &m->arena };
	memset(&m->arena, 0, sizeof m->arena);
	int e[2] = { m->d, (int)H }, d[2] = { (int)H, m->d }, c[2] = { (int)H, C };
	int sig[1] = { NIDS_ACT_SIGMOID }, none[1] = { NIDS_ACT_NONE };
	int rc;
	if ((rc = nids_mlp_define(&a->enc, &m->arena, "enc", 1, e, sig, err)) < 0 ||
	    (rc = nids_mlp_define(&a->dec, &m->arena, "dec", 1, d, sig, err)) < 0 ||
	    (rc = nids_mlp_define(&a->cls, &m->arena, "softmax", 1, c, none, err)) < 0 ||
	    (rc = a->benign_t = nids_arena_add(&m->arena, "benign", 1, C, err)) < 0)
		return rc;
	return 0;
}

static void sae_plan(void *ctx, int s, int cap, nids_scratch *sc)
{
	struct sae *a = ctx;
	nids_mlp_acts_plan(&a->enc_a[s], &a->enc, cap, 1, sc);
	nids_mlp_acts_plan(&a->dec_a[s], &a->dec, cap, 1, sc);
	nids_mlp_acts_plan(&a->cls_a[s], &a->cls, cap, 1, sc);
	nids_scratch_add(sc, &a->dx[s], (size_t)cap * a->enc.dim[0]);
	nids_scratch_add(sc, &a->dcode[s], (size_t)cap * a->enc.dim[1]);
	nids_scratch_add(sc, &a->dlogit[s], (size_t)cap * a->C);
}

/* The L2 penalty on every weight matrix, added once per step (by shard 0). */
static double decay_loss(struct sae *a, float *grads)
{
	const nids_mlp *all[3] = { &a->enc, &a->dec, &a->cls };
	double l = 0;
	for (int i = 0; i < 3; i++) {
		int t = all[i]->w[0];
		size_t n = (size_t)a->arena->t[t].rows * a->arena->t[t].cols;
		l += nids_l2_loss(grads ? nids_arena_ptr(a->arena, grads, t) : NULL,
		                  nids_arena_ptr(a->arena, a->arena->data, t), n, a->decay);
	}
	return l;
}

static double pretrain_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                            float *grads, nids_rng *rng)
{
	(void)y, (void)rng;
	struct sae *a = ctx;
	float *p = a->arena->data;
	int d = a->enc.dim[0], H = a->enc.dim[1];
	float *code = nids_mlp_forward(&a->enc, a->arena, p, &a->enc_a[s], x, B);
	float *rec = nids_mlp_forward(&a->dec, a->arena, p, &a->dec_a[s], code, B);
	float *dx = grads ? a->dx[s] : NULL, *dc = grads ? a->dcode[s] : NULL;
	if (grads) {
		memset(dx, 0, (size_t)B * d * sizeof(float));
		memset(dc, 0, (size_t)B * H * sizeof(float));
	}
	double loss = nids_mse_loss(dx, rec, x, B, d, scale);
	/* sparsity is a batch statistic: this runs unsharded (max_shards 1) */
	loss += nids_kl_sparsity_loss(dc, code, B, H, a->rho, a->beta * (float)B * scale);
	if (s == 0 && grads)
		loss += decay_loss(a, grads);
	if (grads) {
		nids_mlp_backward(&a->dec, a->arena, p, grads, &a->dec_a[s], dx, NULL, dc, B);
		nids_mlp_backward(&a->enc, a->arena, p, grads, &a->enc_a[s], dc, NULL, NULL, B);
	}
	return loss;
}

static double finetune_step(void *ctx, int s, const float *x, const int *y, int B, float scale,
                            float *grads, nids_rng *rng)
{
	(void)rng;
	struct sae *a = ctx;
	float *p = a->arena->data;
	int H = a->enc.dim[1];
	float *code = nids_mlp_forward(&a->enc, a->arena, p, &a->enc_a[s], x, B);
	float *logit = nids_mlp_forward(&a->cls, a->arena, p, &a->cls_a[s], code, B);
	float *dl = grads ? a->dlogit[s] : NULL, *dc = grads ? a->dcode[s] : NULL;
	if (grads) {
		memset(dl, 0, (size_t)B * a->C * sizeof(float));
		memset(dc, 0, (size_t)B * H * sizeof(float));
	}
	double loss = nids_xent_loss(dl, logit, y, B, a->C, scale);
	if (s == 0 && grads)
		loss += decay_loss(a, grads);
	if (grads) {
		nids_mlp_backward(&a->cls, a->arena, p, grads, &a->cls_a[s], dl, NULL, dc, B);
		nids_mlp_backward(&a->enc, a->arena, p, grads, &a->enc_a[s], dc, NULL, NULL, B);
	}
	return loss;
}

static int is_benign_name(const char *s)
{
	return !strcasecmp(s, "normal") || !strcasecmp(s, "benign") || !strcasecmp(s, "background");
}

/* Marks benign classes: with labels, a class whose rows are all label 0; else by name. */
static void mark_benign(nids_model *m, const nids_dataset *ds, float *mask)
{
	struct sae *a = m->state;
	if (!a->by_class) {
		mask[0] = 1, mask[1] = 0;
		return;
	}
	for (int c = 0; c < a->C; c++)
		mask[c] = ds->label ? 1.0f : (float)is_benign_name(m->classes[c]);
	if (!ds->label)
		return;
	int *seen = calloc((size_t)a->C, sizeof *seen);
	for (size_t i = 0; i < ds->n; i++) {
		int c = ds->cls[i];
		if (seen)
			seen[c] = 1;
		if (ds->label[i])
			mask[c] = 0;
	}
	for (int c = 0; seen && c < a->C; c++)
		if (!seen[c]) /* never seen in training: judge by name */
			mask[c] = (float)is_benign_name(m->classes[c]);
	free(seen);
}

static int sae_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err)
{
	const char *target = nids_model_get(m, "target");
	int by_class = target && strcmp(target, "class") == 0;
	if (by_class && !train->cls)
		return nids_err_set(err, NIDS_EFORMAT, NULL,
		                    "--target class needs a class column in the training stream");
	if (!by_class) {
		/* the classifier's two outputs */
		for (int i = 0; i < m->nclasses; i++)
			free(m->classes[i]);
		free(m->classes);
		m->nclasses = 2;
		if (!(m->classes = calloc(3, sizeof *m->classes)) ||
		    !(m->classes[0] = strdup("benign")) || !(m->classes[1] = strdup("attack")))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	if (m->nclasses < 2)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "-t sae needs at least 2 classes");
	int rc = nids_model_arena_setup(m, sae_define, NULL, err);
	if (rc < 0)
		return rc;
	struct sae *a = m->state;
	nids_rng rng;
	nids_model_init_mlps(m, (nids_mlp *const[]){ &a->enc, &a->dec, &a->cls }, 3, &rng);
	mark_benign(m, train, nids_arena_ptr(&m->arena, m->arena.data, a->benign_t));
	if (a->pretrain > 0) {
		nids_fit_opts po = *o;
		po.epochs = (int)a->pretrain;
		nids_net pre = { a, m->arena.data, m->arena.size, 1, sae_plan, pretrain_step };
		if ((rc = nids_net_train(&pre, train, val, 0, &po, m->seed, "pretrain", err)) < 0)
			return rc;
	}
	nids_net fine = { a, m->arena.data, m->arena.size, 64, sae_plan, finetune_step };
	return nids_net_train(&fine, train, val, by_class ? 2 : 1, o, m->seed + 1, "finetune", err);
}

static int sae_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	if (m->nclasses < 2)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "an sae model needs at least 2 classes");
	return nids_model_arena_setup(m, sae_define, file, err);
}

struct sae_scratch {
	nids_scratch mem; /* first: nids_scratch_release frees the struct */
	nids_mlp_acts enc, cls;
	float *prob;
};

static void *sae_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct sae *a = m->state;
	struct sae_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	nids_mlp_acts_plan(&s->enc, &a->enc, cap, 0, &s->mem);
	nids_mlp_acts_plan(&s->cls, &a->cls, cap, 0, &s->mem);
	nids_scratch_add(&s->mem, &s->prob, (size_t)cap * a->C);
	return nids_scratch_ready(&s->mem);
}

static void sae_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                      unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct sae *a = m->state;
	struct sae_scratch *s = scratch;
	float *code = nids_mlp_forward(&a->enc, &m->arena, m->arena.data, &s->enc, x, B);
	float *logit = nids_mlp_forward(&a->cls, &m->arena, m->arena.data, &s->cls, code, B);
	nids_softmax_forward(s->prob, logit, B, a->C);
	const float *benign = nids_arena_ptr(&m->arena, m->arena.data, a->benign_t);
	for (int r = 0; r < B; r++) {
		const float *pr = s->prob + (size_t)r * a->C;
		float *o = out + (size_t)r * ldo;
		double attack = 0;
		for (int c = 0; c < a->C; c++)
			attack += benign[c] ? 0 : pr[c];
		o[0] = (float)attack;
		if (outputs & NIDS_OUT_CLASSES)
			memcpy(o + 1, pr, (size_t)a->C * sizeof(float));
	}
}

const nids_model_type nids_model_sae = {
	.name = "sae",
	.summary = "sparse autoencoder + softmax, supervised; score = P(attack)",
	.hparams = SAE_HPARAMS,
	.outputs = NIDS_OUT_CLASSES,
	.needs_labels = 1,
	.fit = sae_fit,
	.load = sae_load,
	.scratch_new = sae_scratch_new,
	.scratch_free = nids_scratch_release,
	.score = sae_score,
	.free_state = free,
};

/* d score / d x for rows x [B x d] into g [B x d] (explain_impl.h): with P(attack)
 * = sum of the attack classes' softmax probabilities, d score / d logit_c =
 * p_c (attack_c - score), back through the classifier and the encoder. */
int nids_sae_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err)
{
	const struct sae *a = m->state;
	int C = a->C, H = a->enc.dim[a->enc.nlayers], rc = 0;
	nids_mlp_acts ea, ca;
	nids_scratch bufs = { 0 };
	float *prob, *dlogit, *dcode;
	nids_mlp_acts_plan(&ea, &a->enc, B, 1, &bufs);
	nids_mlp_acts_plan(&ca, &a->cls, B, 1, &bufs);
	nids_scratch_add(&bufs, &prob, (size_t)B * C);
	nids_scratch_add(&bufs, &dlogit, (size_t)B * C);
	nids_scratch_add(&bufs, &dcode, (size_t)B * H);
	if ((rc = nids_scratch_alloc(&bufs, err)) < 0)
		return rc;
	float *code = nids_mlp_forward(&a->enc, &m->arena, m->arena.data, &ea, x, B);
	float *logit = nids_mlp_forward(&a->cls, &m->arena, m->arena.data, &ca, code, B);
	nids_softmax_forward(prob, logit, B, C);
	const float *benign = nids_arena_ptr(&m->arena, m->arena.data, a->benign_t);
	for (int r = 0; r < B; r++) {
		const float *pr = prob + (size_t)r * C;
		double attack = 0;
		for (int c = 0; c < C; c++)
			attack += benign[c] ? 0 : pr[c];
		for (int c = 0; c < C; c++)
			dlogit[(size_t)r * C + c] = (float)(pr[c] * ((benign[c] ? 0 : 1) - attack));
	}
	memset(dcode, 0, sizeof(float) * (size_t)B * H);
	nids_mlp_backward(&a->cls, &m->arena, m->arena.data, NULL, &ca, dlogit, NULL, dcode, B);
	memset(g, 0, sizeof(float) * (size_t)B * m->d);
	nids_mlp_backward(&a->enc, &m->arena, m->arena.data, NULL, &ea, dcode, NULL, g, B);
	nids_scratch_free(&bufs);
	return rc;
}
