/* feat_vocab_file.c: the csv format's vocabulary file, so train and test files get the
 * same one-hot columns.
 *
 * A small text file (man/nids-featurize.1):
 *     nids-vocab 1
 *     column <TAB> name <TAB> count
 *     value                        (count lines, sorted by byte value, unique)
 *     ...
 *     end <TAB> xxh32 <TAB> 8 hex digits
 * Names and values escape backslash, tab, CR and LF as \\ \t \r \n. The checksum is
 * XXH32 (seed 0) of every byte before the end line, so any damage is detected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "feat_impl.h"

#define VOCAB_MAGIC "nids-vocab"
#define VOCAB_VERSION 1
#define VOCAB_MAX_BYTES (64u << 20)

typedef struct buf {
	char *p;
	size_t len, cap;
	int nomem;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void put_escaped(buf *b, const char *s)
{
	for (; *s; s++) {
		const char *e = *s == '\\'   ? "\\\\"
		                : *s == '\t' ? "\\t"
		                : *s == '\n' ? "\\n"
		                : *s == '\r' ? "\\r"
		                             : NULL;
		if (e)
			put(b, e, 2);
		else
			put(b, s, 1);
	}
}

int feat_vocab_write(const char *path, const feat_vocab_file *v, struct nids_output **pending,
                     nids_err *err)
{
	buf b = { 0 };
	char line[64];
	snprintf(line, sizeof line, "%s %d\n", VOCAB_MAGIC, VOCAB_VERSION);
	put(&b, line, strlen(line));
	for (int g = 0; g < v->n; g++) {
		put(&b, "column\t", 7);
		put_escaped(&b, v->groups[g].column);
		snprintf(line, sizeof line, "\t%d\n", v->groups[g].n);
		put(&b, line, strlen(line));
		for (int i = 0; i < v->groups[g].n; i++) {
			put_escaped(&b, v->groups[g].values[i]);
			put(&b, "\n", 1);
		}
	}
	if (b.nomem) {
		free(b.p);
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	}
	snprintf(line, sizeof line, "end\txxh32\t%08x\n", (unsigned)XXH32(b.p, b.len, 0));
	nids_output *out;
	int rc = nids_output_open(&out, path, 0, err);
	if (rc) {
		free(b.p);
		return rc;
	}
	FILE *f = nids_output_file(out);
	if (fwrite(b.p, 1, b.len, f) != b.len || fputs(line, f) == EOF) {
		free(b.p);
		nids_output_abort(out);
		return nids_err_set(err, NIDS_EIO, path, "write error: %s", strerror(errno));
	}
	free(b.p);
	if (pending) {
		*pending = out;
		return 0;
	}
	return nids_output_commit(out, err);
}

void feat_vocab_file_free(feat_vocab_file *v)
{
	if (!v || !v->groups)
		return;
	for (int g = 0; g < v->n; g++) {
		for (int i = 0; i < v->groups[g].n; i++)
			free((char *)v->groups[g].values[i]);
		free((void *)v->groups[g].values);
		free((char *)v->groups[g].column);
	}
	free(v->groups);
	v->groups = NULL;
	v->n = 0;
}

/* Unescapes s in place; returns -1 on a bad escape. */
static int unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		if (*r == '\\')
			*w++ = '\\';
		else if (*r == 't')
			*w++ = '\t';
		else if (*r == 'n')
			*w++ = '\n';
		else if (*r == 'r')
			*w++ = '\r';
		else
			return -1;
	}
	*w = 0;
	return 0;
}

typedef struct reader {
	const char *path;
	char *p, *end; /* the unread text */
	long line;
	char where[300];
	nids_err *err;
} reader;

static const char *rwhere(reader *r)
{
	snprintf(r->where, sizeof r->where, "%s:%ld", r->path, r->line);
	return r->where;
}

/* The next line, NUL-terminated in place, or NULL at the end (a last line without its
 * newline counts as cut short). */
static char *next_line(reader *r)
{
	char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	if (!nl)
		return NULL;
	char *s = r->p;
	*nl = 0;
	r->p = nl + 1;
	r->line++;
	return s;
}

/* The last line must be the end line, and its checksum must match the bytes before it. */
static int check_sum(const char *path, const char *p, size_t len, nids_err *err)
{
	if (p[len - 1] != '\n')
		return nids_err_set(err, NIDS_ETRUNCATED, path, "cut short: no end line");
	const char *last = p + len - 1;
	while (last > p && last[-1] != '\n')
		last--;
	unsigned want;
	char extra;
	if (strncmp(last, "end\t", 4))
		return nids_err_set(err, NIDS_ETRUNCATED, path, "cut short: no end line");
	if (sscanf(last, "end\txxh32\t%8x%c", &want, &extra) != 2 || extra != '\n')
		return nids_err_set(err, NIDS_EFORMAT, path, "bad end line");
	if (XXH32(p, (size_t)(last - p), 0) != want)
		return nids_err_set(err, NIDS_ECHECKSUM, path,
		                    "checksum mismatch: the vocabulary file is damaged");
	return 0;
}

