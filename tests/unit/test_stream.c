/* test_stream.c: the record stream's round trip, truncation, corruption, versioning,
 * concatenation and the frozen golden file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "check.h"
#include "nids/stream.h"

#define GOLDEN "tests/fixtures/golden/small-v3.rec"
#define GOLDEN_V2 "tests/fixtures/golden/small-v2.rec"
#define GOLDEN_META "tests/fixtures/golden/meta-v3.rec"
#define GOLDEN_V1 "tests/fixtures/golden/small-v1.rec"

static char tmp_path[64];

/* A header: 3 features, label, class; classes normal, neptune. */
static nids_header *make_header(void)
{
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "duration", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "src_bytes", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "dst_bytes", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "label", NIDS_ROLE_LABEL, NULL);
	nids_header_add_column(h, "class", NIDS_ROLE_CLASS, NULL);
	nids_header_add_class(h, "normal");
	nids_header_add_class(h, "neptune");
	return h;
}

static void fill_rows(float *rows, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		rows[i * 5 + 0] = (float)((i * 7 + seed) % 1000) / 3.0f;
		rows[i * 5 + 1] = (float)(i + seed) * 1.5f;
		rows[i * 5 + 2] = -(float)i;
		rows[i * 5 + 3] = (float)(i % 2);
		rows[i * 5 + 4] = (float)(i % 2);
	}
}

/* Writes n rows (level 0 raw, else zstd) into a memory buffer; returns its size. */
static size_t write_stream(unsigned char **out, size_t n, int level, unsigned seed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	nids_header *h = make_header();
	nids_writer *w;
	nids_err err = { 0 };
	CHECK(nids_writer_open(&w, f, "mem", h, level, &err) == 0, "%s", err.msg);
	float *rows = malloc(sizeof(float) * 5 * (n ? n : 1));
	fill_rows(rows, n, seed);
	/* in uneven pieces, so blocks do not line up with the calls */
	for (size_t i = 0; i < n;) {
		size_t k = n - i < 12345 ? n - i : 12345;
		CHECK(nids_writer_write(w, rows + i * 5, k, &err) == 0, "%s", err.msg);
		i += k;
	}
	CHECK(nids_writer_close(w, &err) == 0, "%s", err.msg);
	fclose(f);
	free(rows);
	nids_header_free(h);
	*out = (unsigned char *)buf;
	return len;
}

static void put_file(const unsigned char *b, size_t n)
{
	strcpy(tmp_path, "/tmp/nids-test-XXXXXX");
	int fd = mkstemp(tmp_path);
	CHECK(fd >= 0, "mkstemp");
	CHECK(write(fd, b, n) == (ssize_t)n, "write");
	close(fd);
}

/* Reads a whole stream; returns 0 or the error code, with the rows read and a checksum
 * over their values so callers can compare contents. */
static int read_all(const unsigned char *b, size_t n, uint64_t *nrows, double *sum,
                    nids_err *err)
{
	put_file(b, n);
	nids_input *in;
	nids_reader *r = NULL;
	int rc = nids_input_open(&in, tmp_path, err);
	*nrows = 0;
	*sum = 0;
	size_t at = 0;
	if (!rc)
		rc = nids_reader_open(&r, in, err);
	while (!rc) {
		float *rows;
		long k = nids_reader_next(r, &rows, err);
		if (k <= 0) {
			rc = (int)k;
			break;
		}
		size_t C = (size_t)nids_reader_header(r)->ncols;
		for (size_t i = 0; i < (size_t)k * C; i++, at++)
			*sum += rows[i] * (double)((at % 7) + 1);
		*nrows += (uint64_t)k;
	}
	nids_reader_free(r);
	nids_input_free(in);
	unlink(tmp_path);
	return rc;
}

static double expected_sum(size_t n, unsigned seed)
{
	float *rows = malloc(sizeof(float) * 5 * (n ? n : 1));
	fill_rows(rows, n, seed);
	double s = 0;
	for (size_t i = 0; i < n * 5; i++)
		s += rows[i] * (double)((i % 7) + 1);
	free(rows);
	return s;
}

static void round_trip(void)
{
	const size_t sizes[] = { 1, 3, 52428, 52429, 200000 };
	for (int level = 0; level <= 3; level += 3)
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			unsigned char *b;
			size_t len = write_stream(&b, sizes[i], level, 1);
			uint64_t n;
			double s;
			nids_err err = { 0 };
			int rc = read_all(b, len, &n, &s, &err);
			CHECK(rc == 0, "level %d n %zu: %s", level, sizes[i], err.msg);
			CHECK(n == sizes[i], "rows %llu want %zu", (unsigned long long)n, sizes[i]);
			CHECK(s == expected_sum(sizes[i], 1), "contents differ at n=%zu", sizes[i]);
			free(b);
		}
}

static void header_round_trip(void)
{
	unsigned char *b;
	size_t len = write_stream(&b, 10, 0, 0);
	put_file(b, len);
	nids_input *in;
	nids_reader *r;
	nids_err err = { 0 };
	CHECK(nids_input_open(&in, tmp_path, &err) == 0, "%s", err.msg);
	CHECK(nids_reader_open(&r, in, &err) == 0, "%s", err.msg);
	const nids_header *h = nids_reader_header(r);
	nids_header *want = make_header();
	CHECK(nids_header_compare_columns(h, want, "x", &err) == 0, "%s", err.msg);
	CHECK(h->nclasses == 2 && !strcmp(h->classes[1], "neptune"), "classes");
	CHECK(h->cols[4].role == NIDS_ROLE_CLASS, "role");
	nids_header_free(want);
	nids_reader_free(r);
	nids_input_free(in);
	unlink(tmp_path);
	free(b);
}

static void empty_stream(void)
{
	unsigned char *b;
	size_t len = write_stream(&b, 0, 0, 0);
	uint64_t n;
	double s;
	nids_err err = { 0 };
	CHECK(read_all(b, len, &n, &s, &err) == 0, "%s", err.msg);
	CHECK(n == 0, "rows %llu", (unsigned long long)n);
	/* no bytes at all is an error, not an empty stream */
	CHECK(read_all(b, 0, &n, &s, &err) == NIDS_EFORMAT, "empty input");
	free(b);
	CHECK(strstr(err.msg, "empty input") != NULL, "%s", err.msg);
}

