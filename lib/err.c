/* err.c: error values and their one printing place. */
#include "nids/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nids_err_set(nids_err *err, int code, const char *where, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	/* an empty file name (an unset shell variable, often) shows as '' rather than
	   vanishing from the message */
	snprintf(err->where, sizeof err->where, "%s", !where ? "" : *where ? where : "''");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int nids_err_wrap(nids_err *err, int code, const char *before, const char *after)
{
	if (!err)
		return code;
	char msg[sizeof err->msg];
	snprintf(msg, sizeof msg, "%s", err->msg);
	err->code = code;
	snprintf(err->msg, sizeof err->msg, "%s%s%s", before, msg, after);
	return code;
}

void nids_err_print(const char *prog, const nids_err *err)
{
	if (err->where[0])
		fprintf(stderr, "%s: %s: %s\n", prog, err->where, err->msg);
	else
		fprintf(stderr, "%s: %s\n", prog, err->msg);
}

int nids_err_exit_code(const nids_err *err)
{
	if (!err || err->code == 0)
		return 0;
	return err->code == NIDS_EUSAGE ? 2 : 1;
}

const char *nids_err_name(int code)
{
	switch (code) {
	case NIDS_OK: return "ok";
	case NIDS_EIO: return "io";
	case NIDS_EFORMAT: return "format";
	case NIDS_EVERSION: return "version";
	case NIDS_ECHECKSUM: return "checksum";
	case NIDS_ETRUNCATED: return "truncated";
	case NIDS_EMISMATCH: return "mismatch";
	case NIDS_ENOMEM: return "nomem";
	case NIDS_EUSAGE: return "usage";
	}
	return "unknown";
}
