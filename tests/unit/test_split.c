/* test_split.c: nids-split's exact-size sampling: exactly N rows (or exactly the asked
 * benign and attack counts) every time, in input order, with every row and every
 * subset equally likely (chi-square tests at the 1% level over seeds 0..T-1); the
 * record-number lists and the time range. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nids/split.h"
#include "nids/stream.h"

static char in_path[64], out_path[64];

/* A stream of n rows: feature i = the row's index, label 1 for rows >= nbenign, a time
 * of i seconds and a record number 100 + i. */
static void make_stream(int n, int nbenign)
{
	nids_err err = { 0 };
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "i", NIDS_ROLE_FEATURE, &err);
	nids_header_add_column(h, "label", NIDS_ROLE_LABEL, &err);
	CHECK(nids_header_add_meta(h, "time", NIDS_TYPE_TIME, NIDS_ROLE_TIME, &err) >= 0, "time");
	CHECK(nids_header_add_meta(h, "record", NIDS_TYPE_U64, NIDS_ROLE_ID, &err) >= 0, "record");
	strcpy(in_path, "/tmp/nids-split-in-XXXXXX");
	int fd = mkstemp(in_path);
	FILE *f = fdopen(fd, "wb");
	nids_writer *w;
	CHECK(nids_writer_open(&w, f, in_path, h, 0, &err) == 0, "%s", err.msg);
	for (int i = 0; i < n; i++) {
		float row[2] = { (float)i, i >= nbenign };
		unsigned char meta[16];
		int64_t t = (int64_t)i * 1000000;
		uint64_t rec = 100 + (uint64_t)i;
		for (int b = 0; b < 8; b++)
			meta[b] = (unsigned char)((uint64_t)t >> (8 * b)),
			meta[8 + b] = (unsigned char)(rec >> (8 * b));
		CHECK(nids_writer_write_meta(w, row, meta, 1, &err) == 0, "%s", err.msg);
	}
	CHECK(nids_writer_close(w, &err) == 0, "%s", err.msg);
	fclose(f);
	nids_header_free(h);
}

/* Runs the split on the input; the indices of the rows kept, in output order, go to
 * kept [*n]. Returns nids_split_run's code. */
static int run(const nids_split_opts *o, int *kept, int *n, nids_err *err)
{
	nids_input *in;
	nids_reader *r;
	CHECK(nids_input_open(&in, in_path, err) == 0 && nids_reader_open(&r, in, err) == 0, "open");
	strcpy(out_path, "/tmp/nids-split-out-XXXXXX");
	FILE *f = fdopen(mkstemp(out_path), "wb");
	FILE *outs[2] = { f, NULL };
	const char *names[2] = { out_path, NULL };
	nids_split_counts c;
	int rc = nids_split_run(o, r, in_path, outs, names, &c, err);
	nids_split_counts_free(&c);
	nids_reader_free(r);
	nids_input_free(in);
	fclose(f);
	*n = 0;
	if (!rc) {
		CHECK(nids_input_open(&in, out_path, err) == 0 && nids_reader_open(&r, in, err) == 0,
		      "reopen");
		float *rows;
		long k;
		while ((k = nids_reader_next(r, &rows, err)) > 0)
			for (long i = 0; i < k; i++)
				kept[(*n)++] = (int)rows[2 * i];
		CHECK(k == 0, "read back: %s", err->msg);
		nids_reader_free(r);
		nids_input_free(in);
	}
	unlink(out_path);
	return rc;
}

static double chi2(const int *count, int cells, double expect)
{
	double x = 0;
	for (int i = 0; i < cells; i++)
		x += (count[i] - expect) * (count[i] - expect) / expect;
	return x;
}

#define T 1000

static void test_rows_uniform(void)
{
	/* 20 rows, exactly 5 each time: each row kept T * 5 / 20 = 250 times expected */
	make_stream(20, 10);
	int count[20] = { 0 }, kept[20], n, exact = 1, ordered = 1;
	nids_err err = { 0 };
	for (int seed = 0; seed < T; seed++) {
		nids_split_opts o = { .fraction = 1, .sampling = 1, .sample = { 5, 0 },
			              .seed = (uint64_t)seed };
		CHECK(run(&o, kept, &n, &err) == 0, "%s", err.msg);
		exact &= n == 5;
		for (int i = 0; i < n; i++) {
			count[kept[i]]++;
			ordered &= i == 0 || kept[i] > kept[i - 1];
		}
	}
	CHECK(exact, "not exactly 5 rows every time");
	CHECK(ordered, "rows out of input order");
	/* chi-square, 19 degrees of freedom: 36.191 at the 1% level */
	double x = chi2(count, 20, T * 5 / 20.0);
	CHECK(x < 36.191, "chi-square %.3f over rows", x);
	unlink(in_path);
}

