/* fuzz_stream.c: the record stream reader and what nids-cat and nids-normalize do with
 * the rows it returns. The input is a stream whose checksums the harness recomputes. */
#include "fuzz_common.h"

#include "nids/cat.h"
#include "nids/io.h"
#include "nids/normalize.h"
#include "nids/stream.h"

/* Opens path as a stream; 0 with *in and *r set, else nonzero with nothing to free. */
static int open_stream(const char *path, nids_input **in, nids_reader **r)
{
	nids_err err = { 0 };
	if (nids_input_open(in, path, &err))
		return 1;
	if (nids_reader_open(r, *in, &err)) {
		nids_input_free(*in);
		return 1;
	}
	return 0;
}

static void read_all(const char *path)
{
	nids_input *in;
	nids_reader *r;
	if (open_stream(path, &in, &r))
		return;
	nids_err err = { 0 };
	float *rows;
	long n;
	double sum = 0;
	while ((n = nids_reader_next(r, &rows, &err)) > 0) {
		const nids_header *h = nids_reader_header(r);
		for (long i = 0; i < n * h->ncols; i++) /* every lent float is readable */
			sum += rows[i];
	}
	nids_cat_describe(nids_reader_header(r), fuzz_null(), &err);
	nids_reader_free(r);
	nids_input_free(in);
	(void)sum;
}

static void cat_text(const char *path, char delim)
{
	nids_input *in;
	nids_reader *r;
	if (open_stream(path, &in, &r))
		return;
	nids_err err = { 0 };
	nids_cat_opts o = { .delim = delim, .header = 1, .cols = NULL, .head = -1 };
	nids_cat_to_text(r, fuzz_null(), &o, &err);
	nids_reader_free(r);
	nids_input_free(in);
}

static void normalize(const char *path, int method)
{
	nids_input *in;
	nids_reader *r;
	if (open_stream(path, &in, &r))
		return;
	nids_err err = { 0 };
	nids_norm *n = NULL;
	int rc = nids_normalize_fit_stream(r, "fuzz", method, fuzz_null(), "null", 0, &n, &err);
	nids_reader_free(r);
	nids_input_free(in);
	if (rc == 0 && !open_stream(path, &in, &r)) { /* apply what was fitted, clamping */
		nids_normalize_apply_stream(r, "fuzz", n, 1, fuzz_null(), "null", 0, &err);
		nids_reader_free(r);
		nids_input_free(in);
	}
	nids_norm_free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d = malloc(size ? size : 1);
	if (!d)
		return 0;
	memcpy(d, data, size);
	fuzz_fix_stream(d, size);
	const char *path = fuzz_file(0, d, size);
	free(d);
	read_all(path);
	cat_text(path, size & 1 ? ',' : '\t');
	normalize(path, (int)(size % 3));
	return 0;
}
