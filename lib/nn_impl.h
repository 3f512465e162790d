/* nn_impl.h: the neural layer library, llm.c style.
 *
 * Layers are pairs of free functions over float32 buffers, row-major, with shapes in
 * the comments: B rows in a batch, I inputs, O outputs, D features, K latent units.
 * Forward functions overwrite their outputs. Backward functions ACCUMULATE into the
 * gradients they are given (+=), so a tensor used twice just receives both parts;
 * callers zero gradients once per step. Every matrix product goes through
 * nids_sgemm_rm (nn_gemm.c: a row's product the same bits at any place in its block). Nothing here allocates except the arena and optimizer
 * functions, and nothing prints.
 *
 * Losses return scale * (sum over rows of the per-row loss) and accumulate scale times
 * the gradient. With scale = 1/B a loss is the batch mean; a penalty's weight is its
 * scale. Per-row losses: mse and mae average over the D features (PyTorch's mean);
 * gauss_nll, bce and kl_normal sum over them.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_NN_IMPL_H
#define NIDS_NN_IMPL_H

#include <stddef.h>

#include "nids/err.h"
#include "nids/model.h"
#include "rng_impl.h"

/* ---- parameter arena: named tensors in one float block ---- */

#define NIDS_TENSOR_NAME 48
#define NIDS_ARENA_MAX 64

typedef struct nids_tensor {
	char name[NIDS_TENSOR_NAME];
	int rows, cols;
	size_t off; /* in floats from the arena start; a multiple of 16 (64 bytes) */
} nids_tensor;

typedef struct nids_arena {
	int n;
	nids_tensor t[NIDS_ARENA_MAX];
	size_t size;  /* floats, including alignment padding */
	float *data;  /* NULL until nids_arena_alloc; owned by the arena */
} nids_arena;

/* Appends a tensor [rows x cols] to the layout (before nids_arena_alloc). Returns its
 * index, or NIDS_EUSAGE (duplicate or overlong name, too many tensors, bad shape). */
int nids_arena_add(nids_arena *a, const char *name, int rows, int cols, nids_err *err);

/* Allocates the zeroed, 64-byte-aligned block for the layout. 0 or NIDS_ENOMEM. */
int nids_arena_alloc(nids_arena *a, nids_err *err);

/* Index of the tensor called name, or -1. */
int nids_arena_find(const nids_arena *a, const char *name);

/* Pointer to tensor i inside base, a block with the arena's layout (its data, or a
 * gradient or optimizer block of the same size). */
static inline float *nids_arena_ptr(const nids_arena *a, float *base, int i)
{
	return base + a->t[i].off;
}

/* Copies every tensor of the allocated arena want from the tensor of the same name in
 * src, which must have the same shape. Returns 0, or NIDS_EFORMAT naming the missing
 * or misshapen tensor. */
int nids_arena_fill_from(nids_arena *want, const nids_arena *src, nids_err *err);

/* Checks, without touching data, that src has every tensor of want with the same shape:
 * what nids_arena_fill_from checks first. Loaders call it before allocating want, so a
 * file whose hyperparameters imply a huge arena fails before anything is allocated.
 * Returns 0 or NIDS_EFORMAT naming the first missing or mis-shaped tensor. */
int nids_arena_check_from(const nids_arena *want, const nids_arena *src, nids_err *err);

/* A model file's tensor line value ("name rows cols offset") appended to the layout a
 * of the file's tensors: they lie one after another, each at a multiple of 16 floats,
 * as nids_arena_add places them, and any other offset is refused (it would overlap or
 * misread one). A size line's value must be where the tensors before it end. Both
 * return 0 or NIDS_EFORMAT (where: path). Model files and ensemble members read them. */
int nids_arena_read_tensor(nids_arena *a, const char *v, const char *path, nids_err *err);
int nids_arena_read_size(const nids_arena *a, const char *v, const char *path, nids_err *err);

/* Frees the block and empties the layout. Accepts NULL. */
void nids_arena_free(nids_arena *a);

/* A zeroed 64-byte-aligned float buffer of n floats (free with free()); NULL if none. */
float *nids_floats(size_t n);

/* ---- scratch: a model's batch buffers, sized from a table, in one allocation ---- */

/* As llm.c sizes its activations: a model first lists every buffer it needs for a batch
 * (where the buffer's address goes, and how many floats it holds), then makes one zeroed
 * allocation that every listed pointer points into, each buffer 64-byte aligned. */
