/* gmm_impl.h: a full-covariance Gaussian mixture, shared by dagmm and aegmm.
 *
 * Parameters come either from soft memberships (nids_gmm_mstep: DAGMM's estimate from
 * the estimation network's softmax) or from EM with k-means++ initialisation
 * (nids_gmm_em: AE-GMM's second stage). Everything is computed in double: the sums run
 * over hundreds of thousands of rows, and covariances of nearly collinear features lose
 * positive definiteness in float32.
 *
 * Positive definiteness: every covariance gets floor * I added to its diagonal before
 * the Cholesky factorisation (LAPACK dpotrf, which OpenBLAS ships). The log-determinant
 * comes from the factor (2 sum log L_jj) and the inverse from dpotri. A covariance that
 * is still not positive definite (floor 0 with a singular covariance, NaN input) makes
 * nids_gmm_factor fail with NIDS_EFORMAT naming the component; callers never store such
 * a mixture.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_GMM_IMPL_H
#define NIDS_GMM_IMPL_H

#include <stddef.h>

#include "nids/err.h"
#include "nn_impl.h"
#include "rng_impl.h"

typedef struct nids_gmm {
	int k, d;
	double floor;    /* added to every covariance diagonal before factorising */
	double *phi;     /* [k] mixture weights */
	double *mu;      /* [k x d] means */
	double *cov;     /* [k x d x d] covariances as estimated, without the floor */
	double *inv;     /* [k x d x d] (cov + floor I)^-1, after nids_gmm_factor */
	double *logdet;  /* [k] log det (cov + floor I), from the Cholesky factor */
	double *lognorm; /* [k] log phi - (logdet + d log 2 pi) / 2; -inf for phi = 0 */
} nids_gmm;

/* Allocates a mixture of k components in d dimensions. 0 or NIDS_ENOMEM/NIDS_EUSAGE. */
int nids_gmm_init(nids_gmm *g, int k, int d, double floor, nids_err *err);
void nids_gmm_free(nids_gmm *g);

/* Weights, means and covariances from soft memberships gamma [n x k] (rows summing to
 * 1) of the rows z [n x d]: phi_k = sum_i gamma_ik / n, mu_k the gamma-weighted mean,
 * cov_k the gamma-weighted scatter around mu_k divided by sum_i gamma_ik. A component
 * with no weight gets phi 0, mean 0 and covariance 0. Does not factorise. */
void nids_gmm_mstep(nids_gmm *g, const float *z, const double *gamma, size_t n);

/* Factorises every cov_k + floor I, filling inv, logdet and lognorm. Returns 0, or
 * NIDS_EFORMAT: "component k: covariance not positive definite with diagonal floor F". */
int nids_gmm_factor(nids_gmm *g, nids_err *err);

/* Per-row, per-component log(phi_k N(z_i; mu_k, cov_k + floor I)) into logp [n x k].
 * Needs nids_gmm_factor. */
void nids_gmm_logp(const nids_gmm *g, const float *z, size_t n, double *logp);

/* log sum_k exp(logp[k]) over one row of k values (-inf when all are -inf). When resp is
 * not NULL it receives the posteriors exp(logp_k - result). */
double nids_gmm_logsumexp(const double *logp, int k, double *resp);

/* Log-likelihood log p(z_i) of each row into ll [n]; resp [n x k] (may be NULL) gets the
 * posteriors. Allocates a work block of n x k doubles when resp is NULL: returns 0 or
 * NIDS_ENOMEM (err may be NULL). */
int nids_gmm_loglik(const nids_gmm *g, const float *z, size_t n, double *ll, double *resp,
                    nids_err *err);

/* Fits the mixture to z [n x d] by EM: k-means++ seeds (D^2 sampling from rng), each row
 * assigned to its nearest seed as the first membership, then E and M steps until the
 * mean log-likelihood improves by less than tol or after max_iter iterations. Returns
 * the iterations run, or NIDS_EFORMAT (fewer rows than components, Cholesky failure),
 * NIDS_ENOMEM. mean_ll, when not NULL, receives the final mean log-likelihood. */
int nids_gmm_em(nids_gmm *g, const float *z, size_t n, int max_iter, double tol, nids_rng *rng,
                double *mean_ll, nids_err *err);

/* The mixture as a model file holds it: float tensors gmm.phi [1 x k], gmm.mu [k x d]
 * and gmm.cov [k x d*d] in a model's arena; the indexes nids_arena_add gave them. */
typedef struct nids_gmm_tensors {
	int phi, mu, cov;
} nids_gmm_tensors;

/* Adds the three tensors to the arena's layout for a mixture of k components in d. */
int nids_gmm_tensors_define(nids_gmm_tensors *t, nids_arena *a, int k, int d, nids_err *err);
/* Writes g to the tensors as floats, then reads it back factorised, so that the mixture
 * used from now on is the one the file will hold. */
int nids_gmm_tensors_store(const nids_gmm_tensors *t, const nids_arena *a, nids_gmm *g,
                           nids_err *err);
/* g from the tensors, factorised (a loaded model). */
int nids_gmm_tensors_load(const nids_gmm_tensors *t, const nids_arena *a, nids_gmm *g,
                          nids_err *err);

#endif
