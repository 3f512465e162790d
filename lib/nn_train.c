/* nn_train.c: the minibatch loop every neural model shares. A minibatch is gathered
 * into one buffer, cut into a fixed number of shards that run forward and backward on
 * the pool's threads, each into its own gradient block; the blocks are summed in shard
 * order and one optimizer step follows. So a run depends on the seed and the thread
 * count only. */
#include "model_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/clock.h"
#include "pool_impl.h"


struct trainer {
	nids_net *net;
	int shards;
	float **grads;   /* [shards][nparams]; NULL entries during evaluation */
	float *xb;       /* [batch x d] gathered rows */
	int *yb;         /* [batch] */
	int B, d;
	float scale;
	double loss[NIDS_THREADS_MAX]; /* per shard */
	nids_rng rng[NIDS_THREADS_MAX];
};

static void run_shard(void *ctx, int s)
{
	struct trainer *t = ctx;
	int lo = (int)((long)t->B * s / t->shards), hi = (int)((long)t->B * (s + 1) / t->shards);
	t->loss[s] = 0;
	if (hi <= lo)
		return;
	if (t->grads)
		memset(t->grads[s], 0, t->net->nparams * sizeof(float));
	t->loss[s] = t->net->step(t->net->ctx, s, t->xb + (size_t)lo * t->d, t->yb ? t->yb + lo : NULL,
	                          hi - lo, t->scale, t->grads ? t->grads[s] : NULL, &t->rng[s]);
}

/* Gathers rows idx[0..B) of ds into the batch buffers. */
static void gather(struct trainer *t, const nids_dataset *ds, const uint32_t *idx, int B,
                   int ymode)
{
	size_t d = (size_t)t->d;
	for (int r = 0; r < B; r++)
		memcpy(t->xb + r * d, ds->x + idx[r] * d, d * sizeof(float));
	if (ymode == 1)
		for (int r = 0; r < B; r++)
			t->yb[r] = ds->label[idx[r]];
	else if (ymode == 2)
		for (int r = 0; r < B; r++)
			t->yb[r] = ds->cls[idx[r]];
	t->B = B;
}

static void seed_shards(struct trainer *t, uint64_t seed, uint64_t step)
{
	for (int s = 0; s < t->shards; s++)
		nids_rng_seed2(&t->rng[s], seed, step * 64 + (uint64_t)s);
}

/* Mean loss over val, in batch-sized pieces, without gradients. */
static double evaluate(struct trainer *t, nids_pool *pool, const nids_dataset *val, int batch,
                       int ymode, uint64_t seed)
{
	float **keep = t->grads;
	t->grads = NULL;
	uint32_t *idx = malloc((size_t)batch * sizeof *idx);
	double sum = 0;
	for (size_t at = 0; idx && at < val->n; at += (size_t)batch) {
		int B = (int)(val->n - at < (size_t)batch ? val->n - at : (size_t)batch);
		for (int r = 0; r < B; r++)
			idx[r] = (uint32_t)(at + (size_t)r);
		gather(t, val, idx, B, ymode);
		t->scale = 1.0f;
		seed_shards(t, seed ^ 0xe7a1, at);
		nids_pool_run(pool, run_shard, t);
		for (int s = 0; s < t->shards; s++)
			sum += t->loss[s];
	}
	free(idx);
	t->grads = keep;
	return sum / (double)val->n;
}

static void progress(const nids_fit_opts *o, const char *stage, int ep, double loss, double val,
                     int has_val, double rate, double eta, int live)
{
	if (!o->progress)
		return;
	fprintf(o->progress, "%s%s%sepoch %d/%d loss %.6g", live ? "\r" : "", stage,
	        *stage ? " " : "", ep, o->epochs, loss);
	if (has_val)
		fprintf(o->progress, " val %.6g", val);
	fprintf(o->progress, " %.0f rows/s eta %.0fs%s", rate, eta, live ? "\033[K" : "\n");
	fflush(o->progress);
}

int nids_model_arena_setup(nids_model *m, int (*define)(nids_model *m, nids_err *err),
                           const nids_arena *file, nids_err *err)
{
	int rc = define(m, err);
	/* a file's tensors are checked against the layout before the layout is allocated */
	if (rc < 0 || (file && (rc = nids_arena_check_from(&m->arena, file, err)) < 0) ||
	    (rc = nids_arena_alloc(&m->arena, err)) < 0)
		return rc;
	return file ? nids_arena_fill_from(&m->arena, file, err) : 0;
}

void nids_model_init_mlps(const nids_model *m, nids_mlp *const *nets, int n, nids_rng *rng)
{
	nids_rng_seed(rng, m->seed);
	for (int i = 0; i < n; i++)
		if (nets[i]->nlayers)
			nids_mlp_init(nets[i], &m->arena, m->arena.data, rng);
}

void (*nids_net_train_hook)(nids_net *net, const char *stage);

