/* io.c: inputs that sniff zstd and gzip, read over several files; atomic outputs. */
#define _POSIX_C_SOURCE 200809L
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "nids/io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define RAW_CAP (1 << 17)
#define DEC_CAP (1 << 18)

enum { RAW, ZSTD, GZIP };

struct nids_input {
	char **paths; /* the files, read one after another ("-" = stdin) */
	int npaths, cur; /* cur: index of the open file */
	int segmented;   /* NIDS_INPUT_SEGMENTED: stop at each file's end */
	FILE *f;
	char *name; /* a copy of paths[cur], in one buffer for the input's life */
	int kind;         /* RAW, ZSTD or GZIP */
	int raw_eof;
	ZSTD_DStream *ds;
	int frame_open; /* a zstd frame or gzip member started and has not ended */
	z_stream zs;
	int zs_init;
	unsigned char *raw;
	size_t raw_pos, raw_len;
	unsigned char *dec; /* decoded bytes not yet consumed: dec[dec_pos .. dec_len) */
	size_t dec_pos, dec_len;
	nids_progress *progress;
	uint64_t total; /* the files' summed size, 0 when one is not a regular file */
};

static int fill_raw(nids_input *in, nids_err *err)
{
	if (in->raw_pos < in->raw_len || in->raw_eof)
		return 0;
	size_t got = fread(in->raw, 1, RAW_CAP, in->f);
	if (got == 0) {
		if (ferror(in->f))
			return nids_err_set(err, NIDS_EIO, in->name, "read error: %s", strerror(errno));
		in->raw_eof = 1;
	}
	nids_progress_add_bytes(in->progress, got);
	in->raw_pos = 0;
	in->raw_len = got;
	return 0;
}

/* A pipe between two nids programs carries about a MiB per block; with Linux's default
 * 64 KiB pipe buffer each block costs the two processes 16 wake-ups each. Widening the
 * pipe to 1 MiB (the unprivileged limit) made featurize | normalize 15% faster. Either end
 * may do it; failure only loses the speed. */
static void widen_pipe(FILE *f)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	int fd = fileno(f);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
	(void)f;
#endif
}

static int is_stdin(const char *path) { return strcmp(path, "-") == 0; }

/* Opens paths[k] in place of the current file and sniffs its compression. */
static int open_file(nids_input *in, int k, nids_err *err)
{
	if (in->f && in->f != stdin)
		fclose(in->f);
	in->cur = k;
	strcpy(in->name, in->paths[k]);
	in->raw_pos = in->raw_len = 0;
	in->raw_eof = in->frame_open = 0;
	in->kind = RAW;
	in->f = is_stdin(in->name) ? stdin : fopen(in->name, "rb");
	if (!in->f)
		return nids_err_set(err, NIDS_EIO, in->name, "cannot open: %s", strerror(errno));
	widen_pipe(in->f);
	int rc = fill_raw(in, err);
	const unsigned char *b = in->raw;
	if (rc == 0 && in->raw_len >= 4 && b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F &&
	    b[3] == 0xFD) {
		in->kind = ZSTD;
		if (!in->ds)
			in->ds = ZSTD_createDStream();
		/* datasets are compressed with --long (windows up to 2 GiB) */
		if (!in->ds || ZSTD_isError(ZSTD_DCtx_reset(in->ds, ZSTD_reset_session_only)) ||
		    ZSTD_isError(ZSTD_DCtx_setParameter(in->ds, ZSTD_d_windowLogMax, 31)))
			rc = nids_err_set(err, NIDS_ENOMEM, in->name, "out of memory");
	} else if (rc == 0 && in->raw_len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		in->kind = GZIP;
		/* windowBits 15 + 16: gzip members only, their CRC-32 and length checked */
		int zr = in->zs_init ? inflateReset(&in->zs) : inflateInit2(&in->zs, 15 + 16);
		in->zs_init = 1;
		if (zr != Z_OK)
			rc = nids_err_set(err, NIDS_ENOMEM, in->name, "out of memory");
	}
	return rc;
}

