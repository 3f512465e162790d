/* test_io.c: inputs over several files, gzip members, segmented reading, the progress
 * line. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "nids/io.h"
#include "nids/progress.h"

static char dir[64];

static const char *file(const char *name, const void *data, size_t n)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	CHECK(f && fwrite(data, 1, n, f) == n, "write %s", p);
	fclose(f);
	return p;
}

/* text gzip-compressed as one member, into out; returns the size */
static size_t gz(const char *text, unsigned char *out, size_t cap)
{
	z_stream z = { 0 };
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END, "deflate");
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

static long read_all(nids_input *in, char *buf, size_t cap, nids_err *err)
{
	size_t got = 0;
	long r;
	while ((r = nids_input_read(in, buf + got, cap - 1 - got, err)) > 0)
		got += (size_t)r;
	buf[got] = 0;
	return r < 0 ? r : (long)got;
}

static void files_read_as_one(void)
{
	unsigned char z[256];
	size_t n = gz("two\n", z, sizeof z);
	unsigned char zz[512]; /* two members */
	memcpy(zz, z, n);
	size_t m = gz("three\n", zz + n, sizeof zz - n);
	const char *paths[] = { file("a", "one\n", 4), file("b.gz", zz, n + m), file("empty", "", 0),
		                file("c.gz", z, n) };
	nids_input *in;
	nids_err err = { 0 };
	CHECK(nids_input_open_files(&in, paths, 4, 0, &err) == 0, "%s", err.msg);
	CHECK(nids_input_files(in) == 4, "files");
	CHECK(nids_input_total_bytes(in) == 4 + n + m + n, "total %llu",
	      (unsigned long long)nids_input_total_bytes(in));
	const char *name = nids_input_name(in);
	CHECK(strcmp(name, paths[0]) == 0, "name %s", name);
	char buf[256];
	CHECK(read_all(in, buf, sizeof buf, &err) == 18, "%s", err.msg);
	CHECK(strcmp(buf, "one\ntwo\nthree\ntwo\n") == 0, "got '%s'", buf);
	/* the name taken at the start names the file being read */
	CHECK(strcmp(name, paths[3]) == 0 && nids_input_file_index(in) == 3, "name now %s", name);
	nids_input_free(in);
}

static void read_full_stops_at_a_file_end(void)
{
	const char *paths[] = { file("x", "abc", 3), file("y", "defgh", 5) };
	nids_input *in;
	nids_err err = { 0 };
	char buf[16];
	CHECK(nids_input_open_files(&in, paths, 2, 0, &err) == 0, "%s", err.msg);
	/* a read begun in x ends with x; the next one starts in y */
	CHECK(nids_input_read_full(in, buf, 4, &err) == 3, "short read");
	CHECK(nids_input_read_full(in, buf, 4, &err) == 4 && memcmp(buf, "defg", 4) == 0, "next");
	CHECK(strcmp(nids_input_name(in), paths[1]) == 0, "name");
	nids_input_free(in);
}

static void segmented(void)
{
	const char *paths[] = { file("s1", "h\n1\n", 4), file("s2", "h\n2\n", 4) };
	nids_input *in;
	nids_err err = { 0 };
	char buf[16];
	CHECK(nids_input_open_files(&in, paths, 2, NIDS_INPUT_SEGMENTED, &err) == 0, "%s", err.msg);
	CHECK(read_all(in, buf, sizeof buf, &err) == 4 && strcmp(buf, "h\n1\n") == 0, "first");
	CHECK(nids_input_next_file(in, &err) == 1, "next");
	CHECK(nids_input_file_index(in) == 1, "index");
	CHECK(read_all(in, buf, sizeof buf, &err) == 4 && strcmp(buf, "h\n2\n") == 0, "second");
	CHECK(nids_input_next_file(in, &err) == 0, "no third");
	nids_input_free(in);
}

