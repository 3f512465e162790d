/* rng.c: xoshiro256** seeded by splitmix64 (both public domain algorithms by Vigna). */
#include "rng_impl.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void nids_rng_seed(nids_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

void nids_rng_seed2(nids_rng *r, uint64_t seed, uint64_t index)
{
	uint64_t x = seed;
	uint64_t mixed = splitmix64(&x) ^ (index * 0xd1342543de82ef95ull + 0x2545f4914f6cdd1dull);
	nids_rng_seed(r, mixed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nids_rng_next(nids_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

float nids_rng_uniform(nids_rng *r)
{
	return (float)(nids_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

uint64_t nids_rng_below(nids_rng *r, uint64_t n)
{
	/* rejection from the top of the range keeps every residue equally likely */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = nids_rng_next(r);
	while (x >= limit);
	return x % n;
}

/* sin and cos of one angle (libm's sincos is a GNU extension) */
static void sincos_pair(double a, double *s, double *c)
{
	*s = sin(a);
	*c = cos(a);
}

float nids_rng_normal(nids_rng *r)
{
	/* u1 in (0, 1] so log never sees 0 */
	double u1 = ((double)(nids_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	double u2 = (double)(nids_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void nids_rng_normal_fill(nids_rng *r, float *out, size_t n)
{
	for (size_t i = 0; i < n; i += 2) {
		double u1 = ((double)(nids_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
		double u2 = (double)(nids_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
		double rad = sqrt(-2.0 * log(u1)), s, c;
		sincos_pair(6.283185307179586 * u2, &s, &c);
		out[i] = (float)(rad * c);
		if (i + 1 < n)
			out[i + 1] = (float)(rad * s);
	}
}

void nids_rng_permutation(nids_rng *r, uint32_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)nids_rng_below(r, i);
		uint32_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