int nids_input_open_files(nids_input **inp, const char *const *paths, int n, int flags,
                          nids_err *err)
{
	static const char *const std_in[] = { "-" };
	*inp = NULL;
	if (n <= 0) {
		paths = std_in;
		n = 1;
	}
	nids_input *in = calloc(1, sizeof *in);
	if (!in)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	in->segmented = (flags & NIDS_INPUT_SEGMENTED) != 0;
	in->paths = calloc((size_t)n, sizeof *in->paths);
	in->raw = malloc(RAW_CAP);
	in->dec = malloc(DEC_CAP);
	int rc = in->paths && in->raw && in->dec ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL,
	                                                             "out of memory");
	int stdins = 0, sized = 1;
	size_t longest = 1;
	for (int k = 0; !rc && k < n; k++) {
		const char *p = paths[k] ? paths[k] : "-";
		in->npaths++;
		if (strlen(p) > longest)
			longest = strlen(p);
		if (!(in->paths[k] = strdup(p))) {
			rc = nids_err_set(err, NIDS_ENOMEM, p, "out of memory");
			break;
		}
		/* every file is looked at before any is read: a missing one fails the run
		 * before it writes anything, and the sizes add up to the progress total */
		struct stat st;
		if (is_stdin(p) && stdins++)
			rc = nids_err_set(err, NIDS_EUSAGE, NULL, "standard input ('-') given twice");
		else if (is_stdin(p) ? fstat(STDIN_FILENO, &st) != 0 : stat(p, &st) != 0)
			rc = nids_err_set(err, NIDS_EIO, p, "cannot open: %s", strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = nids_err_set(err, NIDS_EIO, p, "cannot read: %s", strerror(EISDIR));
		else if (S_ISREG(st.st_mode))
			in->total += (uint64_t)st.st_size;
		else
			sized = 0;
	}
	if (!sized)
		in->total = 0;
	if (!rc && !(in->name = malloc(longest + 1)))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = open_file(in, 0, err);
	if (rc) {
		nids_input_free(in);
		return rc;
	}
	*inp = in;
	return 0;
}

int nids_input_open(nids_input **inp, const char *path, nids_err *err)
{
	const char *paths[1] = { path ? path : "-" };
	return nids_input_open_files(inp, paths, 1, 0, err);
}

const char *nids_input_name(const nids_input *in) { return in->name; }
int nids_input_is_zstd(const nids_input *in) { return in->kind == ZSTD; }
int nids_input_is_gzip(const nids_input *in) { return in->kind == GZIP; }
int nids_input_files(const nids_input *in) { return in->npaths; }
int nids_input_file_index(const nids_input *in) { return in->cur; }
uint64_t nids_input_total_bytes(const nids_input *in) { return in->total; }

void nids_input_set_progress(nids_input *in, nids_progress *p)
{
	in->progress = p;
	nids_progress_set_total(p, in->total);
	/* the first file's first bytes were read at open */
	nids_progress_add_bytes(p, in->raw_len);
}

/* Decodes raw bytes of a gzip member into dec; returns bytes added or an error. */
static long gunzip_some(nids_input *in, nids_err *err)
{
	z_stream *z = &in->zs;
	z->next_in = in->raw + in->raw_pos;
	z->avail_in = (uInt)(in->raw_len - in->raw_pos);
	z->next_out = in->dec + in->dec_len;
	z->avail_out = (uInt)(DEC_CAP - in->dec_len);
	int r = inflate(z, Z_NO_FLUSH);
	if (r == Z_STREAM_END) {
		in->frame_open = 0; /* a member ended; another may follow */
		inflateReset(z);
	} else if (r == Z_OK || r == Z_BUF_ERROR) {
		in->frame_open = 1;
	} else {
		return nids_err_set(err, NIDS_EFORMAT, in->name, "corrupt gzip input: %s",
		                    z->msg ? z->msg : "bad data");
	}
	size_t added = (size_t)(z->next_out - (in->dec + in->dec_len));
	in->raw_pos = (size_t)(z->next_in - in->raw);
	in->dec_len += added;
	return (long)added;
}

