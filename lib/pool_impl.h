/* pool_impl.h: a fixed set of worker threads that run one function over shard indices, for
 * data-parallel training steps and batch scoring. Work is split by the caller into a
 * fixed number of shards, so results depend on the thread count, never on timing.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_POOL_IMPL_H
#define NIDS_POOL_IMPL_H

#include "nids/err.h"

typedef struct nids_pool nids_pool;

/* Starts nthreads - 1 workers (the caller is thread 0). Returns 0 or NIDS_ENOMEM /
 * NIDS_EIO (thread creation failed); *p owned by the caller, free with nids_pool_free. */
int nids_pool_new(nids_pool **p, int nthreads, nids_err *err);

/* Number of threads, the caller included. */
int nids_pool_size(const nids_pool *p);

/* Runs fn(ctx, t) for every t in [0, size) concurrently, t = 0 on the calling thread,
 * and returns when all have finished. */
void nids_pool_run(nids_pool *p, void (*fn)(void *ctx, int t), void *ctx);

/* Stops and joins the workers, frees. Accepts NULL. */
void nids_pool_free(nids_pool *p);

#endif
