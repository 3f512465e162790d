/* test_csvin.c: CSV records with line numbers, quote-free lines split outside libcsv
 * exactly as libcsv splits them, and the fast number parser against strtod. */
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "csvin_impl.h"

static char path[64];

static nids_csv *open_text_delim(const char *text, size_t n, nids_input **in, char delim)
{
	strcpy(path, "/tmp/nids-csv-XXXXXX");
	int fd = mkstemp(path);
	CHECK(write(fd, text, n) == (ssize_t)n, "write");
	close(fd);
	nids_err err = { 0 };
	nids_csv *c = NULL;
	CHECK(nids_input_open(in, path, &err) == 0, "%s", err.msg);
	CHECK(nids_csv_open(&c, *in, delim, &err) == 0, "%s", err.msg);
	return c;
}

static nids_csv *open_text(const char *text, size_t n, nids_input **in)
{
	return open_text_delim(text, n, in, ',');
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

/* TSV: a line of only tabs (and spaces) holds empty fields, as libcsv reads it, wherever
 * the line is (it was once taken for a blank line outside libcsv); a line of only spaces
 * is blank. */
static void tsv_lines_of_tabs(void)
{
	const char text[] = "a\tb\n\t\n \t \n   \nc\td\n";
	nids_input *in;
	nids_csv *c = open_text_delim(text, sizeof text - 1, &in, '\t');
	nids_csv_record r;
	nids_err err = { 0 };
	const long want_line[] = { 1, 2, 3, 5 };
	const char *want0[] = { "a", "", "", "c" }, *want1[] = { "b", "", "", "d" };
	for (int i = 0; i < 4; i++) {
		CHECK(nids_csv_next(c, &r, &err) == 1, "record %d: %s", i, err.msg);
		CHECK(r.nfields == 2 && r.line == want_line[i], "record %d: %d fields, line %ld", i,
		      r.nfields, r.line);
		CHECK(!strcmp(r.fields[0], want0[i]) && !strcmp(r.fields[1], want1[i]) &&
		              r.lens[1] == strlen(want1[i]),
		      "record %d: '%s' '%s'", i, r.fields[0], r.fields[1]);
	}
	CHECK(nids_csv_next(c, &r, &err) == 0 && nids_csv_blank(c) == 1, "end: %llu blank",
	      nids_csv_blank(c));
	close_text(c, in);
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

/* ---- against libcsv itself ----
 * libcsv (CSV_REPALL_NL | CSV_STRICT | CSV_STRICT_FINI) parses the whole text in one
 * call; its records, after the rules the reader documents (an LF right after a CR ends
 * nothing, a record without fields is a blank line, a record's line is where it
 * starts, a quoted field's LFs count as lines), must come out of nids_csv_next one for
 * one, field for field. */
typedef struct ref {
	nids_csv *c;
	char *bytes;   /* the record libcsv is giving: its fields' bytes, each NUL-ended */
	size_t *start_of, *lens;
	size_t used, cap, fcap;
	int nf;
	long line, start; /* the line at libcsv's position; where the record started */
	int prev_cr;
	unsigned long long blank;
	long records, bad, fields; /* records and fields compared; records that differed */
	char what[160];            /* the first difference */
} ref;

static void ref_field(void *s, size_t n, void *data)
{
	ref *r = data;
	if (r->nf == 0)
		r->start = r->line, r->used = 0;
	if (r->used + n + 1 > r->cap)
		r->bytes = realloc(r->bytes, r->cap = 2 * (r->used + n + 1));
	if ((size_t)r->nf == r->fcap) {
		r->fcap = r->fcap ? 2 * r->fcap : 64;
		r->start_of = realloc(r->start_of, r->fcap * sizeof *r->start_of);
		r->lens = realloc(r->lens, r->fcap * sizeof *r->lens);
	}
	memcpy(r->bytes + r->used, s, n);
	r->bytes[r->used + n] = 0;
	r->start_of[r->nf] = r->used;
	r->lens[r->nf++] = n;
	r->used += n + 1;
	for (size_t i = 0; i < n; i++)
		r->line += ((char *)s)[i] == '\n';
}

static void ref_differs(ref *r, const char *fmt, long a, long b)
{
	if (r->bad++ == 0)
		snprintf(r->what, sizeof r->what, fmt, r->records, a, b);
}

static void ref_record(int ch, void *data)
{
	ref *r = data;
	int empty = r->nf == 0;
	if (ch == '\n' && r->prev_cr && empty) {
		r->prev_cr = 0;
		return;
	}
	r->prev_cr = ch == '\r';
	r->blank += empty && ch >= 0;
	if (!empty) {
		nids_csv_record rec;
		nids_err err = { 0 };
		int rc = nids_csv_next(r->c, &rec, &err);
		if (rc != 1)
			ref_differs(r, "record %ld: nids_csv_next gave %ld, want %ld", rc, 1);
		else if (rec.nfields != r->nf)
			ref_differs(r, "record %ld: %ld fields, want %ld", rec.nfields, r->nf);
		else if (rec.line != r->start)
			ref_differs(r, "record %ld: line %ld, want %ld", rec.line, r->start);
		else
			for (int i = 0; i < r->nf; i++)
				if (rec.lens[i] != r->lens[i] || strlen(rec.fields[i]) != r->lens[i] ||
				    memcmp(rec.fields[i], r->bytes + r->start_of[i], r->lens[i])) {
					ref_differs(r, "record %ld: field %ld differs (length %ld)", i,
					            (long)rec.lens[i]);
					break;
				}
		r->records++;
		r->fields += r->nf;
		r->nf = 0;
	}
	if (ch == '\n' || ch == '\r')
		r->line++;
}

/* Compares the reader's records with libcsv's on text [n] (a BOM-free text: libcsv gets
 * it as it is); returns the number of records, or -1 after reporting a difference.
 * *fields (when not NULL) adds the fields compared. */
static long same_as_libcsv(const char *text, size_t n, char delim, const char *what, long *fields)
{
	ref r = { .line = 1 };
	nids_input *in;
	r.c = open_text_delim(text, n, &in, delim);
	struct csv_parser p;
	csv_init(&p, CSV_REPALL_NL | CSV_STRICT | CSV_STRICT_FINI);
	csv_set_delim(&p, (unsigned char)delim);
	int ok = csv_parse(&p, text, n, ref_field, ref_record, &r) == n &&
	         csv_fini(&p, ref_field, ref_record, &r) == 0;
	csv_free(&p);
	nids_csv_record rec;
	nids_err err = { 0 };
	if (ok && !r.bad && nids_csv_next(r.c, &rec, &err) != 0)
		ref_differs(&r, "record %ld: more records than libcsv's (%ld, %ld)", 0, 0);
	if (ok && !r.bad && nids_csv_blank(r.c) != r.blank)
		ref_differs(&r, "record %ld: %ld blank lines, want %ld", (long)nids_csv_blank(r.c),
		            (long)r.blank);
	CHECK(ok, "%s: libcsv refused the text", what);
	CHECK(r.bad == 0, "%s: %s", what, r.what);
	close_text(r.c, in);
	free(r.bytes), free(r.start_of), free(r.lens);
	if (fields)
		*fields += r.fields;
	return ok && !r.bad ? r.records : -1;
}

/* Where the reader's first two reads end on a text this long (the first read is
 * shorter: the input has sniffed the file's start for compression). */
static void read_edges(size_t n, size_t edge[2])
{
	char *text = malloc(n);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 8 == 7 ? '\n' : 'a';
	nids_input *in;
	nids_csv *c = open_text(text, n, &in);
	nids_csv_record r;
	nids_err err = { 0 };
	int k = 0;
	unsigned long long seen = 0;
	while (k < 2 && nids_csv_next(c, &r, &err) == 1)
		if (nids_csv_bytes(c) != seen)
			edge[k++] = (size_t)(seen = nids_csv_bytes(c));
	CHECK(k == 2 && edge[1] > edge[0], "reads end at %zu, %zu", edge[0], edge[1]);
	close_text(c, in);
	free(text);
}

/* Lines "x,NNN\n" filling [text + from, text + to) exactly (to - from >= 4). */
static void fill_lines(char *text, size_t from, size_t to)
{
	size_t k = from;
	while (to - k > 80)
		k += (size_t)sprintf(text + k, "x,%zu\n", k);
	memset(text + k, 'y', to - k - 1);
	text[k + 1] = ',';
	text[to - 1] = '\n';
}

/* Each piece put across the end of the first read and of the second, at every offset:
 * the records, their fields and lines, and the blank lines equal libcsv's. */
static void chunk_edges(void)
{
	static const char *const PIECES[] = {
		"across,the edge,of a read\n",    /* a line crossing the edge */
		"a,b\r\nc,d\r\n",                   /* CRLF split across reads */
		"trailing ,spaces  \t,x \n",       /* trailing spaces and tabs */
		",,,\n,\n",                         /* empty fields */
		"   \t   \n",                       /* a line of spaces */
		"a\r\r\n\n\rb\n",                   /* CR, LF and CRLF, blank lines among them */
		"\t lead,\t\t\n",                   /* leading spaces, a field of tabs */
		"\"q,1\",2\nz\n",                   /* a quote only in a later read */
	};
	size_t edge[2];
	read_edges(1 << 20, edge);
	size_t n = edge[1] + 4096;
	char *text = malloc(n + 64);
	long checked = 0, failed = 0;
	for (size_t i = 0; i < sizeof PIECES / sizeof *PIECES; i++) {
		size_t len = strlen(PIECES[i]);
		for (int e = 0; e < 2; e++)
			for (size_t k = 0; k <= len && !failed; k++) {
				size_t at = edge[e] - k; /* the piece starts k bytes before the edge */
				fill_lines(text, 0, at - 40);
				fill_lines(text, at - 40, at);
				memcpy(text + at, PIECES[i], len);
				fill_lines(text, at + len, n);
				char what[96];
				snprintf(what, sizeof what, "piece %zu, %zu bytes before read %d's end", i, k,
				         e + 1);
				failed += same_as_libcsv(text, n, ',', what, NULL) < 0;
				checked++;
			}
	}
	CHECK(failed == 0 && checked > 200, "%ld texts, %ld differ", checked, failed);
	/* a last line without a line end, across the edge or not; and of spaces only */
	static const char *const LAST[] = { "last,line", "last, line \t", "  \t ", "a,\r", "," };
	for (size_t i = 0; i < sizeof LAST / sizeof *LAST; i++)
		for (size_t k = 0; k <= strlen(LAST[i]); k++) {
			size_t at = edge[0] - k, m = at + strlen(LAST[i]);
			fill_lines(text, 0, at);
			memcpy(text + at, LAST[i], strlen(LAST[i]));
			char what[96];
			snprintf(what, sizeof what, "last line %zu, %zu bytes before the edge", i, k);
			same_as_libcsv(text, m, ',', what, NULL);
		}
	free(text);
}

/* Lines longer than the read buffer (which grows for them): one of 700 KB between short
 * lines, with fields and spaces; a last one of 400 KB without a line end. */
static void lines_longer_than_the_buffer(void)
{
	size_t n = 1200 << 10;
	char *text = malloc(n);
	size_t k = (size_t)sprintf(text, "a,b\n");
	for (size_t i = 0; k < (700u << 10); i++)
		text[k++] = i % 97 == 0 ? ',' : i % 13 == 0 ? ' ' : (char)('a' + i % 26);
	k += (size_t)sprintf(text + k, "\r\nc, d \n\n");
	for (; k < n - 1; k++)
		text[k] = k % 101 == 0 ? ',' : 'x';
	CHECK(same_as_libcsv(text, k, ',', "long lines", NULL) == 4, "records");
	free(text);
}

/* Random quote-free text, CSV and TSV: runs of letters, digits, spaces, tabs, commas,
 * CR and LF, short texts by the thousand and a few of several reads with lines longer
 * than a read. */
static void random_text_as_libcsv(void)
{
	static const char ALPHABET[] = "ab1 \t,\n\r";
	uint64_t s = 0x9e3779b97f4a7c15ull;
	size_t cap = 1300 << 10;
	char *text = malloc(cap);
	long recs = 0, fields = 0, failed = 0;
	for (int t = 0; t < 3000 && failed < 3; t++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		size_t n = t < 2990 ? s % 300 : (size_t)(s % cap);
		char delim = t % 3 == 2 ? '\t' : ',';
		/* each text has its own mix: mostly a field character, with a few line ends */
		unsigned weights = (unsigned)(s >> 32);
		for (size_t i = 0; i < n; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			unsigned r = (unsigned)(s >> 40) % 64;
			char ch = r < 32 ? ALPHABET[r % 3] : ALPHABET[3 + (r + weights) % 5];
			if (t >= 2990 && (ch == '\n' || ch == '\r') && (s & 0x3fff) != 0)
				ch = 'a'; /* long lines in the long texts, many longer than a read */
			text[i] = ch;
		}
		char what[64];
		snprintf(what, sizeof what, "text %d (%zu bytes, delimiter %d)", t, n, delim);
		long k = same_as_libcsv(text, n, delim, what, &fields);
		failed += k < 0;
		recs += k > 0 ? k : 0;
	}
	CHECK(failed == 0 && recs > 20000 && fields > 100000, "%ld records, %ld fields compared; %ld texts differ", recs, fields, failed);
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

/* The line a NUL in text [n] is reported on, reading every record before it; 0 when
 * the reading ends otherwise. */
static long nul_line(const char *text, size_t n)
{
	nids_input *in;
	nids_csv *c = open_text(text, n, &in);
	nids_csv_record r;
	nids_err err = { 0 };
	int rc;
	while ((rc = nids_csv_next(c, &r, &err)) == 1)
		;
	long line = 0;
	const char *colon = strrchr(err.where, ':');
	if (rc == NIDS_EFORMAT && strstr(err.msg, "binary data (a NUL byte)") && colon)
		line = atol(colon + 1);
	close_text(c, in);
	return line;
}

/* Lines of LF-only text before byte k, from 1: where a NUL at k is. */
static long lf_line(const char *text, size_t k)
{
	long line = 1;
	for (size_t i = 0; i < k; i++)
		line += text[i] == '\n';
	return line;
}

#define NUL_LINE(lit) nul_line(lit, sizeof lit - 1)

/* A NUL is reported on its own line, whichever read holds it, counted as the line
 * splitter counts lines (CR, LF, CRLF, a CRLF split between two reads, blank lines),
 * and under libcsv (quoted input) too, inside a quoted field that spans two reads. */
static void nul_on_its_line(void)
{
	CHECK(NUL_LINE("a,b,label\n1,2,0\n3,4,0\n5\0006,7,0\n") == 4, "LF");
	CHECK(NUL_LINE("a,b\r\n1,2\r\n3,4\r\n5\0006\r\n") == 4, "CRLF");
	CHECK(NUL_LINE("a,b\r1,2\r3,4\r5\0006\r") == 4, "CR");
	CHECK(NUL_LINE("a\n\n\r\n\nb\0\n") == 5, "blank lines: %ld",
	      NUL_LINE("a\n\n\r\n\nb\0\n"));
	CHECK(NUL_LINE("\0a\n") == 1, "first byte");
	CHECK(NUL_LINE("a\n\0") == 2, "last byte, no line end");
	/* a CR, spaces, an LF: the splitter's one line end (the rest is a blank CRLF) */
	CHECK(NUL_LINE("a\r \t\nb\0\n") == 2, "CR blank LF");
	CHECK(NUL_LINE("\"a\",b\n1,2\n3\0\n") == 3, "quoted, first read");
	size_t n = 2000000;
	char *t = malloc(n);
	size_t edge[2];
	read_edges(n, edge);
	/* LF lines, the NUL on the last of 200,001 */
	size_t k = 0;
	for (int i = 0; i < 200000; i++)
		k += (size_t)sprintf(t + k, "%d,%d\n", i, i % 7);
	memcpy(t + k, "1\0002,3\n", 6);
	CHECK(nul_line(t, k + 6) == 200001, "200,001 lines: %ld", nul_line(t, k + 6));
	/* CRLF lines, the first read ending between a CR and its LF, the NUL lines after */
	k = 0;
	long line = 1;
	while (k + 10 < edge[0]) {
		k += (size_t)sprintf(t + k, "%ld,x\r\n", line % 10);
		line++;
	}
	while (k < edge[0] - 1)
		t[k++] = 'y';
	memcpy(t + k, "\r\n1,2\r\n3,4\r\n5\0006\r\n", 17);
	CHECK(nul_line(t, k + 17) == line + 3, "CRLF across reads: %ld want %ld",
	      nul_line(t, k + 17), line + 3);
	/* quoted: libcsv reads from the first line on; a quoted field of many lines spans
	 * the first read's end, and the NUL is in it, in the second */
	k = (size_t)sprintf(t, "\"h\",b\n");
	while (k < edge[0] - 100)
		k += (size_t)sprintf(t + k, "%zu,2\n", k % 1000);
	k += (size_t)sprintf(t + k, "\"");
	while (k < edge[0] + 50)
		k += (size_t)sprintf(t + k, "q\n");
	t[k] = 0;
	memcpy(t + k + 1, "\",1\n", 4);
	CHECK(nul_line(t, k + 5) == lf_line(t, k), "quoted field across reads: %ld want %ld",
	      nul_line(t, k + 5), lf_line(t, k));
	/* and a NUL in a later read, between records */
	k = (size_t)sprintf(t, "\"h\",b\n");
	while (k < 3 * edge[0] + 1000)
		k += (size_t)sprintf(t + k, "%zu,\"2\"\n", k % 1000);
	memcpy(t + k, "1,\0\n", 4);
	CHECK(nul_line(t, k + 4) == lf_line(t, k), "quoted, later read: %ld want %ld",
	      nul_line(t, k + 4), lf_line(t, k));
	free(t);
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

/* Numbers longer than the stack copy strtod is given (128 bytes) are numbers all the
 * same, rounded as strtod rounds them: a 130-digit integer, a 400-place fraction, a
 * mantissa that decides its rounding in its 200th digit. */
static void long_numbers_match_strtod(void)
{
	char b[512];
	memset(b, '9', 130);
	b[130] = 0;
	const char *forms[] = { "%s", "-%s", "%s.5", "%se-100", "%se300" };
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char t[600];
		snprintf(t, sizeof t, forms[i], b);
		double v = 0, want = strtod(t, NULL);
		CHECK(nids_parse_float(t, strlen(t), &v) == 0 && memcmp(&v, &want, sizeof v) == 0,
		      "'%s...' (%zu bytes): %.17g want %.17g", forms[i], strlen(t), v, want);
	}
	/* 0.000...0001 with 400 zeros: below the smallest double, 0 as strtod says */
	b[0] = '0', b[1] = '.';
	memset(b + 2, '0', 400);
	strcpy(b + 402, "1");
	double v = -1;
	CHECK(nids_parse_float(b, strlen(b), &v) == 0 && v == 0 && !signbit(v), "tiny: %g", v);
	/* 2^53 + 1 followed by 190 zeros and a 1: above the halfway point, so it rounds up */
	snprintf(b, sizeof b, "9007199254740993.%0190d1", 0);
	v = 0;
	CHECK(nids_parse_float(b, strlen(b), &v) == 0 && v == 9007199254740994.0, "%.17g", v);
	snprintf(b, sizeof b, "9007199254740993.%0190d", 0);
	CHECK(nids_parse_float(b, strlen(b), &v) == 0 && v == 9007199254740992.0, "%.17g", v);
	/* too long but not a number: still refused */
	memset(b, '9', 200);
	strcpy(b + 200, "x");
	CHECK(nids_parse_float(b, strlen(b), &v) == -1, "200 digits and an x accepted");
	/* a finite numeral beyond a double is HUGE_VAL, as strtod gives it; tiny ones 0 */
	CHECK(nids_parse_float("1e400", 5, &v) == 0 && v == HUGE_VAL, "1e400: %g", v);
	CHECK(nids_parse_float("-1e400", 6, &v) == 0 && v == -HUGE_VAL, "-1e400: %g", v);
	CHECK(nids_parse_float("1e-400", 6, &v) == 0 && v == 0, "1e-400: %g", v);
	CHECK(nids_parse_float("2e-324", 6, &v) == 0 && v == strtod("2e-324", NULL), "2e-324: %g", v);
}

/* The forms scale_exact rounds (16 to 19 digit mantissas, as CICFlowMeter's CSVs are
 * full of, and exponents up to 27 either way), including exact ties between two doubles,
 * bit for bit as strtod rounds them. */
static int same_as_strtod(const char *b)
{
	double v, want = strtod(b, NULL);
	return nids_parse_float(b, strlen(b), &v) == 0 && memcmp(&v, &want, sizeof v) == 0;
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	uint64_t s = rnd_state;
	s ^= s << 13, s ^= s >> 7, s ^= s << 17;
	return rnd_state = s;
}

static void long_mantissas_match_strtod(void)
{
	char b[96];
	long bad = 0, n = 0;
	/* doubles of every magnitude from 1e-30 to 1e30 as Java and Python print them */
	for (int i = 0; i < 300000; i++) {
		uint64_t e = 923 + rnd() % 200, bits = (rnd() & 0x000fffffffffffffull) | e << 52;
		double d;
		memcpy(&d, &bits, sizeof d);
		snprintf(b, sizeof b, i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.16g" : "%.18f", d);
		if (strlen(b) < 64 && !same_as_strtod(b) && bad++ < 3)
			CHECK(0, "'%s'", b);
		n++;
	}
	/* integers from 2^53 to 2^63 at a tie (half an ulp), and one either side, in four
	 * spellings */
	for (int i = 0; i < 200000; i++) {
		int sh = 53 + (int)(rnd() % 11), u = sh - 52;
		uint64_t t = ((1ull << sh) | (rnd() & ((1ull << sh) - 1))) >> u << u;
		int step = (int)(rnd() % 3) - 1;
		t = (t | 1ull << (u - 1)) + (uint64_t)step;
		unsigned long long a = t;
		const char *fmt[] = { "%llu", "%llu.000", "%llue0", "%llu.%llu" };
		if (i % 4 == 3)
			snprintf(b, sizeof b, fmt[3], a / 10, a % 10);
		else
			snprintf(b, sizeof b, fmt[i % 4], a);
		if (!same_as_strtod(b) && bad++ < 3)
			CHECK(0, "'%s'", b);
		n++;
	}
#ifdef __SIZEOF_INT128__
	/* 18-digit decimals m * 10^-27 on either side of a tie between two doubles of
	 * [2^-31, 2^-30), the nearest that 18 digits can come: some fall within the last bit
	 * of the quotient that is rounded, where only its remainder tells up from even */
	for (int i = 0; i < 100000; i++) {
		uint64_t j = (1ull << 52) | (rnd() & ((1ull << 52) - 1)); /* the tie (2j + 1) 2^-84 */
		unsigned __int128 p = (unsigned __int128)(2 * j + 1) * 7450580596923828125ull; /* 5^27 */
		unsigned long long m = (unsigned long long)(p >> 57) + (unsigned)(i & 1);
		snprintf(b, sizeof b, "%llue-27", m);
		if (!same_as_strtod(b) && bad++ < 3)
			CHECK(0, "'%s'", b);
		n++;
	}
#endif
	const char *fixed[] = { "13110.093192228716", "-157.95293002685202", "9007199254740993",
		                "9007199254740995", "999999999999999999", "123456789012345678e27",
		                "123456789012345678e-27", "1e27", "1e-27", "0.1e-26", "0e27", "-0e-27",
		                "0.00000000000000000000000", "-0.000000000000000000000000000",
		                "0.30000000000000004", "1.7976931348623157e308" };
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		CHECK(same_as_strtod(fixed[i]), "'%s'", fixed[i]);
		n++;
	}
	/* runs of eight digits and what stops them */
	const char *eights[] = { "12345678", "1234567.8", "12345678.12345678", "87654321.1",
		                 "1234567890123456789", "12345678901234567890", "0.1234567890123456789",
		                 "00000000000000000001", "99999999.99999999", "+12345678" };
	for (size_t i = 0; i < sizeof eights / sizeof *eights; i++) {
		CHECK(same_as_strtod(eights[i]), "'%s'", eights[i]);
		n++;
	}
	double v;
	const char *not_numbers[] = { "1234567a", "12345678a", "a2345678", "1234:678", "1234/678",
		                      "12345678.1234567x", "1.2345678e", "123456789012345678x" };
	for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++)
		CHECK(nids_parse_float(not_numbers[i], strlen(not_numbers[i]), &v) == -1, "'%s' accepted",
		      not_numbers[i]);
	CHECK(nids_parse_float("-0e-27", 6, &v) == 0 && v == 0 && signbit(v), "-0e-27: %g", v);
	CHECK(bad == 0 && n > 500000, "%ld of %ld differ from strtod", bad, n);
}

int main(void)
{
	TEST(records_and_lines);
	TEST(long_records);
	TEST(tsv_lines_of_tabs);
	TEST(unquoted_lines_as_libcsv);
	TEST(chunk_edges);
	TEST(lines_longer_than_the_buffer);
	TEST(random_text_as_libcsv);
	TEST(bad_text);
	TEST(nul_on_its_line);
	TEST(numbers_match_strtod);
	TEST(long_numbers_match_strtod);
	TEST(long_mantissas_match_strtod);
	return CHECK_DONE();
}
