/* split_sample_impl.h: the reservoir behind nids-split's exact-size sampling. Internal. */
#ifndef NIDS_SPLIT_SAMPLE_IMPL_H
#define NIDS_SPLIT_SAMPLE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "nids/err.h"

/* A uniform sample of cap rows without replacement from the rows offered (Vitter's
 * algorithm R): the first cap fill the slots, and row i (0-based) then replaces slot
 * floor(u (i + 1)) when that is below cap, u uniform in [0, 1). Every cap-subset of
 * the rows offered is equally likely. Slots grow as they fill, so a large cap costs
 * only the rows actually held. */
typedef struct nids_reservoir {
	uint64_t cap, seen; /* slots wanted; rows offered */
	size_t n, alloc;    /* slots filled; allocated */
	size_t C, M;        /* floats and metadata bytes per row */
	float *x;           /* [alloc x C] */
	unsigned char *meta; /* [alloc x M] */
	uint64_t *pos;      /* [alloc] the row's input position */
} nids_reservoir;

void nids_reservoir_init(nids_reservoir *r, uint64_t cap, size_t C, size_t M);
/* Offers a row at input position pos with the uniform draw u. Returns 0 or NIDS_ENOMEM. */
int nids_reservoir_offer(nids_reservoir *r, const float *row, const unsigned char *meta,
                         uint64_t pos, double u, nids_err *err);
/* Sorts the held rows by input position. Returns 0 or NIDS_ENOMEM. */
int nids_reservoir_sort(nids_reservoir *r, nids_err *err);
void nids_reservoir_free(nids_reservoir *r);

#endif
