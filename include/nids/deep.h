/* deep.h: the layers and losses of the deep anomaly detectors (dagmm, memae, dsebm),
 * in the conventions of nn.h: float32 row-major buffers, B rows, backward functions
 * accumulate (+=) into the gradients they are given, losses return scale times their
 * summed per-row value. Each is checked against finite differences in
 * tests/unit/test_deep_grad.c. */
#ifndef NIDS_DEEP_H
#define NIDS_DEEP_H

#include "nids/gmm.h"
#include "nids/model.h"
#include "nids/nn.h"

/* ---- DAGMM: reconstruction features and the GMM energy of a batch ---- */

/* f [B x 2] = (relative Euclidean distance ||x - y|| / ||x||, cosine similarity of x and
 * y) for rows x and their reconstructions y [B x D]. ||x|| is clamped below at 1e-12 and
 * the cosine's norms at 1e-8 (as PyTorch's), so zero rows give finite values. */
void nids_recon_feats_forward(float *f, const float *x, const float *y, int B, int D);
/* dy [B x D] += df [B x 2] through the features (x is data: no gradient) */
void nids_recon_feats_backward(float *dy, const float *df, const float *x, const float *y,
                               int B, int D);

/* The batch GMM energy loss of DAGMM. From memberships gamma [B x K] of the rows z
 * [B x D], estimates g (phi, mu, cov: nids_gmm_mstep) and factorises it, then returns
 *   escale * sum_i E(z_i) + pscale * sum_k sum_j 1 / (cov_kjj + floor)
 * with E(z) = -log sum_k phi_k N(z; mu_k, cov_k + floor I), and, when dz and dgamma are
 * not NULL, accumulates its gradient with respect to z and gamma (through the batch
 * estimates of phi, mu and cov). energy [B] (may be NULL) receives E per row. Returns
 * NAN when a covariance cannot be factorised (callers treat it as a failed step). g is
 * an allocated mixture of K components in D dimensions (its floor is used). */
double nids_gmm_energy_loss(nids_gmm *g, float *dz, float *dgamma, const float *z,
                            const float *gamma, int B, float escale, float pscale,
                            double *energy);

/* Row-wise softmax backward: dlogit [B x K] += p * (dp - sum_k p dp). */
void nids_softmax_backward(float *dlogit, const float *dp, const float *p, int B, int K);

/* ---- MemAE: memory addressing with hard shrinkage ---- */

typedef struct nids_memory_acts {
	int cap, N, C;
	const float *z; /* the last forward's input, lent */
	float *zn;      /* [cap x C] z / ||z|| */
	float *nz;      /* [cap] ||z|| (smoothed: sqrt(|z|^2 + 1e-12)) */
	float *mn;      /* [N x C] memory rows / their norms */
	float *nm;      /* [N] */
	float *s;       /* [cap x N] cosine similarities */
	float *w;       /* [cap x N] softmax attention */
	float *h;       /* [cap x N] after hard shrinkage */
	float *hsum;    /* [cap] L1 norm of h, clamped at 1e-12 */
	float *what;    /* [cap x N] renormalised attention */
	float *g0, *g1; /* [cap x N] backward scratch */
	float *gm;      /* [N x C] backward scratch */
} nids_memory_acts;

/* Lists the buffers for cap rows of an N x C memory in sc (nn.h's scratch). */
void nids_memory_acts_plan(nids_memory_acts *s, int cap, int N, int C, nids_scratch *sc);

/* zhat [B x C] = what mem, where what is the attention of each row of z [B x C] over
 * the N memory slots mem [N x C]: w = softmax_j cos(z, m_j), hard shrinkage
 * h = max(w - lambda, 0) w / (|w - lambda| + 1e-12), what = h / max(sum_j h, 1e-12). */
void nids_memory_forward(float *zhat, const float *z, const float *mem, int B, int N, int C,
                         float lambda, nids_memory_acts *s);
/* From dzhat [B x C] and an extra gradient dwhat [B x N] on the attention (NULL: none):
 * dz [B x C] += and dmem [N x C] += (either may be NULL). Uses s from the forward. */
void nids_memory_backward(float *dz, float *dmem, const float *dzhat, const float *dwhat,
                          const float *mem, int B, int N, int C, float lambda,
                          nids_memory_acts *s);

/* Attention entropy, per row sum_j -w_j log(w_j + 1e-12). w, dw [B x N] */
double nids_entropy_loss(float *dw, const float *w, int B, int N, float scale);

/* ---- DSEBM: a deep energy over softplus layers, and its score-matching reconstruction ---- */

/* E(x) = |x - b'|^2 / 2 - sum_j h_j(x), h the output of the MLP m (every layer softplus).
 * The reconstruction r(x) = x - dE/dx = b' + J_h(x)^T 1 comes from a backward pass of
 * ones through m. Training minimises |x - r(x + noise)|^2 (denoising score matching),
 * whose parameter gradient needs the second derivative of E, computed by hand in
 * nids_dsebm_backward. */
typedef struct nids_dsebm_acts {
	nids_mlp_acts f;                /* the forward activations */
	float *delta[NIDS_MLP_MAX];     /* [cap x dim[i+1]] dh_L / da_i summed over h_L (ones) */
	float *u[NIDS_MLP_MAX];         /* [cap x dim[i+1]] the same with respect to h_i */
	float *dbar, *ubar, *abar[NIDS_MLP_MAX], *hbar; /* backward scratch */
} nids_dsebm_acts;

/* Lists the buffers for cap rows of the energy network m in sc (nn.h's scratch). */
void nids_dsebm_acts_plan(nids_dsebm_acts *s, const nids_mlp *m, int cap, nids_scratch *sc);

/* r [B x D] = the reconstruction of x [B x D]; energy [B] (may be NULL) = E(x). bp is
 * b' [D]. */
void nids_dsebm_forward(const nids_mlp *m, const nids_arena *a, float *params, const float *bp,
                        nids_dsebm_acts *s, const float *x, int B, float *r, float *energy);
/* Parameter gradients of a loss from dr [B x D] (its gradient with respect to r):
 * into grads (a's layout) for m's tensors and dbp [D] for b'. */
void nids_dsebm_backward(const nids_mlp *m, const nids_arena *a, float *params, float *grads,
                         float *dbp, nids_dsebm_acts *s, const float *dr, int B);

/* For the whole-model gradient check: defines m's dagmm (type dagmm, m->d set), sets its
 * parameters as fitting would from m->seed, allocates one shard's buffers for cap rows
 * in bufs (the caller frees it, before m) and fills net with its step. The model's state
 * is freed with m. Returns 0 or < 0. */
int nids_dagmm_test_net(nids_model *m, nids_net *net, int cap, nids_scratch *bufs,
                        nids_err *err);

#endif
