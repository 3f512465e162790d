/* io.h: inputs that sniff zstd, outputs that appear atomically.
 *
 * An input is a file path or "-" for stdin. Its first bytes are sniffed: a zstd frame
 * (magic 28 B5 2F FD) is decompressed on the fly, frame after frame, so
 * `nids-featurize < KDDTest+.txt.zst` and `zstd -c s.rec | nids-cat` both work.
 * Nothing here seeks: pipes are first-class.
 *
 * An output is stdout ("-" or NULL) or a path. A path is written to a mkstemp name
 * in the same directory and renamed over the target only on commit, so a failed run
 * never leaves a partial file; SIGINT/SIGTERM/SIGHUP unlink pending temporaries. */
#ifndef NIDS_IO_H
#define NIDS_IO_H

#include <stddef.h>
#include <stdio.h>

#include "nids/err.h"

typedef struct nids_input nids_input;

/* Opens path ("-" = stdin). Returns 0, or NIDS_EIO with err filled.
 * *in is owned by the caller: release with nids_input_free. */
int nids_input_open(nids_input **in, const char *path, nids_err *err);

/* The name used in messages: the path as given, "-" for stdin. Lent. */
const char *nids_input_name(const nids_input *in);

/* Non-zero when the input was zstd-compressed. */
int nids_input_is_zstd(const nids_input *in);

/* Reads up to n decoded bytes into buf. Returns the count (0 only at the end of the
 * input), or a negative NIDS_E* code (I/O error, corrupt or truncated zstd data). */
long nids_input_read(nids_input *in, void *buf, size_t n, nids_err *err);

/* Reads exactly n bytes unless the input ends first. Returns the count read (< n only
 * at the end of the input), or a negative NIDS_E* code. */
long nids_input_read_full(nids_input *in, void *buf, size_t n, nids_err *err);

/* Makes up to n decoded bytes visible without consuming them. Returns how many are
 * available (< n only near the end), or a negative code; *p is lent until the next
 * read or peek. n is at most NIDS_INPUT_PEEK_MAX. */
#define NIDS_INPUT_PEEK_MAX 65536
long nids_input_peek(nids_input *in, const unsigned char **p, size_t n, nids_err *err);

/* Closes the file (not stdin) and frees. Accepts NULL. */
void nids_input_free(nids_input *in);

typedef struct nids_output nids_output;

/* Opens an output. path NULL or "-" is stdout. With binary non-zero a terminal is
 * refused (NIDS_EUSAGE, "refusing to write binary to a terminal; pipe into nids-cat").
 * Returns 0 or a negative code; *out is owned by the caller until commit or abort. */
int nids_output_open(nids_output **out, const char *path, int binary, nids_err *err);

/* The stdio stream to write to; lent until commit or abort. */
FILE *nids_output_file(nids_output *out);

/* The name used in messages ("-" for stdout). Lent. */
const char *nids_output_name(const nids_output *out);

/* Flushes and closes; for a path, renames the temporary over the target. Reports a
 * write error (a full disk, /dev/full) as NIDS_EIO. Frees out in every case. */
int nids_output_commit(nids_output *out, nids_err *err);

/* Discards: closes, unlinks the temporary. Frees out. Accepts NULL. */
void nids_output_abort(nids_output *out);

/* For stdout written through plain stdio: flush and close it, reporting a write error
 * ("write error: No space left on device") as NIDS_EIO. */
int nids_stdout_close(nids_err *err);

#endif
