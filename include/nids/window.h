/* window.h: per-source tumbling-window aggregation of a flow stream (man/nids-window.1).
 *
 * The feature set of GEE (Nguyen et al. 2019): flows are grouped by window start
 * (t - t mod W on the flow's time) and by source address (or destination address), and
 * each group of at least min_flows flows becomes one row of 69 features:
 *   0..4    mean of duration, packets, bytes, packet rate, byte rate
 *   5..9    sample standard deviation (n - 1) of the same five
 *   10..14  Shannon entropy in bits of protocol, peer address, source port,
 *           destination port and TCP flags
 *   15..41  proportion of flows on each of 26 common source ports, then "other"
 *   42..68  the same for destination ports
 * Rates are packets / duration and bytes / duration, missing when the duration is 0;
 * means and deviations are over the flows where the value is present, and an
 * aggregate with no value (a mean of none, a deviation of fewer than two) is 0. A NaN
 * measure is missing, and so is a rate of one or of inf / inf (pandas' skipna);
 * infinities are values: a mean with +inf among the values is +inf (NaN with -inf too),
 * a deviation NaN.
 *
 * Streaming: memory holds the windows still open, and grows with the number of sources
 * active in them (and their distinct peers and ports), never with the input's length.
 * A window is emitted once a flow whose time is at least `lateness` past the window's
 * end has been added; a flow whose window was already emitted is late: counted and
 * dropped. Windows come out in order of start time, their rows in order of address
 * bytes.
 * Public API of libnids. */
#ifndef NIDS_WINDOW_H
#define NIDS_WINDOW_H

#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/feat.h"
#include "nids/stream.h"

#define NIDS_WINDOW_NFEAT 69
#define NIDS_WINDOW_NPORTS 26 /* common ports; slot 26 is "other" */
#define NIDS_WINDOW_MIXED (-2) /* a row's class when no class has more than half */

enum nids_window_by { NIDS_WINDOW_BY_SRC = 0, NIDS_WINDOW_BY_DST = 1 };

typedef struct nids_window_opts {
	int64_t window_us;   /* window length in microseconds, > 0 [180 s] */
	int64_t lateness_us; /* allowance for out-of-order flows, >= 0 */
	int by;              /* enum nids_window_by */
	uint64_t min_flows;  /* smaller groups are dropped [10] */
	int keep_mixed;      /* keep groups without a majority class as NIDS_WINDOW_MIXED */
	int level;           /* zstd level of the output stream (nids_window_run) */
} nids_window_opts;

/* One flow, as the aggregator reads it. */
typedef struct nids_window_flow {
	int64_t time;            /* microseconds since the epoch */
	unsigned char key[16];   /* the grouping address (the source for --by src) */
	unsigned char peer[16];  /* the other address */
	unsigned sport, dport;   /* 0..65535 */
	unsigned proto;          /* 0..255 */
	unsigned flags;          /* TCP flags as bits, any encoding (only equality counts) */
	double duration, packets, bytes; /* seconds; NaN when missing */
	int cls;                 /* class (or label) key >= 0; -1 when unlabelled */
	int attack;              /* the flow's label is not 0 */
} nids_window_flow;

/* One aggregated group, lent to the emit callback for the duration of the call. */
typedef struct nids_window_row {
	int64_t start;          /* window start, microseconds */
	unsigned char key[16];  /* the grouping address */
	uint64_t flows;         /* flows in the group */
	int cls;                /* class holding more than half the flows, NIDS_WINDOW_MIXED,
	                           or -1 when the flows are unlabelled */
	int attack;             /* 1 when at least half the flows are attacks */
	double f[NIDS_WINDOW_NFEAT];
} nids_window_row;

typedef struct nids_window_counts {
	uint64_t flows;   /* flows added */
	uint64_t late;    /* flows dropped because their window had been emitted */
	uint64_t rows;    /* groups emitted */
	uint64_t small;   /* groups dropped for having fewer than min_flows flows */
	uint64_t mixed;   /* groups without a majority class (dropped unless keep_mixed) */
	uint64_t windows; /* windows closed */
	uint64_t peak_sources; /* most groups open at once */
	/* the largest step forward of the latest flow time: from, to, and the flow that made
	   it (1-based among the flows added; 0 when none); a wrong time far ahead makes the
	   flows after it late, and the report names that flow */
	int64_t jump_from, jump_to;
	uint64_t jump_flow;
	char jump_where[4200]; /* that flow's input (a path) and record or row (nids_window_run*), or "" */
} nids_window_counts;