typedef struct nids_scratch_entry {
	float **p;    /* set to the buffer's address */
	double **dp;  /* or this, for a buffer of doubles */
	size_t n;     /* floats (two a double) */
	float **same; /* not NULL: *p is set to *same instead (a buffer used in place) */
} nids_scratch_entry;

typedef struct nids_scratch {
	nids_scratch_entry *t; /* the size table, until nids_scratch_alloc */
	int n, cap;
	int nomem;  /* the table could not grow */
	float *mem; /* the one allocation */
	size_t size;
} nids_scratch;

/* Lists a buffer of n floats for *p. */
void nids_scratch_add(nids_scratch *s, float **p, size_t n);
/* Lists a buffer of n doubles for *p. */
void nids_scratch_add_doubles(nids_scratch *s, double **p, size_t n);
/* Lists *p as the same buffer as *same (listed earlier). */
void nids_scratch_alias(nids_scratch *s, float **p, float **same);
/* Makes the one allocation, points every listed pointer into it and drops the table.
 * 0 or NIDS_ENOMEM (err may be NULL). */
int nids_scratch_alloc(nids_scratch *s, nids_err *err);
/* Frees the allocation (every pointer into it dangles) and the table; zeroes s. */
void nids_scratch_free(nids_scratch *s);
/* For a calloc'ed struct whose first member is its nids_scratch (a model's scorer):
 * nids_scratch_ready allocates the listed buffers and returns the struct, or frees it
 * and returns NULL; nids_scratch_release frees the buffers and the struct (NULL is
 * fine), so that it serves as a model type's scratch_free. */
void *nids_scratch_ready(nids_scratch *s);
void nids_scratch_release(void *s);

/* ---- matrix product ---- */

/* C[M x N] = alpha * op(A) op(B) + beta * C, row-major; op(X) = X or X^T as ta/tb.
 * lda/ldb/ldc are row strides of the stored matrices. Checks the shapes (aborts on a
 * programming error: an ld smaller than the row it strides). With ta = 0, alpha 1 and
 * beta 0 or 1 (the rows' products), each row of C is computed from its row of A alone,
 * the same bits wherever it sits (nn_gemm.c); otherwise cblas_sgemm. */
void nids_sgemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc);

/* The rows' kernel alone, one vector width of it: C[M x N] = A op(B) (+ C when add).
 * NIDS_GEMM_BEST is the widest the CPU has, which nids_sgemm_rm uses; the others are
 * for tests, which check that each gives the bits of the one chain. Returns 0, 1 when
 * this CPU (or build) lacks that width, -1 when out of memory. */
enum { NIDS_GEMM_BEST, NIDS_GEMM_BASE, NIDS_GEMM_AVX2, NIDS_GEMM_AVX512 };
int nids_sgemm_rows(int kernel, int tb, int M, int N, int K, const float *A, int lda,
                    const float *B, int ldb, int add, float *C, int ldc);

/* Threads OpenBLAS may use, n (declared here so no cblas header leaks), for a job in
 * which `callers` threads call it at once. Under an address-space limit (ulimit -v)
 * NIDS_ENOMEM comes back when the limit cannot hold the working buffers of the callers
 * and of OpenBLAS's n - 1 threads (OpenBLAS would wait for them forever); else 0. */
int nids_blas_threads(int n, int callers, nids_err *err);
/* The same check alone, for a call into OpenBLAS outside such a job (a model's load). */
int nids_blas_room(int callers, nids_err *err);

/* The name of the OpenBLAS kernels this CPU runs (or OPENBLAS_CORETYPE chose): the sums
 * over a minibatch's rows, and so a trained model's last bits, depend on it. */
const char *nids_blas_core(void);

/* ---- dense layer: out = in W^T + b ---- */

/* out [B x O], in [B x I], w [O x I], b [O] */
void nids_dense_forward(float *out, const float *in, const float *w, const float *b, int B,
                        int I, int O);
/* din [B x I] (NULL: not needed) += dout W; dw [O x I] += dout^T in; db [O] += sum dout
 * (dw NULL: neither is needed) */
void nids_dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                         const float *w, int B, int I, int O);

/* Xavier/Glorot uniform: U(-a, a), a = sqrt(6 / (I + O)). w [O x I] */
void nids_init_xavier(float *w, int O, int I, nids_rng *rng);
/* He/Kaiming normal: N(0, 2 / I), for ReLU layers. w [O x I] */
void nids_init_he(float *w, int O, int I, nids_rng *rng);

