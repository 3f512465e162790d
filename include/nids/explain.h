/* explain.h: per-row feature attributions for a model's score (nids-explain).
 *
 * Four methods:
 * - tree: exact path-dependent TreeSHAP (Lundberg et al. 2020; computed as Fast TreeSHAP,
 *   Yang 2021, see lib/explain_tree.c) for tree and
 *   forest. The path-dependent value function weights each branch of a split on a feature
 *   outside the coalition by the share of background rows that went that way (node
 *   covers counted from the background, smoothed as (n_child + 1/2) / (n_parent + 1)
 *   so that no branch has weight zero).
 * - shap: kernel SHAP (Lundberg & Lee 2017) for any model: coalitions of the features
 *   that differ from the background (all of them when the budget allows, else whole
 *   coalition sizes enumerated while they fit and the rest sampled, paired with their
 *   complements), Shapley kernel weights, and the weighted least squares constrained to
 *   sum to f(x) - E f(background) solved through LAPACK (dgelsd).
 * - gradient: d score / d feature; analytic for ae and vae (the model's own), aegmm
 *   (through the mixture and the autoencoder), dagmm (through the energy's code and
 *   reconstruction features), memae (through the memory's attention), sae (through the
 *   softmax and the encoder), logreg and dsebm's energy (x - r(x)), else
 *   central differences through the model's scorer; optionally times the input,
 *   or integrated gradients (Sundararajan et al. 2017) from the background's mean.
 * - error: the per-feature reconstruction error of autoencoders (ae, vae).
 *
 * All functions return 0 or a negative NIDS_E* code with err filled, and never print.
 * Public API of libnids. */
#ifndef NIDS_EXPLAIN_H
#define NIDS_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/model.h"
#include "nids/stream.h"

enum nids_explain_method {
	NIDS_EXPLAIN_TREE = 0,
	NIDS_EXPLAIN_SHAP = 1,
	NIDS_EXPLAIN_GRADIENT = 2,
	NIDS_EXPLAIN_ERROR = 3
};

/* The method called name (tree, shap, gradient, error), or -1. */
int nids_explain_method_parse(const char *name);

/* ---- TreeSHAP ---- */

typedef struct nids_treeshap nids_treeshap;

/* A TreeSHAP explainer for m (tree or forest; its score is the mean over trees of a
 * leaf's P(attack)), with node covers counted from bg [n x d] (n may be 0: every branch
 * then weighs one half). Returns 0, NIDS_EUSAGE for another model type, or NIDS_ENOMEM;
 * *t is owned by the caller (nids_treeshap_free). */
int nids_treeshap_new(nids_treeshap **t, const nids_model *m, const float *bg, size_t n,
                      nids_err *err);

/* The attributions phi [d] of x [d]; returns the expected value (the value of the empty
 * coalition), so that it plus the sum of phi is the model's score of x. */
double nids_treeshap_row(nids_treeshap *t, const float *x, double *phi);

/* The path-dependent value function: the expected score of x when only the features
 * with in[j] != 0 are known (for checks against brute-force Shapley values). */
double nids_treeshap_value(const nids_treeshap *t, const float *x, const unsigned char *in);

void nids_treeshap_free(nids_treeshap *t);

/* ---- kernel SHAP ---- */

/* A model as kernel SHAP sees it: out [B] = f(x [B x d]). */
typedef void (*nids_explain_fn)(void *ctx, const float *x, int B, double *out);

typedef struct nids_kshap nids_kshap;

/* A kernel SHAP explainer of f over d features against the background bg [nbg x d] with
 * weights bgw [nbg] (NULL: equal), with at most nsamples coalitions per row, seeded
 * with seed, calling f on at most cap rows at once. Evaluates f on the background once.
 * Returns 0, NIDS_EUSAGE (nbg < 1, nsamples < 2) or NIDS_ENOMEM. */
int nids_kshap_new(nids_kshap **k, int d, const float *bg, const double *bgw, int nbg,
                   int nsamples, uint64_t seed, nids_explain_fn f, void *ctx, int cap,
                   nids_err *err);

/* E f(background), the base value of every row. */
double nids_kshap_base(const nids_kshap *k);

/* The attributions phi [d] of x [d]: their sum is f(x) - E f(background), which *fx
 * receives f(x) for (may be NULL). Features equal to x in every background row get 0.
 * The coalition sample is seeded by x's values (with the explainer's seed): a row's
 * attributions depend on it alone, not on its position. Returns 0, NIDS_EFORMAT when the
 * least squares fail, or NIDS_ENOMEM. */
int nids_kshap_row(nids_kshap *k, const float *x, double *phi, double *fx, nids_err *err);

/* Coalitions evaluated for the last row. */
int nids_kshap_coalitions(const nids_kshap *k);

void nids_kshap_free(nids_kshap *k);

/* Summarises x [n x d] by k rows c [k x d] with weights w [k] (summing to 1): the
 * centroids of k-means, each coordinate then moved to the nearest value that feature
 * takes in x (so one-hot columns stay 0 or 1), weighted by their clusters' sizes.
 * Returns 0, NIDS_EUSAGE (n < k) or NIDS_ENOMEM. */
int nids_explain_kmeans(const float *x, size_t n, int d, int k, uint64_t seed, float *c,
                        double *w, nids_err *err);

/* ---- fingerprints and waterfalls ---- */

typedef struct nids_fingerprint nids_fingerprint;

/* Per group (class) sums of d attributions of the features named features (lent: they
 * must outlive the fingerprint). Returns 0 or NIDS_ENOMEM. */
