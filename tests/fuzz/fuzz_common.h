/* fuzz_common.h: what every libFuzzer harness shares.
 *
 * The library reads inputs by path, so a harness writes each input into one memfd and
 * hands the library "/proc/self/fd/N". The fixers recompute the checksums a mutation
 * broke, so that mutated bytes reach the parsers behind the checksum tests instead of
 * stopping at them. */
#ifndef NIDS_FUZZ_COMMON_H
#define NIDS_FUZZ_COMMON_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "le_impl.h"
#include "nids/io.h"
#include "nids/stream.h"

/* A file holding data[0..size), named by the returned path (static storage). Each call
 * replaces the previous content of the file numbered slot (0..3). */
static inline const char *fuzz_file(int slot, const uint8_t *data, size_t size)
{
	static int fds[4] = { -1, -1, -1, -1 };
	static char paths[4][64];
	if (fds[slot] < 0) {
		fds[slot] = memfd_create("nids-fuzz", 0);
		if (fds[slot] < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
	}
	if (ftruncate(fds[slot], 0) != 0 || (size && pwrite(fds[slot], data, size, 0) != (ssize_t)size)) {
		perror("memfd write");
		abort();
	}
	return paths[slot];
}

/* Opens the stream buf [len] as file slot; 0, or nonzero with nothing to free. */
static inline int fuzz_open_stream(int slot, const char *buf, size_t len, nids_input **in,
                                   nids_reader **r)
{
	nids_err err = { 0 };
	if (nids_input_open(in, fuzz_file(slot, (const uint8_t *)buf, len), &err))
		return -1;
	if (nids_reader_open(r, *in, &err)) {
		nids_input_free(*in);
		return -1;
	}
	return 0;
}

/* A stdio sink that discards what is written. */
static inline FILE *fuzz_null(void)
{
	static FILE *f;
	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	clearerr(f);
	return f;
}

/* Stream checksums (man/nids-stream.5): major 1 uses XXH32, later majors the low 32
 * bits of XXH3-64. */
static inline uint32_t fuzz_stream_sum(int major, const void *p, size_t n, int seeded,
                                       const void *bh)
{
	if (major == 1)
		return XXH32(p, n, seeded ? XXH32(bh, 12, 0) : 0);
	return (uint32_t)XXH3_64bits_withSeed(p, n, seeded ? XXH3_64bits(bh, 12) : 0);
}

/* Rewrites in place every header and block checksum of a stream that the lengths in
 * the bytes themselves reach; stops at the first length that runs past the end. */
static inline void fuzz_fix_stream(uint8_t *d, size_t n)
{
	static const uint8_t magic[8] = { 0x89, 'N', 'I', 'D', 'S', '\r', '\n', 0x1a };
	size_t p = 0;
	while (p + 28 <= n && memcmp(d + p, magic, 8) == 0) {
		int major = nids_get16(d + p + 8);
		uint32_t len = nids_get32(d + p + 16);
		if (len < 32 || len > n - p)
			return;
		nids_put32(d + p + len - 4, fuzz_stream_sum(major, d + p, len - 4, 0, NULL));
		p += len;
		for (;;) { /* blocks up to and including the end block */
			if (p + 16 > n)
				return;
			uint32_t flags = nids_get32(d + p + 4), plen = nids_get32(d + p + 8);
			if (plen > n - p - 16)
				return;
			nids_put32(d + p + 12, fuzz_stream_sum(major, d + p + 16, plen, 1, d + p));
			p += 16 + (size_t)plen;
			if (flags & 4u)
				break;
		}
	}
}

#endif