/* ---- activations, elementwise over n values ---- */

enum nids_act {
	NIDS_ACT_NONE = 0, /* identity */
	NIDS_ACT_RELU,
	NIDS_ACT_LEAKY,    /* leaky ReLU, slope NIDS_LEAKY_SLOPE below 0 */
	NIDS_ACT_TANH,
	NIDS_ACT_SIGMOID,
	NIDS_ACT_SOFTPLUS,
	NIDS_ACT_COUNT
};
#define NIDS_LEAKY_SLOPE 0.01f

/* "none", "relu", "leaky", "tanh", "sigmoid", "softplus"; parse returns -1 if unknown. */
const char *nids_act_name(int act);
int nids_act_parse(const char *name);

/* out [n] = f(in); out may equal in. */
void nids_act_forward(float *out, const float *in, size_t n, int act);
/* din [n] += dout * f'(in), using in (pre-activation) and out (post-activation). */
void nids_act_backward(float *din, const float *dout, const float *in, const float *out,
                       size_t n, int act);

/* Inverted dropout: mask [n] = 0 with probability p, else 1/(1-p); out = in * mask. */
void nids_dropout_forward(float *out, float *mask, const float *in, size_t n, float p,
                          nids_rng *rng);
/* din [n] += dout * mask */
void nids_dropout_backward(float *din, const float *dout, const float *mask, size_t n);

/* Row-wise softmax: p [B x K] from logits [B x K]. */
void nids_softmax_forward(float *p, const float *logits, int B, int K);
/* Row-wise softmax backward: dlogit [B x K] += p * (dp - sum_k p dp). */
void nids_softmax_backward(float *dlogit, const float *dp, const float *p, int B, int K);

/* Reparameterisation z = mu + eps * exp(logvar / 2); all [n]. */
void nids_reparam_forward(float *z, const float *mu, const float *logvar, const float *eps,
                          size_t n);
/* dmu += dz; dlogvar += dz * eps * exp(logvar / 2) / 2 */
void nids_reparam_backward(float *dmu, float *dlogvar, const float *dz, const float *logvar,
                           const float *eps, size_t n);

/* ---- losses: see the top of this file for scale and accumulation ---- */

/* per row: mean_d (pred - x)^2.  pred, x, dpred [B x D]; dpred may be NULL */
double nids_mse_loss(float *dpred, const float *pred, const float *x, int B, int D, float scale);
/* per row: mean_d |pred - x| (subgradient 0 at 0) */
double nids_mae_loss(float *dpred, const float *pred, const float *x, int B, int D, float scale);
/* Diagonal Gaussian negative log-likelihood, per row
 * sum_d (lv + (x - mu)^2 / exp(lv) + log 2pi) / 2 with lv = max(logvar, lvmin) (the clamp
 * passes no gradient below lvmin). mu, logvar, x, dmu, dlogvar [B x D]. */
double nids_gauss_nll_loss(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                           const float *x, int B, int D, float lvmin, float scale);
/* Bernoulli negative log-likelihood of x in [0,1] under sigmoid(logit), per row
 * sum_d softplus(logit) - x * logit. */
double nids_bce_loss(float *dlogit, const float *logit, const float *x, int B, int D,
                     float scale);
/* Softmax cross-entropy, per row -log softmax(logit)[y]. logit [B x K], y [B] in [0, K). */
double nids_xent_loss(float *dlogit, const float *logit, const int *y, int B, int K, float scale);
/* KL(N(mu, exp(logvar)) || N(0, I)), per row -1/2 sum_k (1 + lv - mu^2 - exp(lv)). [B x K] */
double nids_kl_normal_loss(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                           int B, int K, float scale);
/* KL sparsity over a batch of activations a in (0,1) [B x H]: with rhohat_j = mean_b a_bj,
 * returns scale * sum_j KL(rho || rhohat_j); da += its gradient. Depends on the whole
 * batch, not on single rows. rhohat is clamped to [1e-6, 1 - 1e-6]. */
double nids_kl_sparsity_loss(float *da, const float *a, int B, int H, float rho, float scale);
/* L1 activity penalty: scale * sum |a|, a [n] */
double nids_l1_loss(float *da, const float *a, size_t n, float scale);
/* L2 weight penalty: scale * sum w^2 / 2, w [n] */
double nids_l2_loss(float *dw, const float *w, size_t n, float scale);