int nids_net_train(nids_net *net, const nids_dataset *train, const nids_dataset *val, int ymode,
                   const nids_fit_opts *o, uint64_t seed, const char *stage, nids_err *err)
{
	struct trainer t = { .net = net, .d = train->d };
	int threads = o->threads < 1 ? 1 : o->threads;
	t.shards = net->max_shards < threads ? net->max_shards : threads;
	if (t.shards > NIDS_THREADS_MAX)
		t.shards = NIDS_THREADS_MAX;
	nids_pool *pool = NULL;
	nids_optim opt = { 0 };
	nids_scratch bufs = { 0 };
	uint32_t *perm = NULL;
	float *best = NULL;
	int rc = nids_pool_new(&pool, t.shards, err);
	if (rc < 0)
		return rc;
	if ((rc = nids_blas_threads(t.shards > 1 ? 1 : threads, t.shards, err)) < 0) {
		nids_pool_free(pool);
		return rc;
	}
	int batch = o->batch;
	int cap = (batch + t.shards - 1) / t.shards;
	t.grads = calloc((size_t)t.shards, sizeof *t.grads);
	t.yb = calloc((size_t)batch, sizeof *t.yb);
	perm = malloc(train->n * sizeof *perm);
	if (!t.grads || !t.yb || !perm) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for training");
		goto done;
	}
	/* one allocation: the batch, each shard's gradient block and buffers, the best
	 * parameters so far */
	nids_scratch_add(&bufs, &t.xb, (size_t)batch * t.d);
	for (int s = 0; s < t.shards; s++) {
		nids_scratch_add(&bufs, &t.grads[s], net->nparams);
		net->plan(net->ctx, s, cap, &bufs);
	}
	if (val && val->n)
		nids_scratch_add(&bufs, &best, net->nparams);
	if ((rc = nids_scratch_alloc(&bufs, err)) < 0 ||
	    (rc = nids_optim_init(&opt, o->optim, net->nparams, (float)o->lr, err)) < 0)
		goto done;
	opt.weight_decay = (float)o->weight_decay;
	if (nids_net_train_hook)
		nids_net_train_hook(net, stage);
	nids_rng shuffle;
	nids_rng_seed2(&shuffle, seed, 0x5feed);
	double best_val = INFINITY, t_start = nids_seconds();
	int since_best = 0;
	uint64_t step = 0;
	for (int ep = 1; ep <= o->epochs; ep++) {
		double t0 = nids_seconds(), sum = 0, last_live = t0;
		nids_rng_permutation(&shuffle, perm, train->n);
		for (size_t at = 0; at < train->n; at += (size_t)batch) {
			int B = (int)(train->n - at < (size_t)batch ? train->n - at : (size_t)batch);
			gather(&t, train, perm + at, B, ymode);
			t.scale = 1.0f / (float)B;
			seed_shards(&t, seed, step++);
			nids_pool_run(pool, run_shard, &t);
			double l = 0;
			for (int s = 0; s < t.shards; s++)
				l += t.loss[s];
			for (int s = 1; s < t.shards; s++)
				for (size_t i = 0; i < net->nparams; i++)
					t.grads[0][i] += t.grads[s][i];
			if (!isfinite(l)) {
				rc = nids_err_set(err, NIDS_EFORMAT, NULL,
				                  "%s%straining diverged: the loss is %s in epoch %d "
				                  "(try a smaller --lr or normalized input)", stage,
				                  *stage ? ": " : "", isnan(l) ? "nan" : "inf", ep);
				goto done;
			}
			nids_optim_step(&opt, net->params, t.grads[0]);
			sum += l * B;
			if (o->progress_tty && nids_seconds() - last_live > 0.25) {
				double done_frac = (double)(at + (size_t)B) / (double)train->n;
				double rate = (double)(at + (size_t)B) / (nids_seconds() - t0);
				progress(o, stage, ep, sum / (double)(at + (size_t)B), 0, 0, rate,
				         (nids_seconds() - t0) / done_frac * (o->epochs - ep + 1 - done_frac), 1);
				last_live = nids_seconds();
			}
		}
		double secs = nids_seconds() - t0, rate = (double)train->n / secs;
		double vloss = 0;
		int has_val = val && val->n;
		if (has_val) {
			vloss = evaluate(&t, pool, val, batch, ymode, seed + (uint64_t)ep);
			if (!isfinite(vloss)) {
				rc = nids_err_set(err, NIDS_EFORMAT, NULL, "training diverged: the "
				                  "validation loss is %s in epoch %d", isnan(vloss) ? "nan"
				                  : "inf", ep);
				goto done;
			}
		}
		double eta = (nids_seconds() - t_start) / ep * (o->epochs - ep);
		progress(o, stage, ep, sum / (double)train->n, vloss, has_val, rate, eta, 0);
		if (o->report) {
			o->report->epochs = ep;
			o->report->loss = sum / (double)train->n;
			o->report->val_loss = has_val ? vloss : NAN;
		}
		if (has_val) {
			if (vloss < best_val) {
				best_val = vloss;
				since_best = 0;
				memcpy(best, net->params, net->nparams * sizeof(float));
			} else if (++since_best >= o->patience) {
				if (o->progress)
					fprintf(o->progress, "%s%sstopping early: no better validation loss "
					        "in %d epochs\n", stage, *stage ? " " : "", o->patience);
				break;
			}
		}
	}
	if (best)
		memcpy(net->params, best, net->nparams * sizeof(float));
	rc = 0;
done:
	nids_scratch_free(&bufs);
	free(t.grads);
	free(t.yb);
	free(perm);
	nids_optim_free(&opt);
	nids_pool_free(pool);
	return rc;
}