/* Called for every emitted group; returns 0 or a negative NIDS_E* code (err filled),
 * which stops the aggregation and is returned by nids_window_add or _finish. */
typedef int (*nids_window_emit_fn)(void *ctx, const nids_window_row *row, nids_err *err);

typedef struct nids_window nids_window;

/* The name of feature i (0..68) for grouping by; NULL out of range. */
const char *nids_window_feature_name(int by, int i);

/* A new aggregator calling emit(ctx, ...) for each group. Returns 0, NIDS_EUSAGE for
 * bad options, or NIDS_ENOMEM; *w owned by the caller (nids_window_free). */
int nids_window_new(nids_window **w, const nids_window_opts *o, nids_window_emit_fn emit,
                    void *ctx, nids_err *err);

/* Adds a flow, first emitting the windows its time closes. Returns 0, 1 when the flow
 * was late (counted, dropped), NIDS_ENOMEM, or the emit callback's error. */
int nids_window_add(nids_window *w, const nids_window_flow *f, nids_err *err);

/* A hint that a flow of key k comes soon: fetches its table slot in the newest open
 * window. No result depends on it (it keeps a few recent keys to look their groups up once).
 * It pays when given NIDS_WINDOW_PREFETCH_AHEAD flows before the flow's add. */
#define NIDS_WINDOW_PREFETCH_AHEAD 16
void nids_window_prefetch(const nids_window *w, const unsigned char k[16]);

/* Emits every window still open. Returns 0 or the emit callback's error. */
int nids_window_finish(nids_window *w, nids_err *err);

/* The counts so far. Lent. */
const nids_window_counts *nids_window_get_counts(const nids_window *w);

/* Frees w. Accepts NULL. */
void nids_window_free(nids_window *w);

/* Reads the flow stream r (named in_name in messages) and writes the windows as a stream
 * to out (out_name): the 69 features, label and class when the input has them (a class
 * "mixed" is added for kept groups without a majority), and as metadata the window start
 * (time), the grouping address (src_addr or dst_addr) and the group's flow count (flows);
 * a feature beyond float32's range is written as the largest float32 of its sign.
 * The input needs the metadata columns time, src_addr, dst_addr, sport, dport and proto,
 * and the columns duration, packets (or packets_to_server + packets_to_client) and bytes
 * (or bytes_to_server + bytes_to_client); flag_* columns, when present, are the flags.
 * Fills *c. Returns 0, NIDS_EFORMAT (a missing column, a flow without a time, with
 * err naming the row), or a stream/IO error. */
int nids_window_run(const nids_window_opts *o, nids_reader *r, const char *in_name, FILE *out,
                    const char *out_name, nids_window_counts *c, nids_err *err);

/* As nids_window_run, on CSV flow records: the inputs are featurized in this process
 * (nids_featurize_rows with fo) and their rows aggregated as they come, without a
 * stream between the two. The output is byte for byte that of nids_featurize's stream
 * through nids_window_run. A flow without a time is named by its input and record.
 * Fills *c and *st (the featurizer's counts). Returns 0 or the featurizer's or the
 * aggregation's error. */
int nids_window_run_csv(const nids_window_opts *o, const nids_feat_opts *fo, nids_input *const *in,
                        int nin, const char *in_name, FILE *out, const char *out_name,
                        nids_window_counts *c, nids_feat_stats *st, nids_err *err);

/* Writes the counts line to f when counts, and the late flows' warning when warnings
 * and there were any: "prog: name: ..."; with it, when the time once stepped forward by
 * more than a window and its lateness, the flow that did it. */
void nids_window_report(FILE *f, const char *prog, const char *name, const nids_window_counts *c,
                        const nids_window_opts *o, int counts, int warnings);

#endif
