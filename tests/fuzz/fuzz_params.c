/* fuzz_params.c: the small files programs read beside streams: nids-normalize params,
 * --fit-vocab vocabularies and nids-threshold files.
 *
 * Input: byte 0 picks the file kind (0 params, 1 vocabulary, 2 threshold), byte 1 the
 * harness options; the rest is the file. The harness recomputes the file's checksum
 * (and, with option bit 0, a params file's length field) so that mutations get past it.
 * What loads is then used: params bound to a header of their columns and applied,
 * a vocabulary applied by the csv featurizer, a threshold written back. */
#include "fuzz_common.h"

#include "feat_impl.h"
#include "nids/feat.h"
#include "nids/normalize.h"
#include "nids/stream.h"
#include "nids/threshold.h"

/* The line that starts at or after the last newline but one, or NULL. */
static uint8_t *last_line(uint8_t *d, size_t n)
{
	if (n == 0 || d[n - 1] != '\n')
		return NULL;
	size_t i = n - 1;
	while (i > 0 && d[i - 1] != '\n')
		i--;
	return d + i;
}

static void put_hex(uint8_t *p, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 7; i >= 0; i--, v >>= 4)
		p[i] = (uint8_t)hex[v & 15];
}

static void params(uint8_t *d, size_t n, unsigned opt)
{
	if (n >= 40 && (opt & 1))
		nids_put32(d + 16, (uint32_t)n);
	if (n >= 40)
		nids_put32(d + n - 4, XXH32(d, n - 4, 0));
	nids_norm *nm = NULL;
	nids_err err = { 0 };
	if (nids_norm_load(&nm, fuzz_file(0, d, n), &err))
		return;
	nids_norm_save(nm, fuzz_null(), "null", &err);
	nids_header *h = nids_header_new();
	int D = nids_norm_columns(nm), ok = h != NULL;
	for (int j = 0; ok && j < D; j++)
		ok = nids_header_add_column(h, nids_norm_column_name(nm, j), NIDS_ROLE_FEATURE,
		                            &err) >= 0;
	if (ok && nids_header_add_column(h, "label", NIDS_ROLE_LABEL, &err) >= 0 &&
	    nids_norm_bind(nm, h, "fuzz", &err) == 0) {
		static const float vals[] = { 0, 1, -1, 1e30f, -3e38f, 0.5f, 1e-40f, 7 };
		float *rows = malloc(sizeof(float) * 8 * (size_t)(D + 1));
		for (int i = 0; rows && i < 8 * (D + 1); i++)
			rows[i] = vals[(i + (int)opt) % 8];
		if (rows) {
			nids_norm_apply(nm, rows, 8, (opt >> 1) & 1, "fuzz", 0, &err);
			free(rows);
		}
	}
	nids_header_free(h);
	nids_norm_free(nm);
}

static void vocabulary(uint8_t *d, size_t n)
{
	uint8_t *last = last_line(d, n);
	if (last && d + n - last == 19 && !memcmp(last, "end\txxh32\t", 10))
		put_hex(last + 10, XXH32(d, (size_t)(last - d), 0));
	const char *path = fuzz_file(0, d, n);
	feat_vocab_file v;
	nids_err err = { 0 };
	if (feat_vocab_read(path, &v, &err) == 0)
		feat_vocab_file_free(&v);
	/* and through the featurizer, on a small CSV whose columns the seeds name */
	static const char csv[] = "dur,proto,service,bytes,host,Label\n"
	                          "1.5,tcp,http,100,a,normal\n3,icmp,ftp,5,z,smurf\n"
	                          "0,udp,dns,40,b,neptune\n";
	const char *csv_path = fuzz_file(1, (const uint8_t *)csv, sizeof csv - 1);
	nids_input *in;
	if (nids_input_open(&in, csv_path, &err))
		return;
	nids_feat_opts o;
	nids_feat_opts_init(&o);
	o.format = "csv";
	o.onehot_cols = "proto,service";
	o.vocab_in = path;
	nids_feat_stats st;
	nids_featurize(&in, 1, fuzz_null(), "null", &o, &st, &err);
	nids_input_free(in);
}

static void threshold(uint8_t *d, size_t n)
{
	uint8_t *last = last_line(d, n);
	if (last && d + n - last == 15 && !memcmp(last, "xxh32 ", 6))
		put_hex(last + 6, XXH32(d, (size_t)(last - d), 0));
	nids_threshold t;
	nids_err err = { 0 };
	if (nids_threshold_read(fuzz_file(0, d, n), &t, &err) == 0)
		nids_threshold_write(fuzz_null(), "null", &t, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t n = size - 2;
	uint8_t *d = malloc(n ? n : 1);
	if (!d)
		return 0;
	memcpy(d, data + 2, n);
	switch (data[0] % 3) {
	case 0: params(d, n, data[1]); break;
	case 1: vocabulary(d, n); break;
	default: threshold(d, n); break;
	}
	free(d);
	return 0;
}
