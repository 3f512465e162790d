/* model_file.c: model files (man/nids-model.5). A fixed 28-byte header, a key=value text
 * section (type, hyperparameters, seed, rows, features, classes, tensor table), the
 * float32 tensor arena at a 64-byte boundary, and an XXH64 checksum of everything
 * before it. The file length is in the header, so a cut file is reported as truncated
 * before anything else is believed. */
#include "model_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "nids/io.h"
#include "le_impl.h"
#include "nids/normalize.h"

static const unsigned char MAGIC[8] = { 0x89, 'N', 'I', 'D', 'M', '\r', '\n', 0x1a };
#define FIXED 28
#define MAX_TEXT (64u << 20)
#define MAX_FILE ((uint64_t)1 << 36)


/* ---- text section ---- */

struct text {
	char *s;
	size_t len, cap;
	int bad;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->bad = 1;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *s = realloc(t->s, cap);
		if (!s) {
			t->bad = 1;
			return;
		}
		t->s = s, t->cap = cap;
	}
}

/* A header record as --info shows it: what a normalization record holds. */
static void describe_record(struct text *t, const nids_ext *e)
{
	nids_norm *n = NULL;
	int clamp;
	if (!strcmp(e->key, NIDS_NORM_RECORD) &&
	    !nids_norm_from_record(&n, &clamp, e->data, e->len, e->key, NULL)) {
		add(t, "(%s over %d feature columns, %s; applied to raw featurized rows)\n",
		    nids_norm_method_name(nids_norm_method(n)), nids_norm_columns(n),
		    clamp ? "clamped" : "not clamped");
		nids_norm_free(n);
		return;
	}
	int text = e->len > 0 && e->len < 200;
	for (size_t i = 0; text && i < e->len; i++)
		text = e->data[i] >= 0x20 && e->data[i] < 0x7f;
	if (text)
		add(t, "(%.*s)\n", (int)e->len, (const char *)e->data);
	else
		add(t, "(%zu bytes)\n", e->len);
}

/* The text section; with summary, header records are described rather than written. */
static char *text_of(const nids_model *m, int *bad_name, int summary)
{
	struct text t = { 0 };
	*bad_name = 0;
	add(&t, "type=%s\nseed=%llu\nrows=%llu\n", m->type->name, (unsigned long long)m->seed,
	    (unsigned long long)m->train_rows);
	for (int i = 0; m->type->hparams[i].name; i++) {
		*bad_name |= strchr(m->hp[i], '\n') != NULL;
		add(&t, "hp.%s=%s\n", m->type->hparams[i].name, m->hp[i]);
	}
	add(&t, "features=%d\n", m->d);
	for (int i = 0; i < m->d; i++) {
		*bad_name |= strchr(m->features[i], '\n') != NULL;
		add(&t, "feature=%s\n", m->features[i]);
	}
	add(&t, "classes=%d\n", m->nclasses);
	for (int i = 0; i < m->nclasses; i++) {
		*bad_name |= strchr(m->classes[i], '\n') != NULL;
		add(&t, "class=%s\n", m->classes[i]);
	}
	for (int i = 0; m->prep && i < m->prep->next; i++) {
		const nids_ext *e = &m->prep->ext[i];
		*bad_name |= strchr(e->key, '\n') != NULL || strchr(e->key, ' ') != NULL;
		if (summary) {
			add(&t, "prep=%s ", e->key);
			describe_record(&t, e);
			continue;
		}
		add(&t, "prep=%s ", e->key);
		for (size_t j = 0; j < e->len; j++)
			add(&t, "%02x", e->data[j]);
		add(&t, "\n");
	}
	if (summary && !m->prep)
		add(&t, "prep=(not recorded: scores the stream as it comes)\n");
	if (m->has_threshold)
		add(&t, "threshold=%.17g %s %s\n", m->threshold, m->threshold_high ? "high" : "low",
		    m->threshold_score);
	if (m->made)
		add(&t, "%s", m->made);
	for (int i = 0; i < m->arena.n; i++)
		add(&t, "tensor=%s %d %d %zu\n", m->arena.t[i].name, m->arena.t[i].rows,
		    m->arena.t[i].cols, m->arena.t[i].off);
	add(&t, "arena=%zu\n", m->arena.size);
	if (t.bad) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

char *nids_model_describe(const nids_model *m)
{
	int bad;
	return text_of(m, &bad, 1);
}

int nids_model_id(const nids_model *m, char rec[32])
{
	nids_model bare = *m; /* (a shallow copy: only read) */
	bare.has_threshold = 0;
	int bad;
	char *text = text_of(&bare, &bad, 0);
	XXH64_state_t *s = XXH64_createState();
	if (!text || !s) {
		free(text);
		XXH64_freeState(s);
		return NIDS_ENOMEM;
	}
	XXH64_reset(s, 0);
	XXH64_update(s, text, strlen(text));
	XXH64_update(s, m->arena.data, m->arena.size * sizeof(float));
	snprintf(rec, 32, "model=%016" PRIx64, (uint64_t)XXH64_digest(s));
	XXH64_freeState(s);
	free(text);
	return 0;
}

int nids_model_set_prep(nids_model *m, const nids_header *h)
{
	nids_header *p = nids_header_new();
	for (int i = 0; p && i < h->next; i++)
		if (strcmp(h->ext[i].key, NIDS_SCORE_RECORD) && /* whose scores: not preprocessing */
		    nids_header_set_ext(p, h->ext[i].key, h->ext[i].data, h->ext[i].len)) {
			nids_header_free(p);
			p = NULL;
		}
	if (!p)
		return NIDS_ENOMEM;
	nids_header_free(m->prep);
	m->prep = p;
	return 0;
}

int nids_model_set_threshold(nids_model *m, double value, int high, const char *score,
                             nids_err *err)
{
	size_t len = strlen(score);
	if (len >= sizeof m->threshold_score)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "score column name too long");
	m->has_threshold = 1;
	m->threshold = value;
	m->threshold_high = high;
	memcpy(m->threshold_score, score, len + 1);
	return 0;
}