static long unzstd_some(nids_input *in, nids_err *err)
{
	ZSTD_inBuffer ib = { in->raw, in->raw_len, in->raw_pos };
	ZSTD_outBuffer ob = { in->dec, DEC_CAP, in->dec_len };
	size_t r = ZSTD_decompressStream(in->ds, &ob, &ib);
	if (ZSTD_isError(r))
		return nids_err_set(err, NIDS_EFORMAT, in->name, "corrupt zstd input: %s",
		                    ZSTD_getErrorName(r));
	in->frame_open = r != 0;
	in->raw_pos = ib.pos;
	size_t added = ob.pos - in->dec_len;
	in->dec_len = ob.pos;
	return (long)added;
}

/* Appends decoded bytes of the current file after dec_len; returns bytes added (0 at
 * the file's end) or an error. */
static long decode_more(nids_input *in, nids_err *err)
{
	if (in->dec_pos > 0) {
		memmove(in->dec, in->dec + in->dec_pos, in->dec_len - in->dec_pos);
		in->dec_len -= in->dec_pos;
		in->dec_pos = 0;
	}
	if (in->dec_len == DEC_CAP)
		return 0;
	for (;;) {
		int rc = fill_raw(in, err);
		if (rc)
			return rc;
		if (in->raw_pos == in->raw_len) {
			if (in->frame_open)
				return nids_err_set(err, NIDS_ETRUNCATED, in->name, "truncated %s input",
				                    in->kind == ZSTD ? "zstd" : "gzip");
			return 0;
		}
		if (in->kind == RAW) {
			size_t n = in->raw_len - in->raw_pos;
			if (n > DEC_CAP - in->dec_len)
				n = DEC_CAP - in->dec_len;
			memcpy(in->dec + in->dec_len, in->raw + in->raw_pos, n);
			in->raw_pos += n;
			in->dec_len += n;
			return (long)n;
		}
		long added = in->kind == ZSTD ? unzstd_some(in, err) : gunzip_some(in, err);
		if (added)
			return added;
	}
}

/* Moves on to the next file when the current one is used up and there is one (and the
 * input is not segmented). Returns 1 when it did, 0 when not, or an error. */
static int advance(nids_input *in, nids_err *err)
{
	if (in->segmented || in->cur + 1 >= in->npaths)
		return 0;
	int rc = open_file(in, in->cur + 1, err);
	return rc ? rc : 1;
}

int nids_input_next_file(nids_input *in, nids_err *err)
{
	if (in->cur + 1 >= in->npaths)
		return 0;
	in->dec_pos = in->dec_len = 0;
	int rc = open_file(in, in->cur + 1, err);
	return rc ? rc : 1;
}

/* Reads from the current file; at its end moves on to the next one if may_advance. */
static long read_some(nids_input *in, void *buf, size_t n, int may_advance, nids_err *err)
{
	while (in->dec_pos == in->dec_len) {
		in->dec_pos = in->dec_len = 0;
		/* large raw reads skip the staging buffer */
		if (in->kind == RAW && n >= DEC_CAP && in->raw_pos == in->raw_len && !in->raw_eof) {
			size_t got = fread(buf, 1, n, in->f);
			if (got == 0 && ferror(in->f))
				return nids_err_set(err, NIDS_EIO, in->name, "read error: %s",
				                    strerror(errno));
			nids_progress_add_bytes(in->progress, got);
			if (got)
				return (long)got;
			in->raw_eof = 1;
		}
		long r = decode_more(in, err);
		if (r < 0)
			return r;
		if (r > 0)
			break;
		int a = may_advance ? advance(in, err) : 0;
		if (a <= 0)
			return a;
	}
	size_t avail = in->dec_len - in->dec_pos;
	if (n > avail)
		n = avail;
	memcpy(buf, in->dec + in->dec_pos, n);
	in->dec_pos += n;
	return (long)n;
}

long nids_input_read(nids_input *in, void *buf, size_t n, nids_err *err)
{
	return read_some(in, buf, n, 1, err);
}

/* A read that has begun in one file never continues into the next: a file that ends
 * in the middle of something is reported as short, under its own name. */
