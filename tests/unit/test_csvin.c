/* test_csvin.c: CSV records with line numbers, quote-free lines split outside libcsv
 * exactly as libcsv splits them, and the fast number parser against strtod. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "csvin_impl.h"

static char path[64];

static nids_csv *open_text(const char *text, size_t n, nids_input **in)
{
	strcpy(path, "/tmp/nids-csv-XXXXXX");
	int fd = mkstemp(path);
	CHECK(write(fd, text, n) == (ssize_t)n, "write");
	close(fd);
	nids_err err = { 0 };
	nids_csv *c = NULL;
	CHECK(nids_input_open(in, path, &err) == 0, "%s", err.msg);
	CHECK(nids_csv_open(&c, *in, ',', &err) == 0, "%s", err.msg);
	return c;
}

static void close_text(nids_csv *c, nids_input *in)
{
	nids_csv_free(c);
	nids_input_free(in);
	unlink(path);
}

static void records_and_lines(void)
{
	/* BOM, CRLF, a blank line, a quoted field with a comma and a newline, spaces */
	const char text[] = "\xef\xbb\xbf a ,b\r\n1,2\r\n\r\n\"x,\ny\",3\n 4 , 5\n";
	nids_input *in;
	nids_csv *c = open_text(text, sizeof text - 1, &in);
	nids_csv_record r;
	nids_err err = { 0 };
	const long want_line[] = { 1, 2, 4, 6 };
	const char *want0[] = { "a", "1", "x,\ny", "4" };
	const char *want1[] = { "b", "2", "3", "5" };
	for (int i = 0; i < 4; i++) {
		CHECK(nids_csv_next(c, &r, &err) == 1, "record %d: %s", i, err.msg);
		CHECK(r.nfields == 2, "record %d: %d fields", i, r.nfields);
		CHECK(r.line == want_line[i], "record %d: line %ld want %ld", i, r.line, want_line[i]);
		CHECK(!strcmp(r.fields[0], want0[i]), "record %d: '%s'", i, r.fields[0]);
		CHECK(!strcmp(r.fields[1], want1[i]), "record %d: '%s'", i, r.fields[1]);
		CHECK(r.lens[0] == strlen(want0[i]), "len");
	}
	CHECK(nids_csv_next(c, &r, &err) == 0, "end");
	close_text(c, in);
}

/* Quote-free lines are split without libcsv until a quote is seen: over several chunks of
 * lines with spaces, tabs, blank and blank-looking lines, CR, LF and CRLF ends, empty
 * fields and lines cut by the chunk boundaries, the records and line numbers equal those
 * libcsv gives for the same text after a first line with a quote. */
static void unquoted_lines_as_libcsv(void)
{
	static const char *const PIECES[] = { "a,b,c", " 1 ,\t2\t, 3 ", "", " \t ", ",,", "x,",
		                              ",y", "long field with spaces inside,z",
		                              " , ", "q" };
	static const char *const ENDS[] = { "\n", "\r\n", "\r", "\n\n" };
	size_t cap = 3 << 20, n = 0;
	char *plain = malloc(cap + 64), *quoted = malloc(cap + 64);
	n = (size_t)sprintf(plain, "_first_,line\n");
	for (unsigned i = 0; n < cap; i++) {
		unsigned r = i * 2654435761u;
		n += (size_t)sprintf(plain + n, "%s%u%s", PIECES[r % 10], i % 7, ENDS[(r >> 8) % 4]);
	}
	memcpy(quoted, plain, n);
	memcpy(quoted, "\"first\"", 7); /* "first",line: libcsv from the first byte on */
	nids_input *in1, *in2;
	nids_csv *c1 = open_text(plain, n, &in1);
	char path1[64];
	strcpy(path1, path);
	nids_csv *c2 = open_text(quoted, n, &in2);
	nids_csv_record r1, r2;
	nids_err err = { 0 };
	long recs = 0, bad = 0;
	int a, b;
	while ((a = nids_csv_next(c1, &r1, &err)) == 1 && (b = nids_csv_next(c2, &r2, &err)) == 1) {
		int same = r1.nfields == r2.nfields && r1.line == r2.line;
		for (int k = recs == 0; same && k < r1.nfields; k++) /* _first_ vs "first" */
			same = r1.lens[k] == r2.lens[k] && !strcmp(r1.fields[k], r2.fields[k]);
		if (!same && bad++ < 3)
			CHECK(0, "record %ld (line %ld / %ld): %d / %d fields, '%s' / '%s'", recs, r1.line,
			      r2.line, r1.nfields, r2.nfields, r1.fields[0], r2.fields[0]);
		recs++;
	}
	CHECK(a == 0 && nids_csv_next(c2, &r2, &err) == 0, "the inputs end apart after %ld records: %s",
	      recs, err.msg);
	CHECK(bad == 0 && recs > 200000, "%ld records, %ld differ", recs, bad);
	CHECK(nids_csv_blank(c1) == nids_csv_blank(c2), "blank lines %llu vs %llu",
	      nids_csv_blank(c1), nids_csv_blank(c2));
	close_text(c2, in2);
	unlink(path1);
	nids_csv_free(c1);
	nids_input_free(in1);
	free(plain), free(quoted);
}

