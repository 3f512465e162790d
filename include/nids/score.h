/* score.h: a stream scored by a model file that is a complete detector (nids-score).
 *
 * The model carries the records of the stream it was trained on (man/nids-model.5):
 * when those say its rows were normalized and the input is a raw featurized stream,
 * the same normalization is applied to the features before scoring (the output keeps
 * the input's rows as they came); an input normalized with the same parameters is
 * scored as it is; anything else is refused with a message saying what differs. A
 * stored threshold turns scores into alarms. A row's score depends on the row and the
 * model alone (the scorer's fixed blocks), never on how the input was blocked.
 * Public API of libnids. */
#ifndef NIDS_SCORE_H
#define NIDS_SCORE_H

#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/model.h"
#include "nids/stream.h"

/* The scorer: a row's outputs are byte-identical whatever the batch sizes, the stream
 * position, the thread count or the order of the rows. */
typedef struct nids_scorer nids_scorer;

/* A scorer over threads threads for batches of up to cap rows (its memory does not
 * depend on cap: the model sees fixed blocks). Returns 0 or <0. */
int nids_scorer_new(nids_scorer **s, const nids_model *m, unsigned outputs, int threads,
                    int cap, nids_err *err);
/* Scores x [B x d] (B <= cap) into out [B x nids_model_outputs()]. row0, the stream
 * index of x's first row, is passed on to the type but changes no score. */
void nids_scorer_run(nids_scorer *s, const float *x, int B, uint64_t row0, float *out);
void nids_scorer_free(nids_scorer *s);

/* Rows gathered and scored at once: two of the scorer's fixed blocks
 * (NIDS_SCORE_ROWS), one per thread with -j 2. */
#define NIDS_SCORE_CHUNK (2 * NIDS_SCORE_ROWS)

typedef struct nids_score_opts {
	unsigned outputs; /* NIDS_OUT_* columns besides the score */
	int threads;      /* -j */
	int alarms;       /* keep only rows over the model's stored threshold */
	int level;        /* zstd level of the output's blocks */
	int predict;      /* add 'pred' (role class): the most probable of the model's classes
	                   * (the first on ties); needs NIDS_OUT_CLASSES in outputs */
	const char *model_name; /* the model's file, for messages about the model */
} nids_score_opts;

typedef struct nids_score_stats {
	uint64_t rows, alarms; /* rows read; rows over the threshold (with alarms) */
	double model_secs;     /* time inside the model */
	int normalized;        /* 1 when the stored normalization was applied here */
} nids_score_stats;

/* Decides how the model scores a stream with header h: *apply receives the
 * normalization to apply to its features (free with nids_norm_free), or NULL when the
 * rows are scored as they are. Returns 0, or NIDS_EMISMATCH saying what differs. */
struct nids_norm;
int nids_score_plan(const nids_model *m, const nids_header *h, struct nids_norm **apply,
                    int *clamp, nids_err *err);

/* Scores every row of r with m and writes the stream (the input's columns and metadata,
 * then the score columns) to out. Returns 0 or a negative code. */
int nids_score_stream(nids_reader *r, const nids_model *m, const nids_score_opts *o, FILE *out,
                      const char *out_name, nids_score_stats *st, nids_err *err);

#endif
