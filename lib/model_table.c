/* model_table.c: the one table of model types, a model's creation from it (hyperparameter
 * defaults), feature checks and output column names. The models read their
 * hyperparameters through lib/model_params.c; the scorer is in lib/score.c. */
#include "model_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Each model file defines one of these; adding a model is one line here. */
extern const nids_model_type nids_model_ae;
extern const nids_model_type nids_model_vae;
extern const nids_model_type nids_model_sae;
extern const nids_model_type nids_model_dagmm, nids_model_memae, nids_model_dsebm, nids_model_aegmm;
extern const nids_model_type nids_model_kmeans, nids_model_logreg, nids_model_tree,
	nids_model_forest, nids_model_iforest;
extern const nids_model_type nids_model_ensemble;

static const nids_model_type *const TABLE[] = {
	&nids_model_ae,     &nids_model_vae,    &nids_model_sae,  &nids_model_dagmm,
	&nids_model_memae,  &nids_model_dsebm,  &nids_model_aegmm, &nids_model_kmeans,
	&nids_model_logreg, &nids_model_tree,   &nids_model_forest, &nids_model_iforest,
	&nids_model_ensemble,
};
#define NTYPES (int)(sizeof TABLE / sizeof TABLE[0])

const nids_model_type *nids_model_type_find(const char *name)
{
	for (int i = 0; i < NTYPES; i++)
		if (strcmp(TABLE[i]->name, name) == 0)
			return TABLE[i];
	return NULL;
}

const nids_model_type *nids_model_type_at(int i) { return i >= 0 && i < NTYPES ? TABLE[i] : NULL; }

char *nids_model_type_names(char *buf, size_t n)
{
	buf[0] = 0;
	for (int i = 0; i < NTYPES; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? ", " : "", TABLE[i]->name);
	return buf;
}

void nids_model_set_seed(nids_model *m, uint64_t seed) { m->seed = seed; }

size_t nids_model_params(const nids_model *m) { return m->arena.size; }

static int nhparams(const nids_model_type *t)
{
	int n = 0;
	while (t->hparams && t->hparams[n].name)
		n++;
	return n;
}

int nids_model_new(nids_model **out, const char *type, nids_err *err)
{
	*out = NULL;
	const nids_model_type *t = nids_model_type_find(type);
	if (!t) {
		char known[256];
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown model type '%s' (known: %s)",
		                    type, nids_model_type_names(known, sizeof known));
	}
	nids_model *m = calloc(1, sizeof *m);
	int n = nhparams(t);
	if (!m || !(m->hp = calloc((size_t)n + 1, sizeof *m->hp)))
		goto nomem;
	m->type = t;
	for (int i = 0; i < n; i++)
		if (!(m->hp[i] = strdup(t->hparams[i].defval)))
			goto nomem;
	*out = m;
	return 0;
nomem:
	nids_model_free(m);
	return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
}

static char **copy_names(char *const *src, int n)
{
	char **dst = calloc((size_t)n + 1, sizeof *dst);
	for (int i = 0; dst && i < n; i++)
		if (!(dst[i] = strdup(src[i]))) {
			for (int j = 0; j < i; j++)
				free(dst[j]);
			free(dst);
			return NULL;
		}
	return dst;
}

