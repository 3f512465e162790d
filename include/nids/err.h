/* err.h: library errors as values.
 *
 * Library functions never print and never exit. They return 0 (or a count) on
 * success and a negative NIDS_E* code on failure, after filling the caller's
 * nids_err with where the problem is ("file:line" or "name: row N") and what it is.
 * Only cmd/ prints, through nids_err_print.
 * Public API of libnids. */
#ifndef NIDS_ERR_H
#define NIDS_ERR_H

enum nids_errcode {
	NIDS_OK = 0,
	NIDS_EIO = -1,        /* read or write failed */
	NIDS_EFORMAT = -2,    /* input is not what it claims (bad field, bad magic) */
	NIDS_EVERSION = -3,   /* unknown major version or must-understand flag */
	NIDS_ECHECKSUM = -4,  /* checksum mismatch */
	NIDS_ETRUNCATED = -5, /* input ended early */
	NIDS_EMISMATCH = -6,  /* two headers, or a stream and a params file, disagree */
	NIDS_ENOMEM = -7,     /* allocation failed */
	NIDS_EUSAGE = -8      /* caller asked for something impossible (exit 2) */
};

typedef struct nids_err {
	int code;        /* a NIDS_E* value, 0 when no error is recorded */
	char where[256]; /* "file:line", "file: row N" or "" */
	char msg[512];   /* what is wrong, lowercase, no full stop */
} nids_err;

/* Records an error and returns code, so callers can write
 * `return nids_err_set(err, NIDS_EFORMAT, where, "bad %s", x);`.
 * where may be NULL. err may be NULL (the error is then only returned). */
int nids_err_set(nids_err *err, int code, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Rewrites err's message as before + message + after (a lower layer's message given
 * context), keeping where, with code; returns code. err may be NULL. */
int nids_err_wrap(nids_err *err, int code, const char *before, const char *after);

/* Prints "prog: where: msg" (or "prog: msg" when where is empty) to stderr. */
void nids_err_print(const char *prog, const nids_err *err);

/* The exit code for an error: 2 for NIDS_EUSAGE, 1 for every other error, 0 for none. */
int nids_err_exit_code(const nids_err *err);

/* A short name for a code ("checksum", "truncated"), for tests and messages. */
const char *nids_err_name(int code);

#endif
