/* progress.h: a live progress line on a terminal for long streaming runs.
 *
 * One line on a stdio stream (stderr, which the caller has checked is a terminal or
 * was told to use anyway): rows so far, megabytes read, MB/s, and the percentage and
 * ETA when the input's size is known. It is redrawn at most four times a second, in
 * place with a carriage return, and erased by nids_progress_free, so a finished run
 * leaves nothing behind. The input layer drives it (nids_input_set_progress): a
 * program attaches one and gets progress on every read.
 * Public API of libnids. */
#ifndef NIDS_PROGRESS_H
#define NIDS_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct nids_progress nids_progress;

/* Creates a progress line written to f, each line starting "prog: ". Returns NULL
 * when out of memory (progress is then silently off). The caller owns the result:
 * release with nids_progress_free. f is lent and must outlive it. */
nids_progress *nids_progress_new(FILE *f, const char *prog);

/* Sets the input's total size in bytes, for the percentage and ETA; 0 = unknown.
 * Accepts NULL p (no-op), as every function here does. */
void nids_progress_set_total(nids_progress *p, uint64_t bytes);

/* Counts n more input bytes read and redraws when the last drawing is 0.25 s old
 * (the first call draws at once). */
void nids_progress_add_bytes(nids_progress *p, uint64_t n);

/* Where the row count comes from: rows(ctx) is called at each redraw. Without it the
 * line shows bytes only. ctx is lent. */
void nids_progress_set_rows(nids_progress *p, uint64_t (*rows)(const void *ctx),
                            const void *ctx);

/* Erases the line (if one was drawn) and frees. Accepts NULL. */
void nids_progress_free(nids_progress *p);

#endif
