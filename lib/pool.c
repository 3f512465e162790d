/* pool.c: persistent workers woken per job by a generation counter, so a training step
 * costs a condition-variable round trip instead of a thread creation. */
#include "nids/pool.h"

#include <pthread.h>
#include <stdlib.h>

struct nids_pool {
	int n;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long gen; /* bumped for every job */
	int pending;       /* workers still running the current job */
	int stop;
	void (*fn)(void *ctx, int t);
	void *ctx;
};

struct worker_arg {
	nids_pool *p;
	int t;
};

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	nids_pool *p = wa->p;
	int t = wa->t;
	free(wa);
	unsigned long seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->stop)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->ctx, t);
		pthread_mutex_lock(&p->mu);
		if (--p->pending == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int nids_pool_new(nids_pool **pp, int nthreads, nids_err *err)
{
	*pp = NULL;
	nids_pool *p = calloc(1, sizeof *p);
	if (!p || !(p->tid = calloc((size_t)(nthreads > 1 ? nthreads : 1), sizeof *p->tid))) {
		free(p);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	p->n = 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int t = 1; t < nthreads; t++) {
		struct worker_arg *wa = malloc(sizeof *wa);
		if (wa)
			*wa = (struct worker_arg){ p, t };
		if (!wa || pthread_create(&p->tid[t], NULL, worker, wa)) {
			free(wa);
			nids_pool_free(p);
			return nids_err_set(err, NIDS_EIO, NULL, "cannot start thread %d", t);
		}
		p->n++;
	}
	*pp = p;
	return 0;
}

int nids_pool_size(const nids_pool *p) { return p->n; }

void nids_pool_run(nids_pool *p, void (*fn)(void *ctx, int t), void *ctx)
{
	if (p->n > 1) {
		pthread_mutex_lock(&p->mu);
		p->fn = fn;
		p->ctx = ctx;
		p->pending = p->n - 1;
		p->gen++;
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->mu);
	}
	fn(ctx, 0);
	if (p->n > 1) {
		pthread_mutex_lock(&p->mu);
		while (p->pending > 0)
			pthread_cond_wait(&p->done, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
}

void nids_pool_free(nids_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int t = 1; t < p->n; t++)
		pthread_join(p->tid[t], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done);
	free(p->tid);
	free(p);
}
