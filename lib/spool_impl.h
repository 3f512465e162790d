/* spool_impl.h: a temporary file of fixed-size records (nf floats, then nb bytes), written
 * in one pass and read back in order, a block at a time. The row spools that need the
 * whole input before their first output row use it: nids-featurize's csv format while it
 * learns its vocabularies, nids-split --balance, nids-normalize --fit. Internal to lib/. */
#ifndef NIDS_SPOOL_IMPL_H
#define NIDS_SPOOL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "nids/err.h"

typedef struct nids_spool nids_spool;

/* Creates an empty spool (an unnamed temporary file) of records of nf floats and nb bytes.
 * Returns 0, or NIDS_EIO / NIDS_ENOMEM with *sp NULL. Free with nids_spool_free. */
int nids_spool_open(nids_spool **sp, size_t nf, size_t nb, nids_err *err);

/* Appends one record: nf floats from f, nb bytes from b (NULL when nb is 0).
 * Returns 0 or NIDS_EIO. */
int nids_spool_put(nids_spool *s, const float *f, const void *b, nids_err *err);

/* Records written so far. */
uint64_t nids_spool_count(const nids_spool *s);

/* Reads the next records back, from the first on the first call: *f gets k rows of nf
 * floats, *b their k records of nb bytes, both lent until the next call (and each row's
 * floats are aligned). Returns k (up to about 1 MiB of records), 0 after the last, or
 * NIDS_EIO. No record may be put after the first read. */
long nids_spool_next(nids_spool *s, float **f, unsigned char **b, nids_err *err);

/* Closes the file (removing it) and frees s; NULL is fine. */
void nids_spool_free(nids_spool *s);

#endif