/* The offsets where blocks start: parse the format just enough to find them. */
static size_t block_starts(const unsigned char *b, size_t len, size_t *starts, size_t max)
{
	uint32_t hlen = b[16] | b[17] << 8 | b[18] << 16 | (uint32_t)b[19] << 24;
	size_t n = 0, off = hlen;
	while (off + 16 <= len && n < max) {
		starts[n++] = off;
		uint32_t plen = b[off + 8] | b[off + 9] << 8 | b[off + 10] << 16 |
		                (uint32_t)b[off + 11] << 24;
		off += 16 + plen;
	}
	return n;
}

static void truncation(void)
{
	for (int level = 0; level <= 1; level++) {
		unsigned char *b;
		size_t len = write_stream(&b, 120000, level, 2);
		size_t starts[64];
		size_t nb = block_starts(b, len, starts, 64);
		CHECK(nb >= 3, "want several blocks, got %zu", nb);
		uint64_t n;
		double s;
		nids_err err = { 0 };
		/* at every block boundary, and in the middle of every block */
		for (size_t i = 0; i < nb; i++) {
			size_t cuts[3] = { starts[i], starts[i] + 7,
				           starts[i] + 16 + (i + 1 < nb ? (starts[i + 1] - starts[i] - 16) / 2 : 3) };
			for (int c = 0; c < 3; c++) {
				int rc = read_all(b, cuts[c], &n, &s, &err);
				CHECK(rc == NIDS_ETRUNCATED, "cut at %zu: rc %d (%s)", cuts[c], rc, err.msg);
			}
		}
		/* inside the header */
		for (size_t cut = 1; cut < starts[0]; cut += 5) {
			int rc = read_all(b, cut, &n, &s, &err);
			CHECK(rc < 0, "header cut at %zu accepted", cut);
		}
		/* one byte short of the end */
		CHECK(read_all(b, len - 1, &n, &s, &err) == NIDS_ETRUNCATED, "last byte");
		CHECK(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
		free(b);
	}
}

static void bit_flip(void)
{
	for (int level = 0; level <= 1; level++) {
		unsigned char *b;
		size_t len = write_stream(&b, 30000, level, 3);
		uint64_t n;
		double s;
		nids_err err = { 0 };
		/* a sample of positions over header, block headers and payloads */
		size_t step = len / 257 + 1;
		for (size_t pos = 0; pos < len; pos += step) {
			for (int bit = 0; bit < 8; bit += 3) {
				b[pos] ^= (unsigned char)(1u << bit);
				int rc = read_all(b, len, &n, &s, &err);
				CHECK(rc < 0, "flip at byte %zu bit %d read as valid (%llu rows, %zu bytes)", pos, bit,
				      (unsigned long long)n, len);
				b[pos] ^= (unsigned char)(1u << bit);
			}
		}
		free(b);
	}
}

static void unknown_major(void)
{
	unsigned char *b;
	size_t len = write_stream(&b, 5, 0, 0);
	b[8] = NIDS_STREAM_MAJOR + 1;
	uint64_t n;
	double s;
	nids_err err = { 0 };
	CHECK(read_all(b, len, &n, &s, &err) == NIDS_EVERSION, "major 4 accepted");
	CHECK(strstr(err.msg, "version 4.0 is not supported") != NULL, "%s", err.msg);
	/* nor is a version-3 stream relabelled as version 1: its checksums are not XXH32 */
	b[8] = 1;
	CHECK(read_all(b, len, &n, &s, &err) < 0, "v3 read as v1: %s", err.msg);
	free(b);
}

static void text_input_hint(void)
{
	const char *csv = "0,tcp,http,SF,181,5450\n";
	uint64_t n;
	double s;
	nids_err err = { 0 };
	CHECK(read_all((const unsigned char *)csv, strlen(csv), &n, &s, &err) == NIDS_EFORMAT,
	      "csv read as stream");
	CHECK(strstr(err.msg, "try nids-featurize") != NULL, "%s", err.msg);
}

static void concatenation(void)
{
	unsigned char *a, *b;
	size_t la = write_stream(&a, 70000, 0, 4), lb = write_stream(&b, 35, 1, 5);
	unsigned char *ab = malloc(la + lb), *ba = malloc(la + lb);
	memcpy(ab, a, la);
	memcpy(ab + la, b, lb);
	memcpy(ba, b, lb);
	memcpy(ba + lb, a, la);
	uint64_t n;
	double s;
	nids_err err = { 0 };
	double want = expected_sum(70000, 4) + expected_sum(35, 5);
	CHECK(read_all(ab, la + lb, &n, &s, &err) == 0, "%s", err.msg);
	CHECK(n == 70035 && s == want, "a+b: %llu rows", (unsigned long long)n);
	CHECK(read_all(ba, la + lb, &n, &s, &err) == 0, "%s", err.msg);
	CHECK(n == 70035 && fabs(s - want) <= 1e-9 * fabs(want), "b+a: %llu rows", (unsigned long long)n);
	/* truncating the second segment is still detected */
	CHECK(read_all(ab, la + lb - 3, &n, &s, &err) == NIDS_ETRUNCATED, "cut second");
	free(ab);
	free(ba);
	free(a);
	free(b);
}

/* A second segment with a different column list is an error naming the column. */
static void concatenation_mismatch(void)
{
	unsigned char *a;
	size_t la = write_stream(&a, 4, 0, 0);
	char *buf = NULL;
	size_t lb = 0;
	FILE *f = open_memstream(&buf, &lb);
	nids_header *h = make_header();
	free(h->cols[1].name);
	h->cols[1].name = strdup("dst_bytes_x");
	nids_writer *w;
	nids_err err = { 0 };
	nids_writer_open(&w, f, "mem", h, 0, &err);
	nids_writer_close(w, &err);
	fclose(f);
	unsigned char *ab = malloc(la + lb);
	memcpy(ab, a, la);
	memcpy(ab + la, buf, lb);
	uint64_t n;
	double s;
	CHECK(read_all(ab, la + lb, &n, &s, &err) == NIDS_EMISMATCH, "mismatch accepted");
	CHECK(strstr(err.msg, "column 2: 'src_bytes' vs 'dst_bytes_x' (concatenated streams "
	                      "differ)") != NULL,
	      "%s", err.msg);
	free(ab);
	free(a);
	free(buf);
	nids_header_free(h);
}

/* Class tables are unified by name across segments and class blocks. */
static void class_remap(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	nids_err err = { 0 };
	for (int seg = 0; seg < 2; seg++) {
		nids_header *h = make_header();
		if (seg == 1) { /* the second segment lists its classes the other way round */
			char *t = h->classes[0];
			h->classes[0] = h->classes[1];
			h->classes[1] = t;
		}
		nids_writer *w;
		nids_writer_open(&w, f, "mem", h, 0, &err);
		float row[5] = { 1, 2, 3, 1, 1 };
		nids_writer_write(w, row, 1, &err);
		int id = nids_writer_add_class(w, seg ? "smurf" : "satan", &err);
		CHECK(id == 2, "new class id %d", id);
		row[4] = 2;
		nids_writer_write(w, row, 1, &err);
		nids_writer_close(w, &err);
		nids_header_free(h);
	}
	fclose(f);
	put_file((unsigned char *)buf, len);
	nids_input *in;
	nids_reader *r;
	nids_input_open(&in, tmp_path, &err);
	CHECK(nids_reader_open(&r, in, &err) == 0, "%s", err.msg);
	float got[4];
	int k = 0;
	float *rows;
	long m;
	while ((m = nids_reader_next(r, &rows, &err)) > 0)
		for (long i = 0; i < m && k < 4; i++)
			got[k++] = rows[i * 5 + 4];
	CHECK(m == 0, "%s", err.msg);
	const nids_header *h = nids_reader_header(r);
	CHECK(k == 4, "rows %d", k);
	CHECK(h->nclasses == 4, "classes %d", h->nclasses);
	/* normal=0 neptune=1 satan=2 smurf=3; segment 2's id 1 is normal */
	CHECK(got[0] == 1 && got[1] == 2 && got[2] == 0 && got[3] == 3, "ids %g %g %g %g",
	      got[0], got[1], got[2], got[3]);
	CHECK(!strcmp(h->classes[2], "satan") && !strcmp(h->classes[3], "smurf"), "names");
	nids_reader_free(r);
	nids_input_free(in);
	unlink(tmp_path);
	free(buf);
}

/* A fixture file's bytes (malloc'd), or NULL after a failed check. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL, "missing %s", path);
	if (!f)
		return NULL;
	unsigned char *g = malloc(1 << 20);
	*len = fread(g, 1, 1 << 20, f);
	fclose(f);
	return g;
}

/* A golden file of an older major version: it reads, with its contents, and a flipped
 * payload bit is caught under that version's checksums. */
static void golden_old(const char *path, int major)
{
	size_t glen;
	unsigned char *g = slurp(path, &glen);
	if (!g)
		return;
	CHECK(glen > 8 && g[8] == major && g[9] == 0, "%s is not version %d", path, major);
	uint64_t n;
	double s;
	nids_err err = { 0 };
	CHECK(read_all(g, glen, &n, &s, &err) == 0, "%s", err.msg);
	CHECK(n == 7 && s == expected_sum(7, 9), "golden v%d contents", major);
	g[glen - 40] ^= 4;
	CHECK(read_all(g, glen, &n, &s, &err) == NIDS_ECHECKSUM, "v%d bit flip: %s", major, err.msg);
	free(g);
}

/* Format 1 (XXH32 checksums) was frozen in small-v1.rec, format 2 (XXH3, no metadata)
 * in small-v2.rec, by the library of their time: readers keep reading them. */
static void golden_v1(void) { golden_old(GOLDEN_V1, 1); }
static void golden_v2(void) { golden_old(GOLDEN_V2, 2); }

/* The golden file was written once by this library (raw blocks); a reader must keep
 * reading it byte for byte, and the writer must keep producing it. */
static void golden(void)
{
	size_t glen;
	unsigned char *g = slurp(GOLDEN, &glen);
	if (!g)
		return;
	unsigned char *b;
	size_t len = write_stream(&b, 7, 0, 9);
	CHECK(len == glen && memcmp(b, g, len) == 0, "writer output differs from %s", GOLDEN);
	uint64_t n;
	double s;
	nids_err err = { 0 };
	CHECK(read_all(g, glen, &n, &s, &err) == 0, "%s", err.msg);
	CHECK(n == 7 && s == expected_sum(7, 9), "golden contents");
	free(b);
	free(g);
}

/* ---- metadata columns, the string table and header records ---- */

/* time, src_addr, src_port, proto, record, file, exact: one of each type */
static nids_header *make_meta_header(void)
{
	nids_header *h = make_header();
	nids_header_add_meta(h, "time", NIDS_TYPE_TIME, NIDS_ROLE_TIME, NULL);
	nids_header_add_meta(h, "src_addr", NIDS_TYPE_ADDR, NIDS_ROLE_ID, NULL);
	nids_header_add_meta(h, "src_port", NIDS_TYPE_PORT, NIDS_ROLE_ID, NULL);
	nids_header_add_meta(h, "proto", NIDS_TYPE_PROTO, NIDS_ROLE_ID, NULL);
	nids_header_add_meta(h, "record", NIDS_TYPE_U64, NIDS_ROLE_ID, NULL);
	nids_header_add_meta(h, "file", NIDS_TYPE_STR, NIDS_ROLE_ID, NULL);
	nids_header_add_meta(h, "exact", NIDS_TYPE_F64, NIDS_ROLE_META, NULL);
	nids_header_set_ext(h, "nids.test", "params", 6);
	return h;
}

#define META_W (8 + 16 + 2 + 1 + 8 + 4 + 8)

/* Row i's metadata; file names come from the writer's string table. */
static void fill_meta(unsigned char *m, size_t i, uint32_t file_id)
{
	nids_meta_put_i64(m, 1469577600000000LL + (int64_t)i * 1000001);
	char a[32];
	snprintf(a, sizeof a, i % 3 ? "42.219.%zu.%zu" : "2001:db8::%zx", (i / 256) % 256, i % 256);
	CHECK(nids_addr_parse(a, strlen(a), m + 8) == 0, "parse %s", a);
	nids_meta_put_u16(m + 24, (unsigned)(i * 13 % 65536));
	m[26] = (unsigned char)(i % 3 ? 6 : 17);
	nids_meta_put_u64(m + 27, i + 1);
	nids_meta_put_u32(m + 35, file_id);
	nids_meta_put_f64(m + 39, (double)i / 3.0);
}

static size_t write_meta_stream(unsigned char **out, size_t n, int level, const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	nids_header *h = make_meta_header();
	CHECK(h->meta_width == META_W, "meta width %d", h->meta_width);
	nids_writer *w;
	nids_err err = { 0 };
	CHECK(nids_writer_open(&w, f, "mem", h, level, &err) == 0, "%s", err.msg);
	float *rows = malloc(sizeof(float) * 5 * (n ? n : 1));
	unsigned char *meta = malloc(META_W * (n ? n : 1));
	fill_rows(rows, n, 1);
	int id = nids_writer_add_string(w, file, &err);
	CHECK(id >= 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		fill_meta(meta + i * META_W, i, (uint32_t)id);
	CHECK(nids_writer_write(w, rows, n, &err) == NIDS_EUSAGE,
	      "rows without metadata accepted");
	for (size_t i = 0; i < n;) {
		size_t k = n - i < 7777 ? n - i : 7777;
		CHECK(nids_writer_write_meta(w, rows + i * 5, meta + i * META_W, k, &err) == 0, "%s",
		      err.msg);
		i += k;
	}
	CHECK(nids_writer_close(w, &err) == 0, "%s", err.msg);
	fclose(f);
	free(rows);
	free(meta);
	nids_header_free(h);
	*out = (unsigned char *)buf;
	return len;
}

/* Reads a metadata stream back and checks every value; returns the rows read. */
static uint64_t check_meta_stream(const unsigned char *b, size_t len, const char *const *files,
                                  const size_t *counts, nids_err *err, int *rc)
{
	put_file(b, len);
	nids_input *in;
	nids_reader *r = NULL;
	uint64_t got = 0;
	*rc = nids_input_open(&in, tmp_path, err);
	if (!*rc)
		*rc = nids_reader_open(&r, in, err);
	size_t seg = 0, at = 0;
	unsigned char want[META_W];
	while (!*rc) {
		float *rows;
		long k = nids_reader_next(r, &rows, err);
		if (k <= 0) {
			*rc = (int)k;
			break;
		}
		const nids_header *h = nids_reader_header(r);
		const unsigned char *m = nids_reader_meta(r);
		for (long i = 0; i < k; i++, got++, at++) {
			while (at >= counts[seg])
				at -= counts[seg++];
			uint32_t fid = nids_meta_get_u32(m + i * META_W + 35);
			CHECK(fid < (uint32_t)h->nstrings && !strcmp(h->strings[fid], files[seg]),
			      "row %llu file id %u", (unsigned long long)got, fid);
			fill_meta(want, at, fid);
			CHECK(!memcmp(want, m + i * META_W, META_W), "row %llu metadata differs",
			      (unsigned long long)got);
		}
	}
	if (r) {
		size_t elen;
		const unsigned char *e = nids_header_get_ext(nids_reader_header(r), "nids.test", &elen);
		CHECK(e && elen == 6 && !memcmp(e, "params", 6), "header record lost");
	}
	nids_reader_free(r);
	nids_input_free(in);
	unlink(tmp_path);
	return got;
}

static void meta_round_trip(void)
{
	const size_t sizes[] = { 1, 20000, 70001 };
	for (int level = 0; level <= 3; level += 3)
		for (size_t i = 0; i < 3; i++) {
			unsigned char *b;
			size_t len = write_meta_stream(&b, sizes[i], level, "day1.csv");
			const char *files[] = { "day1.csv" };
			nids_err err = { 0 };
			int rc;
			uint64_t n = check_meta_stream(b, len, files, &sizes[i], &err, &rc);
			CHECK(rc == 0 && n == sizes[i], "level %d n %zu: %llu rows, %s", level, sizes[i],
			      (unsigned long long)n, err.msg);
			free(b);
		}
}

/* Concatenated segments keep their metadata; string ids are unified by text. */
static void meta_concatenation(void)
{
	unsigned char *a, *b;
	size_t na = 30000, nb = 17;
	size_t la = write_meta_stream(&a, na, 0, "a.csv"), lb = write_meta_stream(&b, nb, 1, "b.csv");
	unsigned char *ab = malloc(la + lb);
	memcpy(ab, a, la);
	memcpy(ab + la, b, lb);
	const char *files[] = { "a.csv", "b.csv" };
	size_t counts[] = { na, nb };
	nids_err err = { 0 };
	int rc;
	uint64_t n = check_meta_stream(ab, la + lb, files, counts, &err, &rc);
	CHECK(rc == 0 && n == na + nb, "%llu rows: %s", (unsigned long long)n, err.msg);
	free(ab);
	free(a);
	free(b);
}

/* Segments whose header records differ (other preprocessing) do not concatenate. */
static void meta_concatenation_mismatch(void)
{
	unsigned char *a;
	size_t la = write_meta_stream(&a, 3, 0, "a.csv");
	char *buf = NULL;
	size_t lb = 0;
	FILE *f = open_memstream(&buf, &lb);
	nids_header *h = make_meta_header();
	nids_header_set_ext(h, "nids.test", "other!", 6);
	nids_writer *w;
	nids_err err = { 0 };
	nids_writer_open(&w, f, "mem", h, 0, &err);
	nids_writer_close(w, &err);
	fclose(f);
	unsigned char *ab = malloc(la + lb);
	memcpy(ab, a, la);
	memcpy(ab + la, buf, lb);
	uint64_t n;
	double s;
	CHECK(read_all(ab, la + lb, &n, &s, &err) == NIDS_EMISMATCH, "mismatch accepted");
	CHECK(strstr(err.msg, "header record 'nids.test' differs") != NULL, "%s", err.msg);
	free(ab);
	free(a);
	free(buf);
	nids_header_free(h);
}

/* Addresses and times as text, both ways. */
static void meta_text(void)
{
	const char *addrs[] = { "42.219.156.30", "0.0.0.1", "2001:db8::1", "::1", "fe80::1:0:0:2",
		                "2001:db8:0:1:1:1:1:1" };
	unsigned char a[16];
	char buf[64];
	for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++) {
		CHECK(nids_addr_parse(addrs[i], strlen(addrs[i]), a) == 0, "%s", addrs[i]);
		nids_addr_format(a, buf);
		CHECK(!strcmp(buf, addrs[i]), "%s printed as %s", addrs[i], buf);
	}
	/* RFC 5952: lowercase, the longest zero run compressed, leading zeros dropped */
	CHECK(nids_addr_parse("2001:0DB8:0000:0000:0001:0000:0000:0001", 39, a) == 0, "long form");
	nids_addr_format(a, buf);
	CHECK(!strcmp(buf, "2001:db8::1:0:0:1"), "%s", buf);
	CHECK(nids_addr_parse("42.219.156", 10, a) < 0 && nids_addr_parse("", 0, a) < 0, "bad");
	int64_t us;
	CHECK(nids_time_parse("2016-07-27 13:43:21", 19, &us) == 0 && us == 1469627001000000LL,
	      "%lld", (long long)us);
	nids_time_format(us, 0, buf);
	CHECK(!strcmp(buf, "2016-07-27T13:43:21Z"), "%s", buf);
	nids_time_format(us + 250, 1, buf);
	CHECK(!strcmp(buf, "1469627001.000250"), "%s", buf);
	CHECK(nids_time_parse(buf, strlen(buf), &us) == 0 && us == 1469627001000250LL, "epoch");
	nids_time_format(us, 0, buf);
	CHECK(!strcmp(buf, "2016-07-27T13:43:21.000250Z"), "%s", buf);
	CHECK(nids_time_parse(buf, strlen(buf), &us) == 0 && us == 1469627001000250LL, "iso");
	CHECK(nids_time_parse("1969-12-31T23:59:59.5Z", 22, &us) == 0 && us == -500000, "%lld",
	      (long long)us);
	nids_time_format(us, 0, buf);
	CHECK(!strcmp(buf, "1969-12-31T23:59:59.500000Z"), "%s", buf);
	CHECK(nids_time_parse("2016-13-01 00:00:00", 19, &us) < 0, "month 13");
	CHECK(nids_time_parse("12x", 3, &us) < 0, "junk");
}

/* Times print as what they are and read back as the same microseconds, in both forms:
 * negative times with a fraction (-1.5 s is -1500000, not -2.5 s), years outside
 * 0000-9999 (written as seconds), and the extremes INT64_MIN + 1 and INT64_MAX. */
static void time_round_trip(void)
{
	static const struct {
		int64_t us;
		const char *iso, *epoch; /* what nids_time_format writes without and with epoch */
	} t[] = {
		{ 0, "1970-01-01T00:00:00Z", "0" },
		{ -1, "1969-12-31T23:59:59.999999Z", "-0.000001" },
		{ -500000, "1969-12-31T23:59:59.500000Z", "-0.500000" },
		{ -1000000, "1969-12-31T23:59:59Z", "-1" },
		{ -1500000, "1969-12-31T23:59:58.500000Z", "-1.500000" },
		{ 1500000, "1970-01-01T00:00:01.500000Z", "1.500000" },
		{ 951782400000000, "2000-02-29T00:00:00Z", "951782400" },
		{ -62167219200000000, "0000-01-01T00:00:00Z", "-62167219200" },
		{ -62167219200000001, "-62167219200.000001", "-62167219200.000001" },
		{ -62167219201500000, "-62167219201.500000", "-62167219201.500000" },
		{ 253402300799999999, "9999-12-31T23:59:59.999999Z", "253402300799.999999" },
		{ 253402300800000000, "253402300800", "253402300800" },
		{ INT64_MAX, "9223372036854.775807", "9223372036854.775807" },
		{ INT64_MIN + 1, "-9223372036854.775807", "-9223372036854.775807" },
	};
	char buf[64];
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		for (int epoch = 0; epoch < 2; epoch++) {
			const char *want = epoch ? t[i].epoch : t[i].iso;
			int n = nids_time_format(t[i].us, epoch, buf);
			CHECK(n == (int)strlen(buf) && !strcmp(buf, want), "%lld (epoch %d): '%s', want '%s'",
			      (long long)t[i].us, epoch, buf, want);
			int64_t us = 0;
			CHECK(nids_time_parse(buf, strlen(buf), &us) == 0 && us == t[i].us,
			      "'%s' read back as %lld, want %lld", buf, (long long)us, (long long)t[i].us);
		}
	/* a magnitude over INT64_MAX microseconds would wrap (or be "none"): refused */
	int64_t us;
	CHECK(nids_time_parse("9223372036854.775808", 20, &us) < 0, "INT64_MAX + 1");
	CHECK(nids_time_parse("-9223372036854.775808", 21, &us) < 0, "INT64_MIN");
	CHECK(nids_time_parse("99999999999999", 14, &us) < 0, "too many seconds");
}

/* A day past its month's end is refused, not moved into the next month; February has
 * 29 days in Gregorian leap years (every 4th year, but not centuries not divisible by
 * 400). */
static void time_calendar(void)
{
	static const struct {
		const char *s;
		int ok;
	} t[] = {
		{ "2016-02-29T00:00:00Z", 1 }, { "2016-02-30T00:00:00Z", 0 },
		{ "2015-02-29T00:00:00Z", 0 }, { "2015-02-28T23:59:59Z", 1 },
		{ "2000-02-29 00:00:00", 1 },  { "1900-02-29T00:00:00Z", 0 },
		{ "0000-02-29T00:00:00Z", 1 }, { "2016-04-31T00:00:00Z", 0 },
		{ "2016-04-30T00:00:00Z", 1 }, { "2016-06-31T00:00:00Z", 0 },
		{ "2016-09-31T00:00:00Z", 0 }, { "2016-11-31T00:00:00Z", 0 },
		{ "2016-12-31T00:00:00Z", 1 }, { "2016-01-32T00:00:00Z", 0 },
		{ "2016-01-00T00:00:00Z", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		int64_t us = 0;
		int rc = nids_time_parse(t[i].s, strlen(t[i].s), &us);
		CHECK((rc == 0) == t[i].ok, "'%s': %d", t[i].s, rc);
		char buf[64];
		if (t[i].ok) { /* the same day prints back */
			nids_time_format(us, 0, buf);
			CHECK(!strncmp(buf, t[i].s, 10), "'%s' printed as '%s'", t[i].s, buf);
		}
	}
}

/* meta-v3.rec was written once by this library: metadata of every type, a string table
 * and a header record. The writer must keep producing it, readers keep reading it, and
 * every flipped bit in it is detected. */
static void golden_meta(void)
{
	size_t glen;
	unsigned char *g = slurp(GOLDEN_META, &glen);
	if (!g)
		return;
	unsigned char *b;
	size_t len = write_meta_stream(&b, 9, 0, "golden.csv");
	CHECK(len == glen && memcmp(b, g, len) == 0, "writer output differs from %s", GOLDEN_META);
	const char *files[] = { "golden.csv" };
	size_t count = 9;
	nids_err err = { 0 };
	int rc;
	CHECK(check_meta_stream(g, glen, files, &count, &err, &rc) == 9 && rc == 0, "%s", err.msg);
	for (size_t pos = 0; pos < glen; pos++)
		for (int bit = 0; bit < 8; bit++) {
			g[pos] ^= (unsigned char)(1u << bit);
			uint64_t n;
			double s;
			CHECK(read_all(g, glen, &n, &s, &err) < 0, "flip at byte %zu bit %d read as valid",
			      pos, bit);
			g[pos] ^= (unsigned char)(1u << bit);
		}
	free(b);
	free(g);
}

/* A stream of no rows with one class block of count names (name i is "c<i % distinct>")
 * before its end block; returns its length. */
static size_t class_block_stream(unsigned char **out, uint32_t count, uint32_t distinct)
{
	unsigned char *e;
	size_t el = write_stream(&e, 0, 0, 0);
	size_t hl = el - 24; /* the end block: 16 + 8 bytes */
	size_t cap = hl + 16 + (size_t)count * 12 + 24;
	unsigned char *b = malloc(cap), *p = b + hl + 16;
	memcpy(b, e, hl);
	for (uint32_t i = 0; i < count; i++) {
		char nm[16];
		int n = snprintf(nm, sizeof nm, "c%u", i % distinct);
		p[0] = (unsigned char)n, p[1] = 0;
		memcpy(p + 2, nm, (size_t)n);
		p += 2 + n;
	}
	uint32_t plen = (uint32_t)(p - (b + hl + 16));
	unsigned char *bh = b + hl;
	memcpy(bh, &count, 4);
	uint32_t flags = 2;
	memcpy(bh + 4, &flags, 4);
	memcpy(bh + 8, &plen, 4);
	uint32_t sum = (uint32_t)XXH3_64bits_withSeed(bh + 16, plen, XXH3_64bits(bh, 12));
	memcpy(bh + 12, &sum, 4);
	memcpy(p, e + hl, 24);
	free(e);
	*out = b;
	return (size_t)(p - b) + 24;
}

/* A class block that repeats a name is refused, and a large class table is read in
 * linear time (the names are hashed). */
static void class_table_limits(void)
{
	unsigned char *b;
	uint64_t n;
	double sum;
	nids_err err = { 0 };
	size_t len = class_block_stream(&b, 60000, 60000);
	CHECK(read_all(b, len, &n, &sum, &err) == 0, "60000 classes: %s", err.msg);
	free(b);
	len = class_block_stream(&b, 200000, 1);
	CHECK(read_all(b, len, &n, &sum, &err) == NIDS_EFORMAT, "repeated name accepted");
	CHECK(strstr(err.msg, "class 'c0' named twice") != NULL, "%s", err.msg);
	free(b);
	len = class_block_stream(&b, 70000, 70000);
	CHECK(read_all(b, len, &n, &sum, &err) == NIDS_EFORMAT, "70000 classes accepted");
	CHECK(strstr(err.msg, "more than 65536 class names") != NULL, "%s", err.msg);
	free(b);
	nids_header *h = make_header();
	char name[32];
	for (int i = 0; i < 60000; i++) {
		snprintf(name, sizeof name, "class%d", i);
		CHECK(nids_header_add_class(h, name) == i + 2, "class %d", i);
	}
	CHECK(nids_header_add_class(h, "class59999") == 60001, "lookup");
	nids_header_free(h);
}

/* Names the reader refuses (empty, a class name over NIDS_MAX_NAME bytes, a string over
 * NIDS_MAX_STRING) never join a header's tables, so no writer can write them; names of
 * the longest lengths allowed go through a header and back. */
static void name_length_limits(void)
{
	char *big = malloc(NIDS_MAX_STRING + 2);
	memset(big, 'a', NIDS_MAX_STRING + 1);
	big[NIDS_MAX_STRING + 1] = 0;
	nids_header *h = make_header();
	CHECK(nids_header_add_class(h, "") == NIDS_EUSAGE, "empty class name");
	CHECK(nids_header_add_string(h, "") == NIDS_EUSAGE, "empty string");
	big[NIDS_MAX_NAME + 1] = 0;
	CHECK(nids_header_add_class(h, big) == NIDS_EUSAGE, "class name of 1025 bytes");
	big[NIDS_MAX_NAME + 1] = 'a';
	big[NIDS_MAX_STRING + 1] = 0;
	CHECK(nids_header_add_string(h, big) == NIDS_EUSAGE, "string of 65536 bytes");
	CHECK(h->nclasses == 2 && h->nstrings == 0, "%d classes, %d strings", h->nclasses,
	      h->nstrings);
	big[NIDS_MAX_NAME] = 0;
	CHECK(nids_header_add_class(h, big) == 2, "class name of 1024 bytes");
	big[NIDS_MAX_NAME] = 'a';
	big[NIDS_MAX_STRING] = 0;
	CHECK(nids_header_add_string(h, big) == 0, "string of 65535 bytes");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	nids_writer *w;
	nids_err err = { 0 };
	CHECK(nids_writer_open(&w, f, "mem", h, 0, &err) == 0, "%s", err.msg);
	CHECK(nids_writer_close(w, &err) == 0, "%s", err.msg);
	fclose(f);
	put_file((unsigned char *)buf, len);
	nids_input *in;
	nids_reader *r = NULL;
	CHECK(nids_input_open(&in, tmp_path, &err) == 0, "%s", err.msg);
	CHECK(nids_reader_open(&r, in, &err) == 0, "%s", err.msg);
	const nids_header *rh = r ? nids_reader_header(r) : NULL;
	CHECK(rh && rh->nclasses == 3 && strlen(rh->classes[2]) == NIDS_MAX_NAME &&
	              rh->nstrings == 1 && strlen(rh->strings[0]) == NIDS_MAX_STRING,
	      "tables read back");
	nids_reader_free(r);
	nids_input_free(in);
	unlink(tmp_path);
	free(buf);
	free(big);
	nids_header_free(h);
}

/* Several input files read as one: nids_reader_file_rows and nids_reader_name follow the
 * file each block comes from; the segments of one file count on; an error in a later
 * file names it and the row within it. */
static void file_positions(void)
{
	unsigned char *a, *b;
	size_t la = write_stream(&a, 200000, 0, 1), lb = write_stream(&b, 3, 3, 2);
	char pa[64], pb[64], pab[64], pcut[64];
	put_file(a, la);
	strcpy(pa, tmp_path);
	put_file(b, lb);
	strcpy(pb, tmp_path);
	unsigned char *ab = malloc(la + lb);
	memcpy(ab, a, la);
	memcpy(ab + la, b, lb);
	put_file(ab, la + lb);
	strcpy(pab, tmp_path);
	put_file(b, lb - 5);
	strcpy(pcut, tmp_path);
	const char *paths[] = { pb, pa, pab, pcut };
	/* after each block: the file it came from and the rows read from it so far */
	const char *want_name[] = { pb, pa, pa, pa, pa, pab, pab, pab, pab, pab, pcut };
	const uint64_t want_rows[] = { 3, 52428, 104856, 157284, 200000, 52428, 104856, 157284,
		                       200000, 200003, 3 };
	nids_input *in;
	nids_reader *r = NULL;
	nids_err err = { 0 };
	CHECK(nids_input_open_files(&in, paths, 4, 0, &err) == 0, "%s", err.msg);
	CHECK(nids_reader_open(&r, in, &err) == 0, "%s", err.msg);
	float *rows;
	long k = 0;
	int blocks = 0;
	while (r && (k = nids_reader_next(r, &rows, &err)) > 0) {
		CHECK(blocks < 11, "more blocks than written");
		if (blocks >= 11)
			break;
		CHECK(!strcmp(nids_reader_name(r), want_name[blocks]), "block %d: name %s want %s",
		      blocks, nids_reader_name(r), want_name[blocks]);
		CHECK(nids_reader_file_rows(r) == want_rows[blocks], "block %d: file rows %llu want %llu",
		      blocks, (unsigned long long)nids_reader_file_rows(r),
		      (unsigned long long)want_rows[blocks]);
		blocks++;
	}
	CHECK(blocks == 11, "blocks %d", blocks);
	CHECK(nids_reader_rows(r) == 400009, "rows %llu", (unsigned long long)nids_reader_rows(r));
	char where[128];
	snprintf(where, sizeof where, "%s: row 4", pcut);
	CHECK(k == NIDS_ETRUNCATED && !strcmp(err.where, where), "error %ld at '%s' want '%s'", k,
	      err.where, where);
	nids_reader_free(r);
	nids_input_free(in);
	unlink(pa), unlink(pb), unlink(pab), unlink(pcut);
	free(a), free(b), free(ab);
}

/* ---- checks behind valid checksums: blocks re-signed after an edit ---- */

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Signs the block at bh again (format 3: XXH3 of the payload seeded with XXH3 of the
 * header's first 12 bytes), as a writer would after the edit. */
static void resign(unsigned char *bh)
{
	uint32_t plen = get32(bh + 8);
	uint32_t sum = (uint32_t)XXH3_64bits_withSeed(bh + 16, plen, XXH3_64bits(bh, 12));
	memcpy(bh + 12, &sum, 4);
}

/* The first data block (no flags) of a raw stream, or NULL. */
static unsigned char *first_data_block(unsigned char *b, size_t len)
{
	size_t starts[64];
	size_t nb = block_starts(b, len, starts, 64);
	for (size_t i = 0; i < nb; i++)
		if (get32(b + starts[i] + 4) == 0)
			return b + starts[i];
	CHECK(0, "no data block");
	return NULL;
}

/* 1 to 7 bytes after the end block (a line end added by `echo`, a second stream cut
 * inside its magic) are an error, not a stream that ended well. */
static void trailing_bytes(void)
{
	unsigned char *a;
	size_t la = write_stream(&a, 3, 0, 1);
	unsigned char *ab = malloc(la + 8);
	memcpy(ab, a, la);
	for (size_t k = 1; k <= 7; k++)
		for (int nl = 0; nl < 2; nl++) {
			if (nl)
				memset(ab + la, '\n', k);
			else
				memcpy(ab + la, a, k); /* the start of a second stream */
			uint64_t n;
			double s;
			nids_err err = { 0 };
			int rc = read_all(ab, la + k, &n, &s, &err);
			CHECK(rc == NIDS_EFORMAT, "%zu %s bytes after the end: rc %d (%s)", k,
			      nl ? "newline" : "magic", rc, err.msg);
			CHECK(!strcmp(err.msg, "unexpected bytes after the end of the stream"), "%s",
			      err.msg);
			CHECK(n == 3, "rows %llu", (unsigned long long)n);
		}
	free(ab);
	free(a);
}

/* A data block taken out of the middle of a stream leaves every checksum valid; the end
 * block's row count finds it. */
static void block_lost(void)
{
	for (int level = 0; level <= 1; level++) {
		unsigned char *b;
		size_t len = write_stream(&b, 120000, level, 2);
		size_t starts[64];
		size_t nb = block_starts(b, len, starts, 64);
		CHECK(nb == 4, "want 3 data blocks and the end block, got %zu blocks", nb);
		if (nb != 4) {
			free(b);
			continue;
		}
		uint32_t lost = get32(b + starts[1]);
		size_t cut = starts[2] - starts[1];
		memmove(b + starts[1], b + starts[2], len - starts[2]);
		uint64_t n;
		double s;
		nids_err err = { 0 };
		int rc = read_all(b, len - cut, &n, &s, &err);
		char want[96];
		snprintf(want, sizeof want, "end block says 120000 rows, stream had %u (blocks lost)",
		         120000 - lost);
		CHECK(rc == NIDS_EFORMAT, "level %d: rc %d (%s)", level, rc, err.msg);
		CHECK(!strcmp(err.msg, want), "level %d: '%s', want '%s'", level, err.msg, want);
		free(b);
	}
}

/* Class ids in a block must name a class of the table: the table's size (2 here) and a
 * fraction are refused even when the block's checksum is valid. */
static void class_id_range(void)
{
	const float bad[] = { 2.0f, 1.5f, -1.0f, 0.5f };
	const char *want[] = { "class id 2 in column 'class' is not in the class table",
		               "class id 1.5 in column 'class' is not in the class table",
		               "class id -1 in column 'class' is not in the class table",
		               "class id 0.5 in column 'class' is not in the class table" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		unsigned char *b;
		size_t len = write_stream(&b, 5, 0, 3);
		unsigned char *bh = first_data_block(b, len);
		if (!bh) {
			free(b);
			return;
		}
		memcpy(bh + 16 + (3 * 5 + 4) * sizeof(float), &bad[i], sizeof(float)); /* row 4 */
		resign(bh);
		uint64_t n;
		double s;
		nids_err err = { 0 };
		int rc = read_all(b, len, &n, &s, &err);
		CHECK(rc == NIDS_EFORMAT, "class id %g: rc %d (%s)", bad[i], rc, err.msg);
		CHECK(!strcmp(err.msg, want[i]), "'%s', want '%s'", err.msg, want[i]);
		CHECK(strlen(err.where) > 7 && !strcmp(err.where + strlen(err.where) - 7, ": row 4"),
		      "where '%s'", err.where);
		/* and the largest id of the table reads */
		float last = 1.0f;
		memcpy(bh + 16 + (3 * 5 + 4) * sizeof(float), &last, sizeof(float));
		resign(bh);
		CHECK(read_all(b, len, &n, &s, &err) == 0 && n == 5, "class id 1: %s", err.msg);
		free(b);
	}
}

/* A string id must name a string of the table: its size (1 here) is refused. */
static void string_id_range(void)
{
	unsigned char *b;
	size_t len = write_meta_stream(&b, 4, 0, "a.csv");
	unsigned char *bh = first_data_block(b, len);
	if (!bh) {
		free(b);
		return;
	}
	uint32_t rows = get32(bh);
	CHECK(rows == 4, "rows %u", rows);
	unsigned char *fid = bh + 16 + rows * 5 * sizeof(float) + 2 * META_W + 35; /* row 3 */
	CHECK(get32(fid) == 0, "file id %u", get32(fid));
	nids_meta_put_u32(fid, 1);
	resign(bh);
	uint64_t n;
	double s;
	nids_err err = { 0 };
	int rc = read_all(b, len, &n, &s, &err);
	CHECK(rc == NIDS_EFORMAT, "string id 1: rc %d (%s)", rc, err.msg);
	CHECK(!strcmp(err.msg, "string id 1 is not in the string table"), "%s", err.msg);
	CHECK(strlen(err.where) > 7 && !strcmp(err.where + strlen(err.where) - 7, ": row 3"),
	      "where '%s'", err.where);
	/* none (no string) reads */
	nids_meta_put_u32(fid, NIDS_STR_NONE);
	resign(bh);
	CHECK(read_all(b, len, &n, &s, &err) == 0 && n == 4, "no string: %s", err.msg);
	free(b);
}

/* A block flag of the low 16 bits that the reader does not know must be understood:
 * refused as a newer version's; one of the high 16 bits may be ignored. */
static void unknown_block_flags(void)
{
	const uint32_t flags[] = { 0x10, 0x8000, 0x10000 };
	for (size_t i = 0; i < 3; i++) {
		unsigned char *b;
		size_t len = write_stream(&b, 5, 0, 3);
		unsigned char *bh = first_data_block(b, len);
		if (!bh) {
			free(b);
			return;
		}
		memcpy(bh + 4, &flags[i], 4);
		resign(bh);
		uint64_t n;
		double s;
		nids_err err = { 0 };
		int rc = read_all(b, len, &n, &s, &err);
		if (flags[i] >> 16) {
			CHECK(rc == 0 && n == 5 && s == expected_sum(5, 3), "flag 0x%x: rc %d (%s)", flags[i],
			      rc, err.msg);
			free(b);
			continue;
		}
		char want[64];
		snprintf(want, sizeof want, "block has unknown required flags 0x%x", flags[i]);
		CHECK(rc == NIDS_EVERSION, "flag 0x%x: rc %d (%s)", flags[i], rc, err.msg);
		CHECK(!strcmp(err.msg, want), "'%s', want '%s'", err.msg, want);
		free(b);
	}
}

/* What a sink writer handed out: the calls, the rows, and the class names seen. */
typedef struct sink_log {
	int opens, ends, blocks;
	size_t rows;
	float *got;
	int classes_at_end;
	int fail_at_block; /* > 0: that block's call fails */
} sink_log;

static int sink_take(void *ctx, const nids_header *h, const float *rows, const unsigned char *meta,
                     size_t n, nids_err *err)
{
	sink_log *l = ctx;
	(void)meta;
	if (!rows) {
		if (l->rows == 0 && l->opens == 0)
			l->opens++;
		else
			l->ends++, l->classes_at_end = h->nclasses;
		return 0;
	}
	if (++l->blocks == l->fail_at_block)
		return nids_err_set(err, NIDS_EFORMAT, "sink", "block %d refused", l->blocks);
	memcpy(l->got + l->rows * 5, rows, n * 5 * sizeof *rows);
	l->rows += n;
	return 0;
}

/* A sink writer hands out the rows a stream writer would write, in blocks, in order,
 * after a header call; the end call comes with every class name still readable; a
 * sink's error comes back from the writer call that flushed. */
static void sink_writer(void)
{
	size_t n = 300000; /* blocks of some 50,000 rows of 20 bytes */
	nids_header *h = make_header();
	float *rows = malloc(sizeof(float) * 5 * n);
	fill_rows(rows, n, 7);
	sink_log l = { .got = malloc(sizeof(float) * 5 * n) };
	nids_writer *w;
	nids_err err = { 0 };
	CHECK(nids_writer_open_sink(&w, "sink", h, sink_take, &l, &err) == 0, "%s", err.msg);
	CHECK(l.opens == 1 && l.rows == 0, "open call %d", l.opens);
	for (size_t i = 0; i < n;) {
		size_t k = n - i < 12345 ? n - i : 12345;
		CHECK(nids_writer_write(w, rows + i * 5, k, &err) == 0, "%s", err.msg);
		i += k;
	}
	CHECK(nids_writer_add_class(w, "smurf", &err) == 2, "%s", err.msg);
	CHECK(nids_writer_close(w, &err) == 0, "%s", err.msg);
	CHECK(l.rows == n && l.blocks >= 3, "rows %zu blocks %d", l.rows, l.blocks);
	CHECK(!memcmp(l.got, rows, sizeof(float) * 5 * n), "rows differ");
	CHECK(l.ends == 1 && l.classes_at_end == 3, "end calls %d, classes %d", l.ends, l.classes_at_end);
	sink_log bad = { .got = l.got, .fail_at_block = 2 };
	CHECK(nids_writer_open_sink(&w, "sink", h, sink_take, &bad, &err) == 0, "%s", err.msg);
	int rc = nids_writer_write(w, rows, n, &err);
	CHECK(rc == NIDS_EFORMAT && !strcmp(err.msg, "block 2 refused"), "rc %d: %s", rc, err.msg);
	nids_writer_free(w);
	free(l.got);
	free(rows);
	nids_header_free(h);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--write-golden")) {
		unsigned char *b;
		size_t len = write_stream(&b, 7, 0, 9);
		FILE *f = fopen(GOLDEN, "wb");
		fwrite(b, 1, len, f);
		fclose(f);
		free(b);
		len = write_meta_stream(&b, 9, 0, "golden.csv");
		f = fopen(GOLDEN_META, "wb");
		fwrite(b, 1, len, f);
		fclose(f);
		free(b);
		return 0;
	}
	TEST(round_trip);
	TEST(header_round_trip);
	TEST(empty_stream);
	TEST(truncation);
	TEST(bit_flip);
	TEST(unknown_major);
	TEST(text_input_hint);
	TEST(concatenation);
	TEST(concatenation_mismatch);
	TEST(class_remap);
	TEST(golden);
	TEST(golden_v1);
	TEST(golden_v2);
	TEST(meta_round_trip);
	TEST(meta_concatenation);
	TEST(meta_concatenation_mismatch);
	TEST(meta_text);
	TEST(time_round_trip);
	TEST(time_calendar);
	TEST(golden_meta);
	TEST(class_table_limits);
	TEST(name_length_limits);
	TEST(file_positions);
	TEST(sink_writer);
	TEST(trailing_bytes);
	TEST(block_lost);
	TEST(class_id_range);
	TEST(string_id_range);
	TEST(unknown_block_flags);
	return CHECK_DONE();
}