/* ---- multilayer perceptron: a stack of dense layers, each followed by an activation ---- */

#define NIDS_MLP_MAX 16

typedef struct nids_mlp {
	int nlayers;
	int dim[NIDS_MLP_MAX + 1]; /* dim[0] inputs, dim[i+1] outputs of layer i */
	int act[NIDS_MLP_MAX];     /* activation after layer i */
	int w[NIDS_MLP_MAX];       /* arena index of layer i's weights [dim[i+1] x dim[i]] */
	int b[NIDS_MLP_MAX];       /* arena index of its bias [dim[i+1]] */
} nids_mlp;

/* Adds the tensors "<prefix><i>.w" and "<prefix><i>.b" of nlayers layers with sizes
 * dim[0..nlayers] and activations act[0..nlayers) to the arena's layout. 0 or <0. */
int nids_mlp_define(nids_mlp *m, nids_arena *a, const char *prefix, int nlayers, const int *dim,
                    const int *act, nids_err *err);

/* Initialises the weights in params (an allocated block with a's layout): He for
 * ReLU-family layers, Xavier otherwise; biases zero. */
/* The widths of an autoencoder d -> widths[0..nw) -> the same reversed -> d into
 * dim[0..n]; returns n, the layer count (2 nw). */
int nids_mlp_mirror_dims(int d, const int *widths, int nw, int *dim);
void nids_mlp_init(const nids_mlp *m, const nids_arena *a, float *params, nids_rng *rng);

/* Activations of one MLP for up to cap rows, and the gradient scratch of its backward. */
typedef struct nids_mlp_acts {
	int cap;
	const float *in;          /* the last forward's input, lent by the caller */
	float *pre[NIDS_MLP_MAX]; /* [cap x dim[i+1]] before the activation */
	float *out[NIDS_MLP_MAX]; /* [cap x dim[i+1]] after it (== pre for NIDS_ACT_NONE) */
	float *g0, *g1;           /* [cap x max dim] backward scratch */
} nids_mlp_acts;

/* Lists in sc the activations for cap rows, and the backward scratch when backward is
 * non-zero (without it, nids_mlp_backward must not be called and activations are
 * computed in place); they point into sc's allocation. */
void nids_mlp_acts_plan(nids_mlp_acts *s, const nids_mlp *m, int cap, int backward,
                        nids_scratch *sc);

/* Forward of in [B x dim[0]] (kept by reference for the backward). Returns the output
 * [B x dim[nlayers]], which lives in s. */
float *nids_mlp_forward(const nids_mlp *m, const nids_arena *a, float *params,
                        nids_mlp_acts *s, const float *in, int B);

/* Backward from dout [B x dim[nlayers]] (the gradient of the loss with respect to the
 * output): accumulates parameter gradients into grads (a block with a's layout; NULL:
 * none) and, when din is not NULL, the input gradient into din [B x dim[0]]. extra[i], when
 * extra is not NULL and extra[i] is not NULL, is an additional gradient [B x dim[i+1]]
 * with respect to layer i's output (a penalty on a hidden code) added on the way. */
void nids_mlp_backward(const nids_mlp *m, const nids_arena *a, float *params, float *grads,
                       nids_mlp_acts *s, const float *dout, float *const *extra, float *din,
                       int B);

/* ---- optimizers over one flat parameter block ---- */

/* enum nids_optim_kind is model.h's (nids-fit --optim) */

typedef struct nids_optim {
	int kind;
	size_t n;
	float lr;
	float beta1, beta2, eps; /* Adam: 0.9, 0.999, 1e-8 (PyTorch's defaults) */
	float momentum;          /* SGD */
	float weight_decay;      /* L2 as PyTorch's weight_decay: each step uses g + wd * p */
	long t;                  /* steps taken */
	float *m, *v;            /* Adam moments / SGD velocity (m); allocated lazily */
} nids_optim;

/* Sets up for n parameters. 0 or NIDS_ENOMEM. */
int nids_optim_init(nids_optim *o, int kind, size_t n, float lr, nids_err *err);
/* One update of p [n] from g [n]. */
void nids_optim_step(nids_optim *o, float *p, const float *g);
/* Frees the state. Accepts a zeroed struct. */
void nids_optim_free(nids_optim *o);

#endif