long nids_input_read_full(nids_input *in, void *buf, size_t n, nids_err *err)
{
	size_t got = 0;
	while (got < n) {
		long r = read_some(in, (char *)buf + got, n - got, got == 0, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long)got;
}

long nids_input_peek(nids_input *in, const unsigned char **p, size_t n, nids_err *err)
{
	if (n > NIDS_INPUT_PEEK_MAX)
		n = NIDS_INPUT_PEEK_MAX;
	while (in->dec_len - in->dec_pos < n) {
		long r = decode_more(in, err);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		/* at a file's end, look into the next only when nothing is pending */
		int a = in->dec_pos == in->dec_len ? advance(in, err) : 0;
		if (a < 0)
			return a;
		if (a == 0)
			break;
		in->dec_pos = in->dec_len = 0;
	}
	*p = in->dec + in->dec_pos;
	size_t avail = in->dec_len - in->dec_pos;
	return (long)(avail < n ? avail : n);
}

void nids_input_free(nids_input *in)
{
	if (!in)
		return;
	if (in->f && in->f != stdin)
		fclose(in->f);
	ZSTD_freeDStream(in->ds);
	if (in->zs_init)
		inflateEnd(&in->zs);
	for (int k = 0; k < in->npaths; k++)
		free(in->paths[k]);
	free(in->paths);
	free(in->name);
	free(in->raw);
	free(in->dec);
	free(in);
}

/* Temporaries to unlink if a signal ends the program: a small fixed table, since a
 * signal handler may not allocate. */
#define MAX_PENDING 16
static char pending[MAX_PENDING][4096];
static volatile sig_atomic_t pending_used[MAX_PENDING];

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (pending_used[i])
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

struct nids_output {
	FILE *f;
	char *path; /* target, NULL for stdout */
	char *link; /* the file a symbolic link path points to, which is replaced instead */
	int slot;   /* index in pending[] */
};

int nids_output_open(nids_output **outp, const char *path, int binary, nids_err *err)
{
	*outp = NULL;
	/* every output option lands here: "" names no file, and would fail only at the
	   rename, after the whole run */
	if (path && !*path)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "empty output file name");
	int is_stdout = !path || strcmp(path, "-") == 0;
	if (binary && is_stdout && isatty(STDOUT_FILENO))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "refusing to write binary to a terminal; pipe into nids-cat");
	nids_output *out = calloc(1, sizeof *out);
	if (!out)
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	out->slot = -1;
	if (is_stdout) {
		out->f = stdout;
		widen_pipe(stdout);
		*outp = out;
		return 0;
	}
	/* a device or FIFO (-o /dev/null, a named pipe) is written in place: renaming a
	 * temporary over it would replace the device with a file */
	struct stat st;
	int exists = stat(path, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		out->path = strdup(path);
		out->f = out->path ? fopen(path, "wb") : NULL;
		if (!out->f) {
			int rc = nids_err_set(err, NIDS_EIO, path, "cannot open: %s", strerror(errno));
			free(out->path);
			free(out);
			return rc;
		}
		*outp = out;
		return 0;
	}
	int slot = 0;
	while (slot < MAX_PENDING && pending_used[slot])
		slot++;
	/* a symbolic link to a file stays a link: the file it points to is replaced */
	struct stat lst;
	if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		out->link = realpath(path, NULL);
	const char *dest = out->link ? out->link : path;
	size_t len = strlen(dest);
	if (slot == MAX_PENDING || len + 16 > sizeof pending[0]) {
		free(out->link);
		free(out);
		return nids_err_set(err, NIDS_EUSAGE, path, "too many outputs or path too long");
	}
	out->path = strdup(path);
	/* mkstemp's template: the path, ".tmp", and six X it replaces */
	int n = snprintf(pending[slot], sizeof pending[slot], "%s.tmp", dest);
	memset(pending[slot] + n, 'X', 6);
	pending[slot][n + 6] = 0;
	int fd = mkstemp(pending[slot]);
	if (fd < 0 || !out->path) {
		int rc = nids_err_set(err, NIDS_EIO, path, "cannot create: %s", strerror(errno));
		free(out->path);
		free(out->link);
		free(out);
		return rc;
	}
	/* mkstemp makes 0600: a file replaced keeps its mode, a new one gets the usual
	   umask-derived one */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask);
	pending_used[slot] = 1;
	out->slot = slot;
	static int handlers;
	if (!handlers) {
		/* SIGPIPE too: a side file is pending when standard output's reader goes away
		   (| head); a signal the caller ignores (nohup's SIGHUP) stays ignored */
		static const int SIGNALS[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
		handlers = 1;
		for (size_t i = 0; i < sizeof SIGNALS / sizeof *SIGNALS; i++) {
			struct sigaction old;
			if (sigaction(SIGNALS[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
				signal(SIGNALS[i], on_signal);
		}
	}
	out->f = fdopen(fd, "wb");
	if (!out->f) {
		close(fd);
		nids_output_abort(out);
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	}
	*outp = out;
	return 0;
}

FILE *nids_output_file(nids_output *out) { return out->f; }
const char *nids_output_name(const nids_output *out) { return out->path ? out->path : "-"; }

int nids_flush_check(FILE *f, const char *where, nids_err *err)
{
	errno = 0;
	if (fflush(f) == 0 && !ferror(f))
		return 0;
	return nids_err_set(err, NIDS_EIO, where, "write error: %s",
	                    errno ? strerror(errno) : "short write");
}

int nids_stdout_close(nids_err *err)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int e = errno;
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad)
		return nids_err_set(err, NIDS_EIO, NULL, "write error: %s", strerror(e));
	return 0;
}

/* A commit's first half: out's data written through (standard output flushed; a file
 * flushed and closed), its write error named. */
static int output_flush(nids_output *out, nids_err *err)
{
	if (!out->path)
		return fflush(stdout) != 0 || ferror(stdout)
		               ? nids_err_set(err, NIDS_EIO, NULL, "write error: %s", strerror(errno))
		               : 0;
	if (!out->f)
		return 0;
	int bad = fflush(out->f) != 0 || ferror(out->f);
	int e = errno;
	if (fclose(out->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	out->f = NULL;
	return bad ? nids_err_set(err, NIDS_EIO, out->path, "write error: %s", strerror(e)) : 0;
}

/* The second half, after output_flush: the temporary file renamed into place; out freed. */
static int output_publish(nids_output *out, nids_err *err)
{
	int rc = 0;
	if (out->slot >= 0 && rename(pending[out->slot], out->link ? out->link : out->path) != 0)
		rc = nids_err_set(err, NIDS_EIO, out->path, "cannot rename: %s", strerror(errno));
	else if (out->slot >= 0) /* (standard output and devices have none) */
		pending_used[out->slot] = 0;
	nids_output_abort(out);
	return rc;
}

int nids_output_commit(nids_output *out, nids_err *err)
{
	int rc = output_flush(out, err);
	if (rc) {
		nids_output_abort(out);
		return rc;
	}
	return output_publish(out, err);
}

void nids_output_abort(nids_output *out)
{
	if (!out)
		return;
	if (out->f && out->f != stdout)
		fclose(out->f);
	if (out->slot >= 0 && pending_used[out->slot]) {
		unlink(pending[out->slot]);
		pending_used[out->slot] = 0;
	}
	free(out->path);
	free(out->link);
	free(out);
}

int nids_outputs_open(nids_output **outs, const char *const *paths, int n, FILE **files,
                      nids_err *err)
{
	int rc = 0;
	for (int i = 0; i < n; i++) {
		outs[i] = NULL;
		files[i] = NULL;
	}
	for (int i = 0; i < n && !rc; i++)
		if (paths[i] && !(rc = nids_output_open(&outs[i], paths[i], 0, err)))
			files[i] = nids_output_file(outs[i]);
	return rc;
}

int nids_outputs_commit(nids_output **outs, int n, nids_err *err)
{
	/* every output written through before any is renamed into place, so that one that
	   cannot be written (a full disk, /dev/full) leaves none of the others behind */
	for (int i = 0; i < n; i++)
		if (outs[i] && output_flush(outs[i], err))
			return err->code;
	int rc = 0;
	for (int i = 0; i < n; i++)
		if (outs[i]) {
			int r = output_publish(outs[i], err);
			rc = rc ? rc : r;
			outs[i] = NULL;
		}
	return rc;
}

void nids_outputs_abort(nids_output **outs, int n)
{
	for (int i = 0; i < n; i++) {
		nids_output_abort(outs[i]);
		outs[i] = NULL;
	}
}
