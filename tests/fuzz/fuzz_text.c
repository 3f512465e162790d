/* fuzz_text.c: the text form read back into a stream (nids-cat -r), its # lines included.
 * Besides crashes, it checks that text -> stream -> text -> stream reaches a fixed point:
 * the stream made from the text that a stream made of text prints is that stream again,
 * byte for byte. (The first stream may differ from the second: text can spell a value
 * in ways the writer does not, such as a NaN's sign.) */
#include "fuzz_common.h"

#include "nids/cat.h"
#include "nids/io.h"
#include "nids/stream.h"

/* text [n] in file slot, read back into a stream in *out [*len] (malloc'd). 0 or a code. */
static int from_text(int slot, const void *text, size_t n, char delim, char **out, size_t *len)
{
	nids_err err = { 0 };
	nids_input *in;
	*out = NULL;
	*len = 0;
	if (nids_input_open(&in, fuzz_file(slot, text, n), &err))
		return -1;
	FILE *f = open_memstream(out, len);
	if (!f)
		abort();
	int rc = nids_cat_from_text(in, delim, f, "fuzz", 0, &err);
	nids_input_free(in);
	if (fclose(f) != 0)
		abort();
	return rc;
}

/* stream [n] in file slot printed as text with types into *out [*len]. 0 or a code. */
static int to_text(int slot, const void *stream, size_t n, char delim, char **out, size_t *len)
{
	nids_err err = { 0 };
	nids_input *in;
	nids_reader *r;
	*out = NULL;
	*len = 0;
	if (nids_input_open(&in, fuzz_file(slot, stream, n), &err))
		return -1;
	if (nids_reader_open(&r, in, &err)) {
		nids_input_free(in);
		return -1;
	}
	FILE *f = open_memstream(out, len);
	if (!f)
		abort();
	nids_cat_opts o = { .delim = delim, .header = 1, .cols = NULL, .head = -1, .types = 1 };
	int rc = nids_cat_to_text(r, f, &o, &err);
	nids_reader_free(r);
	nids_input_free(in);
	if (fclose(f) != 0)
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char delim = memchr(data, '\t', size) ? '\t' : ','; /* as the seeds are */
	char *s1, *t2 = NULL, *s2 = NULL, *t3 = NULL, *s3 = NULL;
	size_t n1, m2 = 0, n2 = 0, m3 = 0, n3 = 0;
	if (from_text(0, data, size, delim, &s1, &n1) == 0) {
		/* a stream -r wrote must print, and its text must read back; except text that
		 * begins with gzip's or zstd's magic bytes (a first column name of those bytes),
		 * which -r, reading compressed text transparently, takes for a compressed file */
		int print_rc = to_text(1, s1, n1, delim, &t2, &m2);
		if (!print_rc && m2 >= 2 &&
		    (!memcmp(t2, "\x1f\x8b", 2) || (m2 >= 4 && !memcmp(t2, "\x28\xb5\x2f\xfd", 4))))
			goto done;
		if (print_rc || from_text(2, t2, m2, delim, &s2, &n2) ||
		    to_text(1, s2, n2, delim, &t3, &m3) || from_text(2, t3, m3, delim, &s3, &n3)) {
			fprintf(stderr, "fuzz_text: a stream made from text does not print and read back\n");
			abort();
		}
		if (n2 != n3 || memcmp(s2, s3, n2) != 0) {
			fprintf(stderr, "fuzz_text: text -> stream is not a fixed point\n");
			abort();
		}
	}
done:
	free(s1);
	free(t2);
	free(s2);
	free(t3);
	free(s3);
	return 0;
}