static void bad_inputs(void)
{
	nids_input *in = NULL;
	nids_err err = { 0 };
	const char *twice[] = { "-", "-" };
	CHECK(nids_input_open_files(&in, twice, 2, 0, &err) == NIDS_EUSAGE && !in, "stdin twice");
	CHECK(strcmp(err.msg, "standard input ('-') given twice") == 0, "%s", err.msg);
	char missing[128];
	snprintf(missing, sizeof missing, "%s/none", dir);
	const char *paths[] = { file("ok", "x", 1), missing };
	CHECK(nids_input_open_files(&in, paths, 2, 0, &err) == NIDS_EIO && !in, "missing");
	CHECK(strcmp(err.where, missing) == 0, "where %s", err.where);
	/* a truncated member, a bad CRC, junk after a member */
	unsigned char z[256];
	size_t n = gz("hello, world\n", z, sizeof z);
	char buf[64];
	const char *cut[] = { file("cut.gz", z, n - 3) };
	CHECK(nids_input_open_files(&in, cut, 1, 0, &err) == 0, "%s", err.msg);
	CHECK(read_all(in, buf, sizeof buf, &err) == NIDS_ETRUNCATED, "truncated");
	CHECK(strcmp(err.msg, "truncated gzip input") == 0 && strcmp(err.where, cut[0]) == 0,
	      "%s: %s", err.where, err.msg);
	nids_input_free(in);
	z[n - 8] ^= 1;
	const char *crc[] = { file("crc.gz", z, n) };
	CHECK(nids_input_open_files(&in, crc, 1, 0, &err) == 0, "%s", err.msg);
	CHECK(read_all(in, buf, sizeof buf, &err) == NIDS_EFORMAT, "crc");
	CHECK(strcmp(err.msg, "corrupt gzip input: incorrect data check") == 0, "%s", err.msg);
	nids_input_free(in);
}

static void progress_draws_and_erases(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	nids_progress *p = nids_progress_new(f, "prog");
	nids_progress_set_total(p, 4000000);
	nids_progress_add_bytes(p, 1000000); /* the first call draws */
	nids_progress_add_bytes(p, 1000000); /* too soon to draw again */
	nids_progress_free(p);
	fclose(f);
	const char *want = "\rprog: 1.0 MB of 4.0 MB (25%)";
	CHECK(strncmp(text, want, strlen(want)) == 0, "'%s'", text);
	/* erased: a carriage return, blanks over the line, a carriage return */
	size_t first = strlen(want);
	CHECK(len == 2 * first + 1 && text[first] == '\r' && text[len - 1] == '\r', "len %zu", len);
	free(text);
	nids_progress_add_bytes(NULL, 1); /* NULL is a no-op */
	nids_progress_free(NULL);
}

/* An empty output path names no file: a usage error at open, before anything is
 * written or created (it failed only at the final rename). */
static void empty_output_path(void)
{
	nids_output *out = (nids_output *)1;
	nids_err err = { 0 };
	char cwd[512], sub[128];
	snprintf(sub, sizeof sub, "%s/out-dir", dir);
	CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
	CHECK(mkdir(sub, 0700) == 0, "mkdir %s: %s", sub, strerror(errno));
	CHECK(chdir(sub) == 0, "chdir");
	CHECK(nids_output_open(&out, "", 1, &err) == NIDS_EUSAGE && out == NULL, "rc %d", err.code);
	CHECK(!strcmp(err.msg, "empty output file name") && !err.where[0], "'%s' '%s'", err.where,
	      err.msg);
	CHECK(system("test -z \"$(ls -A)\"") == 0, "a file was left in the directory");
	CHECK(chdir(cwd) == 0, "chdir back");
}

int main(void)
{
	strcpy(dir, "/tmp/nids-io-XXXXXX");
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	TEST(files_read_as_one);
	TEST(read_full_stops_at_a_file_end);
	TEST(segmented);
	TEST(bad_inputs);
	TEST(progress_draws_and_erases);
	TEST(empty_output_path);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "rm");
	return CHECK_DONE();
}
