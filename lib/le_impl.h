/* le_impl.h: little-endian integers in byte buffers, as the stream, model and params file
 * formats store them (whatever the host's byte order).
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_LE_IMPL_H
#define NIDS_LE_IMPL_H

#include <stdint.h>
#include <string.h>

static inline void nids_put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static inline void nids_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static inline void nids_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static inline unsigned nids_get16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }

static inline uint32_t nids_get32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t nids_get64(const unsigned char *p)
{
	return nids_get32(p) | (uint64_t)nids_get32(p + 4) << 32;
}

#endif