static void free_names(char **names, int n)
{
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int nids_model_fit_columns(nids_model *m, const nids_dataset *train, nids_err *err)
{
	const char *need = m->type->needs_labels == 1 ? "label" : "class";
	if (train->n == 0) /* first: an empty stream may not even say which columns it has */
		return nids_err_set(err, NIDS_EFORMAT, NULL, "no training rows");
	if ((m->type->needs_labels == 1 && !train->label) ||
	    (m->type->needs_labels == 2 && !train->cls))
		return nids_err_set(err, NIDS_EFORMAT, NULL,
		                    "-t %s needs a %s column in the training stream",
		                    m->type->name, need);
	free_names(m->features, m->d);
	free_names(m->classes, m->nclasses);
	m->d = train->d;
	m->nclasses = train->nclasses;
	m->features = copy_names(train->features, train->d);
	m->classes = copy_names(train->classes, train->nclasses);
	if (!m->features || !m->classes)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	m->train_rows = train->n;
	return 0;
}


int nids_model_outputs(const nids_model *m, unsigned outputs, char ***names, nids_err *err)
{
	static const char *FLAG[4] = { "--errors", "--explain", "--classes", "--cluster" };
	for (int b = 0; b < 4; b++)
		if ((outputs & (1u << b)) && !(m->type->outputs & (1u << b)))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "%s is not available for -t %s",
			                    FLAG[b], m->type->name);
	int nsc = 0;
	while (m->type->scores && m->type->scores[nsc])
		nsc++;
	int n = 1 + nsc + ((outputs & NIDS_OUT_ERRORS) ? m->d : 0) +
	        ((outputs & NIDS_OUT_EXPLAIN) ? m->d : 0) +
	        ((outputs & NIDS_OUT_CLASSES) ? m->nclasses : 0) + ((outputs & NIDS_OUT_CLUSTER) ? 1 : 0);
	if (!names)
		return n;
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int k = 0;
	v[k++] = strdup("score");
	for (int i = 0; i < nsc; i++)
		if ((v[k] = strdup(m->type->scores[i])))
			k++;
	for (int i = 0; (outputs & NIDS_OUT_ERRORS) && i < m->d; i++)
		if ((v[k] = malloc(strlen(m->features[i]) + 5)))
			sprintf(v[k++], "err_%s", m->features[i]);
	for (int i = 0; (outputs & NIDS_OUT_EXPLAIN) && i < m->d; i++)
		if ((v[k] = malloc(strlen(m->features[i]) + 6)))
			sprintf(v[k++], "grad_%s", m->features[i]);
	for (int i = 0; (outputs & NIDS_OUT_CLASSES) && i < m->nclasses; i++)
		if ((v[k] = malloc(strlen(m->classes[i]) + 3)))
			sprintf(v[k++], "p_%s", m->classes[i]);
	if (outputs & NIDS_OUT_CLUSTER)
		v[k] = strdup("cluster"), k += v[k] != NULL;
	if (k < n || !v[0]) {
		free_names(v, n);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	*names = v;
	return n;
}

int nids_model_check_features(const nids_model *m, const nids_header *h, nids_err *err)
{
	int j = 0;
	for (int i = 0; i < h->ncols; i++) {
		if (h->cols[i].role != NIDS_ROLE_FEATURE)
			continue;
		if (j >= m->d)
			return nids_err_set(err, NIDS_EMISMATCH, NULL,
			                    "the stream has more features than the model's %d "
			                    "(first extra: column %d '%s')", m->d, i + 1, h->cols[i].name);
		if (strcmp(h->cols[i].name, m->features[j]) != 0)
			return nids_err_set(err, NIDS_EMISMATCH, NULL,
			                    "feature %d: the stream has '%s', the model '%s'", j + 1,
			                    h->cols[i].name, m->features[j]);
		j++;
	}
	if (j < m->d)
		return nids_err_set(err, NIDS_EMISMATCH, NULL,
		                    "the stream has %d features, the model %d (first missing: '%s')",
		                    j, m->d, m->features[j]);
	return 0;
}

void nids_model_free(nids_model *m)
{
	if (!m)
		return;
	for (int i = 0; m->type && m->hp && i < nhparams(m->type); i++)
		free(m->hp[i]);
	free(m->hp);
	free_names(m->features, m->d);
	free_names(m->classes, m->nclasses);
	nids_arena_free(&m->arena);
	if (m->state && m->type && m->type->free_state)
		m->type->free_state(m->state);
	nids_header_free(m->prep);
	free(m->made);
	nids_outputs_abort(m->side, 2); /* (a fit's side files, when no save committed them) */
	free(m);
}
