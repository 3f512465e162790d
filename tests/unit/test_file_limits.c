/* test_file_limits.c: the small files beside streams allocate by their size. A params
 * file claiming more columns than its bytes can hold is refused before anything is
 * allocated for them. */
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "le_impl.h"
#include "nids/normalize.h"

static const char *tmp_path(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/nids-test-flimits-%d-%s",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), name);
	return buf;
}

/* A params file of one column "a" whose header says D columns. */
static void write_params(const char *path, uint32_t D)
{
	unsigned char b[36 + 2 + 1 + 32 + 4] = { 0x89, 'N', 'I', 'D', 'N', '\r', '\n', 0x1a };
	size_t len = sizeof b;
	nids_put16(b + 8, 1);
	nids_put32(b + 16, (uint32_t)len);
	nids_put32(b + 20, 0); /* minmax */
	nids_put32(b + 24, D);
	nids_put64(b + 28, 10);
	nids_put16(b + 36, 1);
	b[38] = 'a';
	/* min 0, max 1, mean 0.5, sd 0.25 as little-endian float64 */
	double s[4] = { 0, 1, 0.5, 0.25 };
	for (int k = 0; k < 4; k++) {
		uint64_t u;
		memcpy(&u, &s[k], 8);
		nids_put64(b + 39 + 8 * k, u);
	}
	nids_put32(b + len - 4, XXH32(b, len - 4, 0));
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, len, f);
	fclose(f);
}

static void params_columns_bounded_by_size(void)
{
	const char *path = tmp_path("params");
	nids_norm *n = NULL;
	nids_err err = { 0 };
	write_params(path, 1);
	CHECK(nids_norm_load(&n, path, &err) == 0, "one column: %s", err.msg);
	CHECK(n && nids_norm_columns(n) == 1, "columns");
	nids_norm_free(n);
	n = NULL;
	write_params(path, 65536);
	CHECK(nids_norm_load(&n, path, &err) == NIDS_EFORMAT, "65536 columns in 75 bytes loaded");
	CHECK(strcmp(err.msg, "corrupt params file (method 0, 65536 columns)") == 0, "%s", err.msg);
	nids_norm_free(n);
	unlink(path);
}

int main(void)
{
	TEST(params_columns_bounded_by_size);
	return CHECK_DONE();
}