int nids_fingerprint_new(nids_fingerprint **fp, int d, char *const *features, nids_err *err);

/* Adds a row's attributions attr [d] to group (>= 0). Returns 0 or NIDS_ENOMEM. */
int nids_fingerprint_add(nids_fingerprint *fp, int group, const double *attr, nids_err *err);

/* Writes, for every group with rows (named groups[g]) and feature, the rows, the mean
 * and the mean absolute attribution: TSV with a header line, or JSON lines. Returns 0 or
 * NIDS_EIO. */
int nids_fingerprint_write(const nids_fingerprint *fp, char *const *groups, FILE *f, int json,
                           nids_err *err);

/* Writes an SVG heatmap: groups x the top features by mean absolute attribution, each
 * cell coloured by the mean attribution (red raises the score, blue lowers it). */
int nids_fingerprint_svg(const nids_fingerprint *fp, char *const *groups, FILE *f, int top,
                         const char *title, nids_err *err);

void nids_fingerprint_free(nids_fingerprint *fp);

/* Writes an SVG waterfall of one row: from base, the top attributions attr [d] (feature
 * names and the row's values [d]) and the rest summed, to base + their sum. */
int nids_waterfall_svg(FILE *f, const char *title, char *const *features, const float *values,
                       const double *attr, int d, double base, int top, nids_err *err);

/* ---- a stream ---- */

typedef struct nids_explain_opts {
	int method;          /* enum nids_explain_method; -1: tree for tree and forest, else shap */
	int top;             /* > 0: text lines with the top attributions instead of a stream */
	int json;            /* with top: JSON lines */
	int alarms_only;     /* explain only rows over the threshold */
	int has_threshold;   /* 1: threshold below replaces the model's stored one */
	double threshold;
	int nsamples;        /* kernel SHAP coalitions per row */
	int bg_rows;         /* kernel SHAP background rows (k-means centroids or a sample) */
	int bg_sample;       /* 1: a random sample of the background instead of k-means */
	size_t bg_max;       /* background rows read at most (a uniform sample beyond) */
	uint64_t seed;
	int times_input;     /* gradient: multiply by the input */
	int ig_steps;        /* gradient: > 0 for integrated gradients with this many steps */
	int logit;           /* explain log(s / (1 - s)) of the score (a probability) */
	int gmm_stage;       /* aegmm, shap: the mixture's score of the error vector */
	int threads;
	int level;           /* zstd level of the output stream's blocks */
	const char *model_name; /* the model's file, for messages about the model */
	/* per-class fingerprints of the explained rows (classes from the class column, else
	 * benign/attack from the label, else one group "all"): table to fp_table (JSON lines
	 * with fp_json), heatmap of the fp_top features to fp_svg; either may be NULL */
	FILE *fp_table, *fp_svg;
	int fp_json, fp_top;
	/* waterfall SVGs: of the rows at stream positions wf_rows [nwf] (0-based), to
	 * wf_out [nwf] */
	int nwf;
	const uint64_t *wf_rows;
	FILE *const *wf_out;
} nids_explain_opts;

typedef struct nids_explain_stats {
	uint64_t rows, explained;
	double explain_secs; /* time spent attributing */
} nids_explain_stats;

/* Explains every row of r (or, with o->alarms_only, only its alarms: the other rows are
 * not written) with m and writes to out either the stream with attr_<feature> columns
 * appended and attr_base (the base value for tree and shap, NaN for the others), or
 * with o->top the text lines; and the fingerprints and waterfalls asked for. bg, when
 * not NULL, is the background stream (its benign rows when it has labels), with the
 * model's preprocessing applied as to r. Returns 0 or a negative code. */
int nids_explain_stream(nids_reader *r, nids_reader *bg, const nids_model *m,
                        const nids_explain_opts *o, FILE *out, const char *out_name,
                        nids_explain_stats *st, nids_err *err);

/* What nids-explain reads and writes: the model file, the input (NULL or "-": stdin),
 * the background stream (or NULL), the output (NULL or "-": stdout) and the side files:
 * the fingerprint table, the heatmap, then the waterfalls (each may be NULL). */
typedef struct nids_explain_files {
	const char *model, *input, *background, *output;
	const char *const *side;
	int nside;
} nids_explain_files;

/* Checks nids-explain's options before anything is read: the files f (ninputs input
 * files named), the method named method (or NULL: o->method stays -1) and --stage's
 * value stage (NULL or "gmm"); sets o->method, o->gmm_stage and o->fp_json (a
 * fingerprint file named *.json). Returns 0 or NIDS_EUSAGE saying what is wrong. */
int nids_explain_check(nids_explain_opts *o, const nids_explain_files *f, const char *method,
                       const char *stage, int ninputs, nids_err *err);

/* --waterfall ROW:FILE, added to o (rows and paths have room for NIDS_EXPLAIN_MAX_WF;
 * o->wf_rows is set to rows). arg is cut at the colon. Returns 0 or NIDS_EUSAGE. */
#define NIDS_EXPLAIN_MAX_WF 16
int nids_explain_add_waterfall(nids_explain_opts *o, uint64_t *rows, const char **paths,
                               char *arg, nids_err *err);

/* Reads the model, opens the files and explains the input (nids_explain_stream); every
 * output appears, atomically, only when all went well. Returns 0 or a negative code,
 * err naming the file. */
int nids_explain_run(const nids_explain_files *f, const nids_explain_opts *o,
                     nids_explain_stats *st, nids_err *err);

#endif
