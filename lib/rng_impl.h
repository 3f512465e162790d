/* rng_impl.h: the one seeded random number generator every model uses.
 *
 * xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64, so that any 64-bit
 * seed, including 0, gives a well-mixed state. The same seed gives the same sequence on
 * every platform: models are reproducible from the seed recorded in their file.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_RNG_IMPL_H
#define NIDS_RNG_IMPL_H

#include <stddef.h>
#include <stdint.h>

typedef struct nids_rng {
	uint64_t s[4];
} nids_rng;

/* Seeds the state from seed (splitmix64 of seed, seed+1, ...). */
void nids_rng_seed(nids_rng *r, uint64_t seed);

/* Seeds a stream that depends on both a seed and an index (a row number): used where a
 * value must not depend on how rows were batched or split over threads. */
void nids_rng_seed2(nids_rng *r, uint64_t seed, uint64_t index);

/* The next 64 random bits. */
uint64_t nids_rng_next(nids_rng *r);

/* Uniform in [0, 1) with 24 random bits (exact in float32). */
float nids_rng_uniform(nids_rng *r);

/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t nids_rng_below(nids_rng *r, uint64_t n);

/* Standard normal (Box-Muller; each call draws two uniforms and returns one value,
 * so the sequence does not depend on call parity). */
float nids_rng_normal(nids_rng *r);
/* Fills out [n] with standard normal draws, two per Box-Muller pair (the cosine and the
 * sine), half the work of n calls to nids_rng_normal; a different stream from it. */
void nids_rng_normal_fill(nids_rng *r, float *out, size_t n);

/* Fills idx[0..n) with a uniformly random permutation of 0..n-1 (Fisher-Yates). */
void nids_rng_permutation(nids_rng *r, uint32_t *idx, size_t n);

#endif
