/* io.h: inputs that sniff zstd and gzip and read over several files, outputs that
 * appear atomically.
 *
 * An input is a file path or "-" for stdin, or several of them read one after another
 * as one input. Each file's first bytes are sniffed: a zstd frame (magic 28 B5 2F FD)
 * or a gzip member (magic 1F 8B) is decompressed on the fly, frame after frame or
 * member after member, so `nids-featurize < KDDTest+.txt.zst`, `zstd -c s.rec |
 * nids-cat` and `nids-cat a.rec b.rec.gz` all work. Corrupt or truncated compressed
 * data is an error naming the file. Nothing here seeks: pipes are first-class.
 *
 * An output is stdout ("-" or NULL) or a path. A path is written to a mkstemp name
 * in the same directory and renamed over the target only on commit, so a failed run
 * never leaves a partial file; SIGINT/SIGTERM/SIGHUP unlink pending temporaries.
 * Public API of libnids. */
#ifndef NIDS_IO_H
#define NIDS_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/progress.h"

typedef struct nids_input nids_input;

/* Opens path ("-" = stdin). Returns 0, or NIDS_EIO with err filled.
 * *in is owned by the caller: release with nids_input_free. */
int nids_input_open(nids_input **in, const char *path, nids_err *err);

/* Flags of nids_input_open_files. */
#define NIDS_INPUT_SEGMENTED 1 /* stop at each file's end (see nids_input_next_file) */

/* Opens n paths as one input that reads them one after another; n == 0 means stdin
 * alone, and "-" (stdin) may appear once. Every path is checked before anything is
 * read, so a missing file fails here (NIDS_EIO, named). Each file is sniffed for zstd
 * and gzip on its own, so compressed and plain files mix.
 * Without flags the files read as one: a read that starts at a file's end goes on in
 * the next file, but nids_input_read_full never joins the end of one file to the
 * start of the next (a file that ends in the middle of a record is reported short,
 * under its own name). With NIDS_INPUT_SEGMENTED, reads return 0 at the end of each
 * file until nids_input_next_file moves on (for readers that treat each file apart,
 * such as CSV inputs with a header line each).
 * Returns 0, or a negative NIDS_E* code with err filled (NIDS_EUSAGE for stdin given
 * twice). *in is owned by the caller: release with nids_input_free. paths is copied. */
int nids_input_open_files(nids_input **in, const char *const *paths, int n, int flags,
                          nids_err *err);

/* Moves a segmented input on to its next file, dropping what is unread of the current
 * one. Returns 1 when it did, 0 when the current file is the last, or a negative code
 * (the next file cannot be opened or read). Also works on an unsegmented input. */
int nids_input_next_file(nids_input *in, nids_err *err);

/* The number of files, and the index (from 0) of the one being read. */
int nids_input_files(const nids_input *in);
int nids_input_file_index(const nids_input *in);

/* The files' summed size in bytes as stored (compressed), or 0 when one of them is
 * not a regular file (a pipe, a terminal). */
uint64_t nids_input_total_bytes(const nids_input *in);

/* The name used in messages: the path of the file being read, as given; "-" for
 * stdin. Lent until nids_input_free; the pointer stays the same and its text changes
 * when the input moves on to its next file, so a name taken once keeps naming the
 * file being read. */
const char *nids_input_name(const nids_input *in);

/* Non-zero when the file being read is zstd- (gzip-) compressed. */
int nids_input_is_zstd(const nids_input *in);
int nids_input_is_gzip(const nids_input *in);

/* Attaches a progress line (NULL detaches): every byte read from the files from now
 * on is counted, and the total size is set from nids_input_total_bytes. Call it right
 * after opening. p is lent and must outlive the input's reads. */
void nids_input_set_progress(nids_input *in, nids_progress *p);

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

/* Closes the open file (not stdin) and frees. Accepts NULL. */
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

/* Several outputs at once (a run's side files): opens each paths[i] that is not NULL
 * (binary 0: a text output) into outs[i], its stream into files[i] (NULL for a NULL
 * path). Returns 0 or the first error; what was opened stays in outs. */
int nids_outputs_open(nids_output **outs, const char *const *paths, int n, FILE **files,
                      nids_err *err);

/* Commits every outs[i] that is not NULL, setting it to NULL: first each is written
 * through (flushed, closed), then each temporary is renamed into place, so that one
 * that cannot be written (a full disk, /dev/full) leaves none renamed, the files of an
 * earlier run as they were; the outs are then left for nids_outputs_abort. Returns 0 or
 * the first error. */
int nids_outputs_commit(nids_output **outs, int n, nids_err *err);

/* Aborts every outs[i] that is not NULL. */
void nids_outputs_abort(nids_output **outs, int n);

/* Flushes f: 0 when no write to it has failed, else NIDS_EIO "write error: REASON" at
 * where (NULL for standard output), the reason from the flush (the write that failed
 * is retried there, so errno is its, not a later call's). */
int nids_flush_check(FILE *f, const char *where, nids_err *err);

/* For stdout written through plain stdio: flush and close it, reporting a write error
 * ("write error: No space left on device") as NIDS_EIO. */
int nids_stdout_close(nids_err *err);

#endif