static void test_subsets_uniform(void)
{
	/* 5 rows, 2 kept: the 10 pairs each T * 2 / 10 = 200 times expected */
	make_stream(5, 5);
	int count[25] = { 0 }, pairs[10], kept[5], n;
	nids_err err = { 0 };
	for (int seed = 0; seed < 2 * T; seed++) {
		nids_split_opts o = { .fraction = 1, .sampling = 1, .sample = { 2, 0 },
			              .seed = (uint64_t)seed + 7777 };
		CHECK(run(&o, kept, &n, &err) == 0 && n == 2, "%s", err.msg);
		count[kept[0] * 5 + kept[1]]++;
	}
	int k = 0;
	for (int a = 0; a < 5; a++)
		for (int b = a + 1; b < 5; b++)
			pairs[k++] = count[a * 5 + b];
	/* 9 degrees of freedom: 21.666 at the 1% level */
	double x = chi2(pairs, 10, 2 * T / 10.0);
	CHECK(x < 21.666, "chi-square %.3f over pairs", x);
	unlink(in_path);
}

static void test_by_label(void)
{
	/* 12 benign, 8 attack rows; exactly 3 and 2: each row 250 times expected */
	make_stream(20, 12);
	int count[20] = { 0 }, kept[20], n, exact = 1;
	nids_err err = { 0 };
	for (int seed = 0; seed < T; seed++) {
		nids_split_opts o = { .fraction = 1, .sampling = 1, .sample_by_label = 1,
			              .sample = { 3, 2 }, .seed = (uint64_t)seed };
		CHECK(run(&o, kept, &n, &err) == 0, "%s", err.msg);
		int nb = 0;
		for (int i = 0; i < n; i++)
			count[kept[i]]++, nb += kept[i] < 12;
		exact &= n == 5 && nb == 3;
	}
	CHECK(exact, "not exactly 3 benign and 2 attack rows every time");
	/* 11 + 7 = 18 degrees of freedom: 34.805 at the 1% level */
	double x = chi2(count, 20, 250);
	CHECK(x < 34.805, "chi-square %.3f over rows", x);

	/* all benign rows, exactly 2 attacks */
	nids_split_opts o = { .fraction = 1, .sampling = 1, .sample_by_label = 1,
		              .sample = { UINT64_MAX, 2 } };
	CHECK(run(&o, kept, &n, &err) == 0 && n == 14 && kept[11] == 11 && kept[12] >= 12, "all");
	/* too few rows */
	o.sample[1] = 9;
	CHECK(run(&o, kept, &n, &err) == NIDS_EFORMAT, "9 of 8 attacks");
	CHECK(!strcmp(err.msg, "--attack-rows 9: only 8 attack rows were selected"), "%s", err.msg);
	nids_split_opts all = { .fraction = 1, .sampling = 1, .sample = { 21, 0 } };
	CHECK(run(&all, kept, &n, &err) == NIDS_EFORMAT, "21 of 20");
	CHECK(!strcmp(err.msg, "--rows 21: only 20 rows were selected"), "%s", err.msg);
	unlink(in_path);
}

static void test_records_and_time(void)
{
	make_stream(20, 12);
	char path[] = "/tmp/nids-split-rec-XXXXXX";
	FILE *f = fdopen(mkstemp(path), "w");
	fputs("# the rows 2, 5-7 and 19\n105 - 106\n  102\n\n106-107 # overlaps\n119\n5000\n", f);
	fclose(f);
	nids_err err = { 0 };
	uint64_t *rec;
	size_t nrec;
	CHECK(nids_split_records_read(path, &rec, &nrec, &err) == 0, "%s", err.msg);
	CHECK(nrec == 4 && rec[0] == 102 && rec[2] == 105 && rec[3] == 107 && rec[7] == 5000,
	      "%zu ranges", nrec);
	nids_split_opts o = { .fraction = 1, .rec = rec, .nrec = nrec };
	int kept[20], n;
	CHECK(run(&o, kept, &n, &err) == 0, "%s", err.msg);
	CHECK(n == 5 && kept[0] == 2 && kept[1] == 5 && kept[3] == 7 && kept[4] == 19, "%d kept", n);
	free(rec);
	f = fopen(path, "w");
	fputs("1\n2-x\n", f);
	fclose(f);
	CHECK(nids_split_records_read(path, &rec, &nrec, &err) == NIDS_EFORMAT, "bad line");
	char want[128];
	snprintf(want, sizeof want, "%s:2", path);
	CHECK(!strcmp(err.where, want) && !strcmp(err.msg, "'2-x' is not a record number or a "
	      "range A-B"), "%s: %s", err.where, err.msg);
	unlink(path);

	/* [3 s, 6 s): rows 3, 4, 5; then exactly 2 of them */
	nids_split_opts t = { .fraction = 1, .has_time = 1, .time_from = 3000000,
		              .time_to = 6000000 };
	CHECK(run(&t, kept, &n, &err) == 0 && n == 3 && kept[0] == 3 && kept[2] == 5, "time");
	t.sampling = 1, t.sample[0] = 2;
	CHECK(run(&t, kept, &n, &err) == 0 && n == 2 && kept[0] >= 3 && kept[1] <= 5, "time+rows");
	unlink(in_path);
}

int main(void)
{
	TEST(test_rows_uniform);
	TEST(test_subsets_uniform);
	TEST(test_by_label);
	TEST(test_records_and_time);
	return CHECK_DONE();
}