int nids_model_add_made(nids_model *m, const char *key, const char *fmt, ...)
{
	char value[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	for (char *c = value; *c; c++)
		if (*c == '\n')
			*c = ' ';
	struct text t = { 0 };
	add(&t, "%smade.%s=%s\n", m->made ? m->made : "", key, value);
	if (t.bad) {
		free(t.s);
		return NIDS_ENOMEM;
	}
	free(m->made);
	m->made = t.s;
	return 0;
}

int nids_model_write(const nids_model *m, FILE *f, nids_err *err)
{
	int bad_name;
	char *text = text_of(m, &bad_name, 0);
	if (!text)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (bad_name) {
		free(text);
		return nids_err_set(err, NIDS_EUSAGE, NULL, "a feature or class name or an option "
		                    "value contains a newline, which a model file cannot store");
	}
	size_t tlen = strlen(text);
	size_t start = (FIXED + tlen + 63) / 64 * 64;
	size_t abytes = m->arena.size * sizeof(float);
	uint64_t total = start + abytes + 8;
	unsigned char *buf = calloc(1, (size_t)total);
	if (!buf) {
		free(text);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	memcpy(buf, MAGIC, 8);
	nids_put16(buf + 8, NIDS_MODEL_MAJOR);
	nids_put16(buf + 10, NIDS_MODEL_MINOR);
	nids_put32(buf + 12, 0);
	nids_put64(buf + 16, total);
	nids_put32(buf + 24, (uint32_t)tlen);
	memcpy(buf + FIXED, text, tlen);
	/* float32 little-endian: the host order on every platform the stream supports */
	memcpy(buf + start, m->arena.data, abytes);
	nids_put64(buf + total - 8, XXH64(buf, (size_t)total - 8, 0));
	errno = 0;
	int rc = fwrite(buf, 1, (size_t)total, f) == (size_t)total ? 0 : NIDS_EIO;
	int e = errno;
	free(buf);
	free(text);
	if (rc)
		return nids_err_set(err, NIDS_EIO, NULL, "write error: %s", e ? strerror(e) : "short write");
	return 0;
}

/* ---- reading ---- */

/* A zstd-compressed model file may decompress to at most MAX_EXPAND times its size plus
 * MAX_EXPAND_SLACK: float32 weights compress little, and reading stops there instead of
 * filling memory with what a small compressed file expands to. */
#define MAX_EXPAND 16
#define MAX_EXPAND_SLACK ((uint64_t)16 << 20)

/* The most bytes worth reading so far: nothing more after a foreign magic; one past the
 * length the header claims (so that a longer file is still seen to be longer). */
static uint64_t read_limit(const unsigned char *buf, size_t n)
{
	if (n >= 8 && memcmp(buf, MAGIC, 8))
		return n;
	if (n >= FIXED && nids_get64(buf + 16) < MAX_FILE)
		return nids_get64(buf + 16) + 1;
	return MAX_FILE;
}

/* For compressed input from a regular file: MAX_EXPAND times its size plus the slack. */
static uint64_t expand_limit(nids_input *in, const char *path)
{
	struct stat st;
	int ok = strcmp(path, "-") ? stat(path, &st) == 0 : fstat(0, &st) == 0;
	if (!nids_input_is_zstd(in) || !ok || !S_ISREG(st.st_mode))
		return MAX_FILE;
	return (uint64_t)st.st_size * MAX_EXPAND + MAX_EXPAND_SLACK;
}

static int slurp(const char *path, unsigned char **out, size_t *len, nids_err *err)
{
	nids_input *in;
	int rc = nids_input_open(&in, path, err);
	if (rc < 0)
		return rc;
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	long got = 0;
	uint64_t limit = MAX_FILE, expand = expand_limit(in, path);
	while (buf && n < limit) {
		if (n >= expand) {
			nids_input_free(in);
			free(buf);
			return nids_err_set(err, NIDS_EFORMAT, path, "compressed model file expands "
			                    "more than %d-fold (not a model file nids wrote)",
			                    MAX_EXPAND);
		}
		if (n == cap) {
			unsigned char *b = cap < MAX_FILE ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b, cap *= 2;
		}
		uint64_t room = (limit < expand ? limit : expand) - n;
		if ((got = nids_input_read(in, buf + n, room < cap - n ? (size_t)room : cap - n,
		                           err)) <= 0)
			break;
		n += (size_t)got;
		limit = read_limit(buf, n);
	}
	nids_input_free(in);
	if (!buf)
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	if (got < 0) {
		free(buf);
		return (int)got;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int bad(nids_err *err, int code, const char *path, const char *what)
{
	return nids_err_set(err, code, path, "%s", what);
}

/* Keeps a message from a lower layer, giving it this file's code and name. */
static int relabel(nids_err *err, int code, const char *path)
{
	char msg[sizeof err->msg];
	snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
	return nids_err_set(err, code, path, "%s", msg);
}

static int push_name(char ***v, int *n, const char *s)
{
	char **w = realloc(*v, (size_t)(*n + 2) * sizeof *w);
	if (!w)
		return -1;
	*v = w;
	if (!(w[*n] = strdup(s)))
		return -1;
	w[++*n] = NULL;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "KEY HEX": a header record of the training stream. */
static int parse_prep(nids_model *m, const char *v, const char *path, nids_err *err)
{
	const char *sp = strchr(v, ' ');
	size_t hl = sp ? strlen(sp + 1) : 1;
	if (!sp || sp == v || (size_t)(sp - v) > NIDS_MAX_NAME || hl % 2)
		return nids_err_set(err, NIDS_EFORMAT, path, "bad prep line '%.60s'", v);
	char key[NIDS_MAX_NAME + 1];
	memcpy(key, v, (size_t)(sp - v));
	key[sp - v] = 0;
	unsigned char *data = malloc(hl / 2 + 1);
	if (!data || (!m->prep && !(m->prep = nids_header_new()))) {
		free(data);
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	}
	for (size_t i = 0; i < hl / 2; i++) {
		int a = hexval(sp[1 + 2 * i]), b = hexval(sp[2 + 2 * i]);
		if (a < 0 || b < 0) {
			free(data);
			return nids_err_set(err, NIDS_EFORMAT, path, "bad prep line '%.60s'", v);
		}
		data[i] = (unsigned char)(a << 4 | b);
	}
	int rc = nids_header_get_ext(m->prep, key, NULL) ? NIDS_EFORMAT
	                                                 : nids_header_set_ext(m->prep, key, data, hl / 2);
	free(data);
	return rc ? nids_err_set(err, rc == NIDS_ENOMEM ? rc : NIDS_EFORMAT, path,
	                         "bad or repeated prep record '%s'", key)
	          : 0;
}

/* Parses one key=value line into m (and the file's tensor table into fa). */
static int parse_line(nids_model *m, nids_arena *fa, char *line, const char *path, int *nfeat,
                      int *ncls, nids_err *err)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return nids_err_set(err, NIDS_EFORMAT, path, "bad header line '%.40s'", line);
	*eq = 0;
	const char *k = line, *v = eq + 1;
	if (!strcmp(k, "type"))
		return nids_err_set(err, NIDS_EFORMAT, path, "duplicate type line");
	if (!strcmp(k, "seed"))
		return m->seed = strtoull(v, NULL, 10), 0;
	if (!strcmp(k, "rows"))
		return m->train_rows = strtoull(v, NULL, 10), 0;
	if (!strncmp(k, "hp.", 3)) {
		if (!nids_model_get(m, k + 3))
			return nids_err_set(err, NIDS_EFORMAT, path,
			                    "hyperparameter '%s' is unknown to -t %s (a newer nids?)",
			                    k + 3, m->type->name);
		return nids_model_set(m, k + 3, v, err);
	}
	if (!strcmp(k, "features"))
		return *nfeat = atoi(v), 0;
	if (!strcmp(k, "classes"))
		return *ncls = atoi(v), 0;
	if (!strcmp(k, "feature"))
		return push_name(&m->features, &m->d, v) ? nids_err_set(err, NIDS_ENOMEM, path, "oom") : 0;
	if (!strcmp(k, "class"))
		return push_name(&m->classes, &m->nclasses, v) ? nids_err_set(err, NIDS_ENOMEM, path,
		                                                               "oom") : 0;
	if (!strcmp(k, "tensor"))
		return nids_arena_read_tensor(fa, v, path, err);
	if (!strcmp(k, "arena"))
		return nids_arena_read_size(fa, v, path, err);
	if (!strcmp(k, "prep"))
		return parse_prep(m, v, path, err);
	if (!strcmp(k, "threshold")) {
		char dir[8];
		int n = 0;
		if (sscanf(v, "%lf %7s %n", &m->threshold, dir, &n) != 2 || !v[n] ||
		    (strcmp(dir, "high") && strcmp(dir, "low")) ||
		    strlen(v + n) >= sizeof m->threshold_score)
			return nids_err_set(err, NIDS_EFORMAT, path, "bad threshold line '%.60s'", v);
		m->has_threshold = 1;
		m->threshold_high = !strcmp(dir, "high");
		snprintf(m->threshold_score, sizeof m->threshold_score, "%s", v + n);
		return 0;
	}
	if (!strncmp(k, "made.", 5))
		return nids_model_add_made(m, k + 5, "%s", v) ? nids_err_set(err, NIDS_ENOMEM, path,
		                                                              "out of memory") : 0;
	return 0; /* unknown keys are informative only (may-ignore, see nids-model.5) */
}

static int parse_text(nids_model **mp, nids_arena *fa, char *text, const char *path,
                      nids_err *err)
{
	*mp = NULL;
	if (strncmp(text, "type=", 5))
		return bad(err, NIDS_EFORMAT, path, "the header does not start with the model type");
	char *nl = strchr(text, '\n');
	if (!nl)
		return bad(err, NIDS_EFORMAT, path, "bad header text");
	*nl = 0;
	nids_model *m;
	int rc = nids_model_new(&m, text + 5, err);
	if (rc < 0)
		return relabel(err, NIDS_EFORMAT, path);
	int nfeat = -1, ncls = -1;
	for (char *line = nl + 1; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n'))) {
			rc = bad(err, NIDS_EFORMAT, path, "the header text does not end with a newline");
			break;
		}
		*nl = 0;
		if ((rc = parse_line(m, fa, line, path, &nfeat, &ncls, err)) < 0)
			break;
	}
	if (rc >= 0 && (nfeat != m->d || ncls != m->nclasses || m->d == 0))
		rc = bad(err, NIDS_EFORMAT, path, "the feature or class count does not match its list");
	if (rc >= 0 && (m->d > NIDS_MAX_COLUMNS || m->nclasses > NIDS_MAX_CLASSES))
		rc = nids_err_set(err, NIDS_EFORMAT, path, "%d features and %d classes: a stream "
		                  "holds at most %d columns and %d classes", m->d, m->nclasses,
		                  NIDS_MAX_COLUMNS, NIDS_MAX_CLASSES);
	if (rc >= 0 && !m->classes && !(m->classes = calloc(1, sizeof *m->classes)))
		rc = bad(err, NIDS_ENOMEM, path, "out of memory");
	if (rc < 0) {
		nids_model_free(m);
		return rc;
	}
	*mp = m;
	return 0;
}

int nids_model_read(nids_model **mp, const char *path, nids_err *err)
{
	*mp = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = slurp(path, &buf, &len, err);
	if (rc < 0)
		return rc;
	nids_model *m = NULL;
	nids_arena fa = { 0 };
	if (len < 8 || memcmp(buf, MAGIC, 8)) {
		rc = bad(err, NIDS_EFORMAT, path, len >= 4 && !memcmp(buf + 1, "NIDS", 4)
		         ? "this is a record stream, not a model file"
		         : "not a nids model file (bad magic)");
		goto done;
	}
	if (len < FIXED) {
		rc = bad(err, NIDS_ETRUNCATED, path, "truncated model file");
		goto done;
	}
	unsigned major = nids_get16(buf + 8), minor = nids_get16(buf + 10);
	uint32_t flags = nids_get32(buf + 12);
	uint64_t total = nids_get64(buf + 16);
	uint32_t tlen = nids_get32(buf + 24);
	if (major < 1 || major > NIDS_MODEL_MAJOR) {
		rc = nids_err_set(err, NIDS_EVERSION, path, "model file version %u.%u is not supported "
		                  "(this nids reads versions 1 to %d)", major, minor, NIDS_MODEL_MAJOR);
		goto done;
	}
	if (flags & 0xffffu) {
		rc = nids_err_set(err, NIDS_EVERSION, path, "unknown must-understand flags 0x%x",
		                  (unsigned)(flags & 0xffffu));
		goto done;
	}
	if (total > len) {
		rc = nids_err_set(err, NIDS_ETRUNCATED, path, "truncated model file (%zu of %llu "
		                  "bytes)", len, (unsigned long long)total);
		goto done;
	}
	if (total < len || total < FIXED + 8 || tlen > MAX_TEXT || FIXED + (uint64_t)tlen + 8 > total) {
		rc = bad(err, NIDS_EFORMAT, path, "bad model file length");
		goto done;
	}
	if (XXH64(buf, (size_t)total - 8, 0) != nids_get64(buf + total - 8)) {
		rc = bad(err, NIDS_ECHECKSUM, path, "model file checksum mismatch (corrupt file)");
		goto done;
	}
	char *text = malloc((size_t)tlen + 1);
	if (!text) {
		rc = bad(err, NIDS_ENOMEM, path, "out of memory");
		goto done;
	}
	memcpy(text, buf + FIXED, tlen);
	text[tlen] = 0;
	rc = parse_text(&m, &fa, text, path, err);
	free(text);
	if (rc < 0)
		goto done;
	size_t start = (FIXED + (size_t)tlen + 63) / 64 * 64;
	if (start + fa.size * sizeof(float) + 8 != total) {
		rc = bad(err, NIDS_EFORMAT, path, "the tensor arena does not fill the file");
		goto done;
	}
	/* (the tensors lie inside the arena, one after another: parse_line placed each where
	 * the ones before it end, and the arena ends where the last one does) */
	if (!(fa.data = nids_floats(fa.size))) {
		rc = bad(err, NIDS_ENOMEM, path, "out of memory");
		goto done;
	}
	memcpy(fa.data, buf + start, fa.size * sizeof(float));
	if ((rc = m->type->load(m, &fa, err)) < 0) {
		rc = relabel(err, rc == NIDS_ENOMEM ? rc : NIDS_EFORMAT, path);
		goto done;
	}
done:
	free(buf);
	nids_arena_free(&fa);
	if (rc < 0)
		nids_model_free(m);
	else
		*mp = m;
	return rc;
}