/* Records larger than the parser's chunk keep their fields intact. */
static void long_records(void)
{
	size_t n = 3 << 20;
	char *text = malloc(n + 16);
	size_t k = 0;
	for (int rec = 0; k < n; rec++) {
		for (int f = 0; f < 20000 && k < n; f++)
			k += (size_t)sprintf(text + k, "%s%d", f ? "," : "", rec * 7 + f);
		text[k++] = '\n';
	}
	nids_input *in;
	nids_csv *c = open_text(text, k, &in);
	nids_csv_record r;
	nids_err err = { 0 };
	int recs = 0, ok = 1;
	while (nids_csv_next(c, &r, &err) == 1) {
		for (int f = 0; f < r.nfields && ok; f++)
			ok = atoi(r.fields[f]) == recs * 7 + f;
		ok &= r.line == recs + 1;
		recs++;
	}
	CHECK(ok, "fields differ in record %d", recs);
	CHECK(recs > 20, "records %d", recs);
	close_text(c, in);
	free(text);
}

static void bad_text(void)
{
	nids_csv_record r;
	nids_err err = { 0 };
	nids_input *in;
	nids_csv *c = open_text("a\n\"b\n", 5, &in);
	CHECK(nids_csv_next(c, &r, &err) == 1, "first");
	CHECK(nids_csv_next(c, &r, &err) == NIDS_EFORMAT, "unterminated quote accepted");
	CHECK(strstr(err.msg, "unterminated quoted field") != NULL, "%s", err.msg);
	close_text(c, in);
	c = open_text("a\nb\"c\"\n", 7, &in);
	CHECK(nids_csv_next(c, &r, &err) == NIDS_EFORMAT, "stray quote accepted");
	CHECK(strstr(err.msg, "malformed quoted field") != NULL, "%s", err.msg);
	close_text(c, in);
	c = open_text("a,b\n1\0002\n", 8, &in);
	CHECK(nids_csv_next(c, &r, &err) == NIDS_EFORMAT, "NUL accepted");
	CHECK(strstr(err.msg, "binary data") != NULL, "%s", err.msg);
	close_text(c, in);
}

static void numbers_match_strtod(void)
{
	const char *cases[] = { "0", "-0", "1", "+2.5", "0.1", ".5", "5.", "1e10", "1E-5",
		                "123456789012345678", "1234567890123456789012", "0.000001234",
		                "3.4028235e38", "4.9e-324", "1e400", "2.2250738585072014e-308",
		                "48.66666667", "9007199254740993", "0.30000000000000004",
		                "99.73011199", "-1.5e-7" };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		double v;
		CHECK(nids_parse_float(cases[i], strlen(cases[i]), &v) == 0, "%s rejected", cases[i]);
		double want = strtod(cases[i], NULL);
		CHECK(memcmp(&v, &want, sizeof v) == 0, "%s: %.17g want %.17g", cases[i], v, want);
	}
	/* random decimals of up to 17 significant digits */
	uint64_t s = 88172645463325252ull;
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		char buf[64];
		int digits = 1 + (int)(s % 17), exp = (int)((s >> 8) % 40) - 20;
		snprintf(buf, sizeof buf, "%.*e", digits - 1, (double)(s >> 11) / 9007199254740992.0 * pow(10, exp));
		double v, want = strtod(buf, NULL);
		if (nids_parse_float(buf, strlen(buf), &v) || v != want)
			bad++;
	}
	CHECK(bad == 0, "%d of 200000 random decimals differ from strtod", bad);
	double v;
	CHECK(nids_parse_float("Infinity", 8, &v) == 0 && isinf(v) && v > 0, "Infinity");
	CHECK(nids_parse_float("-inf", 4, &v) == 0 && isinf(v) && v < 0, "-inf");
	CHECK(nids_parse_float("NaN", 3, &v) == 0 && isnan(v), "NaN");
	const char *bad_cases[] = { "", "-", ".", "1e", "1x", "tcp", "1.2.3", "e5", "--1", " ",
		                    "1 2", "- 1", "1e 5" };
	for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++)
		CHECK(nids_parse_float(bad_cases[i], strlen(bad_cases[i]), &v) == -1, "'%s' accepted",
		      bad_cases[i]);
	/* spaces and tabs around a number are ignored alike, before it as after it, on the
	 * fast path and on strtod's */
	const char *spaced[] = { " 1.5", "1.5 ", "\t1.5\t", "  1.5  " };
	for (size_t i = 0; i < sizeof spaced / sizeof *spaced; i++) {
		v = 0;
		CHECK(nids_parse_float(spaced[i], strlen(spaced[i]), &v) == 0 && v == 1.5, "'%s': %g",
		      spaced[i], v);
	}
	const char *spaced_long[] = { " 1.2345678901234567890123e300", "1.2345678901234567890123e300 " };
	for (size_t i = 0; i < 2; i++) {
		v = 0;
		CHECK(nids_parse_float(spaced_long[i], strlen(spaced_long[i]), &v) == 0 &&
		              v == strtod("1.2345678901234567890123e300", NULL),
		      "'%s': %g", spaced_long[i], v);
	}
}

int main(void)
{
	TEST(records_and_lines);
	TEST(long_records);
	TEST(unquoted_lines_as_libcsv);
	TEST(bad_text);
	TEST(numbers_match_strtod);
	return CHECK_DONE();
}
