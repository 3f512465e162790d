/* pool.c: persistent workers woken per job by a generation counter. A training step is
 * a few hundred microseconds, so both sides spin briefly on atomics before sleeping on
 * a condition variable: a wake-up through the kernel would cost a noticeable share of
 * every step. */
#include "pool_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SPINS 2000 /* a few microseconds of polling before blocking; longer spins lose badly
                    * when other processes compete for the cores */

struct nids_pool {
	int n;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	atomic_ulong gen;   /* bumped for every job */
	atomic_int pending; /* workers still running the current job */
	atomic_int stop;
	void (*fn)(void *ctx, int t);
	void *ctx;
};

struct worker_arg {
	nids_pool *p;
	int t;
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Waits until the generation differs from seen (or stop); returns the new one. */
static unsigned long wait_job(nids_pool *p, unsigned long seen)
{
	for (int i = 0; i < SPINS; i++) {
		unsigned long g = atomic_load_explicit(&p->gen, memory_order_acquire);
		if (g != seen || atomic_load(&p->stop))
			return g;
		relax();
	}
	pthread_mutex_lock(&p->mu);
	unsigned long g;
	while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop))
		pthread_cond_wait(&p->go, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return g;
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	nids_pool *p = wa->p;
	int t = wa->t;
	free(wa);
	unsigned long seen = 0;
	for (;;) {
		seen = wait_job(p, seen);
		if (atomic_load(&p->stop))
			break;
		p->fn(p->ctx, t);
		if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
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
	atomic_init(&p->gen, 0);
	atomic_init(&p->pending, 0);
	atomic_init(&p->stop, 0);
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
		p->fn = fn;
		p->ctx = ctx;
		atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
		/* the release publishes fn, ctx and pending to workers that see the new gen */
		atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->mu);
	}
	fn(ctx, 0);
	if (p->n > 1) {
		int i = 0;
		while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0 && i++ < SPINS)
			relax();
		if (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
			pthread_mutex_lock(&p->mu);
			while (atomic_load(&p->pending) > 0)
				pthread_cond_wait(&p->done, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
	}
}

void nids_pool_free(nids_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, 1);
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