static int parse_groups(reader *r, feat_vocab_file *v)
{
	char *s;
	int cap = 0;
	for (;;) {
		if (!(s = next_line(r)))
			return nids_err_set(r->err, NIDS_ETRUNCATED, rwhere(r),
			                    "cut short: no end line");
		if (!strncmp(s, "end\t", 4)) { /* checked by check_sum */
			if (r->p != r->end)
				return nids_err_set(r->err, NIDS_EFORMAT, rwhere(r),
				                    "text after the end line");
			return 0;
		}
		char *name = s + 7, *tab;
		long count;
		if (strncmp(s, "column\t", 7) || !(tab = strchr(name, '\t')) ||
		    sscanf(tab + 1, "%ld", &count) != 1 || count < 0 || count > 16777216)
			return nids_err_set(r->err, NIDS_EFORMAT, rwhere(r),
			                    "expected 'column<TAB>name<TAB>count'");
		*tab = 0;
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			feat_vocab *g = realloc(v->groups, (size_t)cap * sizeof *g);
			if (!g)
				return nids_err_set(r->err, NIDS_ENOMEM, r->path, "out of memory");
			v->groups = g;
		}
		feat_vocab *g = &v->groups[v->n++];
		char **vals = calloc((size_t)count + 1, sizeof *vals);
		*g = (feat_vocab){ strdup(name), (const char *const *)vals, 0 };
		if (!g->column || !vals)
			return nids_err_set(r->err, NIDS_ENOMEM, r->path, "out of memory");
		if (unescape((char *)g->column) || !g->column[0])
			return nids_err_set(r->err, NIDS_EFORMAT, rwhere(r), "bad column name");
		for (long i = 0; i < count; i++) {
			if (!(s = next_line(r)))
				return nids_err_set(r->err, NIDS_ETRUNCATED, rwhere(r),
				                    "cut short in column '%s'", g->column);
			if (unescape(s))
				return nids_err_set(r->err, NIDS_EFORMAT, rwhere(r),
				                    "bad escape in '%.40s'", s);
			if (i && strcmp(vals[i - 1], s) >= 0)
				return nids_err_set(
				    r->err, NIDS_EFORMAT, rwhere(r),
				    "values of column '%s' are not sorted and unique", g->column);
			if (!(vals[i] = strdup(s)))
				return nids_err_set(r->err, NIDS_ENOMEM, r->path, "out of memory");
			g->n++;
		}
	}
}

int feat_vocab_read(const char *path, feat_vocab_file *v, nids_err *err)
{
	memset(v, 0, sizeof *v);
	FILE *f = fopen(path, "rb");
	if (!f)
		return nids_err_set(err, NIDS_EIO, path, "cannot open: %s", strerror(errno));
	buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= VOCAB_MAX_BYTES)
		put(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	int rc = 0;
	if (bad)
		rc = nids_err_set(err, NIDS_EIO, path, "read error");
	else if (b.nomem)
		rc = nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	else if (b.len > VOCAB_MAX_BYTES)
		rc = nids_err_set(err, NIDS_EFORMAT, path, "too large for a vocabulary file");
	/* an empty file leaves b.p NULL: no pointer arithmetic on it */
	reader r = { path, b.p, b.p ? b.p + b.len : NULL, 0, "", err };
	int version;
	char extra;
	if (!rc &&
	    (b.len <= sizeof VOCAB_MAGIC || strncmp(b.p, VOCAB_MAGIC " ", sizeof VOCAB_MAGIC)))
		rc = nids_err_set(err, NIDS_EFORMAT, path,
		                  "not a nids vocabulary file (made by --fit-vocab)");
	else if (!rc && (sscanf(b.p + sizeof VOCAB_MAGIC, "%d%c", &version, &extra) != 2 ||
	                 extra != '\n' || version != VOCAB_VERSION))
		rc = nids_err_set(err, NIDS_EVERSION, path,
		                  "unknown vocabulary file version (this is %d)", VOCAB_VERSION);
	if (!rc)
		rc = check_sum(path, b.p, b.len, err);
	if (!rc) {
		next_line(&r); /* the magic line */
		rc = parse_groups(&r, v);
	}
	free(b.p);
	if (rc)
		feat_vocab_file_free(v);
	return rc;
}
