/* fit.c: fitting a model (the fit, then a check that it scores its training rows), and
 * what nids-fit builds from the model table: its usage text, its options, and the
 * provenance a fitted model records. */
#include "nids/fit.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nids/cli.h"
#include "nids/io.h"
#include "nids/normalize.h"
#include "nids/score.h"
#include "model_impl.h"

/* A fit that succeeded may still be useless: on values near the float32 limits (1e30,
 * 3e38) distances and reconstruction errors overflow, so every ordinary row would score
 * inf or nan and the evaluation would quietly say nothing. Scores up to CHECK_ROWS
 * finite training rows, spread over the set, and fails when any score is not finite. */
#define CHECK_ROWS 256
static int check_fitted(const nids_model *m, const nids_dataset *train, nids_err *err)
{
	int nout = nids_model_outputs(m, 0, NULL, err), d = train->d, B = 0;
	if (nout < 0)
		return nout;
	float *x = nids_floats((size_t)CHECK_ROWS * d), *out = nids_floats((size_t)CHECK_ROWS * nout);
	nids_scorer *s = NULL;
	int rc = x && out ? nids_scorer_new(&s, m, 0, 1, CHECK_ROWS, err)
	                  : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	double big = 0;
	size_t step = train->n / CHECK_ROWS + 1;
	for (size_t i = 0; rc == 0 && i < train->n && B < CHECK_ROWS; i += step) {
		const float *r = train->x + i * (size_t)d;
		int finite = 1;
		for (int j = 0; j < d; j++)
			finite &= isfinite(r[j]) != 0;
		if (!finite)
			continue;
		for (int j = 0; j < d; j++)
			big = fabs(r[j]) > big ? fabs(r[j]) : big;
		memcpy(x + (size_t)B++ * d, r, sizeof(float) * (size_t)d);
	}
	if (rc == 0 && B > 0) {
		nids_scorer_run(s, x, B, 0, out);
		for (int i = 0; i < B && rc == 0; i++)
			if (!isfinite(out[(size_t)i * nout]))
				rc = nids_err_set(err, NIDS_EFORMAT, NULL,
				                  "-t %s scores the training rows %g: their values (up to "
				                  "%g) are too large for float32 arithmetic; scale them "
				                  "first (nids-normalize)",
				                  m->type->name, (double)out[(size_t)i * nout], big);
	}
	nids_scorer_free(s);
	free(x);
	free(out);
	return rc;
}

int nids_model_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err)
{
	int rc = nids_model_fit_columns(m, train, err);
	if (!rc)
		rc = m->type->fit(m, train, val, o, err);
	return rc < 0 ? rc : check_fitted(m, train, err);
}

/* ---- nids-fit ---- */

char *nids_fit_usage(const char *head)
{
	char *u = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&u, &len); /* grows as the table does */
	if (!f)
		return NULL;
	fputs(head, f);
	fputs("  -h, --help           this help;  -V, --version  the version\n", f);
	for (int i = 0; nids_model_type_at(i); i++) {
		const nids_model_type *t = nids_model_type_at(i);
		fprintf(f, "-t %s: %s\n", t->name, t->summary);
		if (t->epochs || t->batch || t->lr) {
			fputs("  training defaults:", f);
			if (t->epochs)
				fprintf(f, " --epochs %d", t->epochs);
			if (t->batch)
				fprintf(f, " --batch %d", t->batch);
			if (t->lr)
				fprintf(f, " --lr %g", t->lr);
			fputc('\n', f);
		}
		for (const nids_hparam *h = t->hparams; h->name; h++) {
			char flag[64];
			snprintf(flag, sizeof flag, "%s%c%s--%s", h->shortopt ? "-" : "",
			         h->shortopt ? h->shortopt : ' ', h->shortopt ? ", " : "   ", h->name);
			fprintf(f, "  %-20s %s [default: %s]\n", h->shortopt ? flag : flag + 1, h->help,
			        h->defval);
		}
	}
	fputs("see nids-fit(1)\n", f);
	if (fclose(f) || !u) {
		free(u);
		return NULL;
	}
	return u;
}

void nids_fit_options(const struct option *fixed, const char *fixed_shorts, struct option *opts,
                      int cap, char *shorts, const char **hp_names)
{
	int nfixed = 0, n = 0;
	while (fixed[nfixed].name && nfixed < cap - 1)
		opts[nfixed] = fixed[nfixed], nfixed++;
	strcpy(shorts, fixed_shorts);
	for (int i = 0; nids_model_type_at(i); i++)
		for (const nids_hparam *h = nids_model_type_at(i)->hparams; h->name; h++) {
			int seen = 0;
			for (int k = 0; k < n; k++)
				seen |= !strcmp(hp_names[k], h->name);
			if (seen || n >= NIDS_FIT_MAX_HP || nfixed + n >= cap - 1)
				continue;
			hp_names[n] = h->name;
			opts[nfixed + n] = (struct option){ h->name, required_argument, NULL, NIDS_FIT_HP + n };
			if (h->shortopt && !strchr(shorts, h->shortopt)) {
				size_t l = strlen(shorts);
				shorts[l] = (char)h->shortopt, shorts[l + 1] = ':', shorts[l + 2] = 0;
			}
			n++;
		}
	opts[nfixed + n] = (struct option){ 0 };
}

const char *nids_fit_hparam(int c, const char *const *hp_names)
{
	if (c == '?' || c == ':')
		return NULL;
	if (c >= NIDS_FIT_HP && c < NIDS_FIT_HP + NIDS_FIT_MAX_HP)
		return hp_names[c - NIDS_FIT_HP];
	for (int i = 0; c < 128 && nids_model_type_at(i); i++)
		for (const nids_hparam *h = nids_model_type_at(i)->hparams; h->name; h++)
			if (h->shortopt == c)
				return h->name;
	return NULL;
}

int nids_fit_model(nids_model **mp, const char *type, const char *const *keys,
                   const char *const *values, int n, uint64_t seed, nids_fit_opts *fo,
                   nids_err *err)
{
	char known[512];
	*mp = NULL;
	if (!type)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "-t is required (%s)",
		                    nids_model_type_names(known, sizeof known));
	int rc = nids_model_new(mp, type, err);
	for (int i = 0; !rc && i < n; i++)
		rc = nids_model_set(*mp, keys[i], values[i], err);
	if (rc)
		return rc;
	nids_model *m = *mp;
	m->seed = seed;
	if (fo->epochs < 0) {
		fo->epochs = m->type->epochs ? m->type->epochs : 20;
		/* a paper's own epochs stay as they are; the generic 20 is about 5,000 steps on
		 * NSL-KDD but 100 on a set of 1,250 rows, too few for Adam at 1e-3 */
		fo->min_steps = m->type->epochs ? 0 : NIDS_FIT_MIN_STEPS;
	}
	if (!fo->batch)
		fo->batch = m->type->batch ? m->type->batch : 256;
	if (!(fo->lr > 0))
		fo->lr = m->type->lr > 0 ? m->type->lr : 1e-3;
	return 0;
}

int nids_fit_provenance(nids_model *m, const nids_header *h, const nids_fit_opts *fo,
                        const nids_fit_report *rep, size_t ntrain, size_t nval, nids_err *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	char date[32] = "";
	if (gmtime_r(&now, &tm))
		strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int rc = nids_model_set_prep(m, h);
	rc = rc ? rc : nids_model_add_made(m, "by", "nids %s", NIDS_VERSION);
	rc = rc ? rc : nids_model_add_made(m, "date", "%s", date);
	rc = rc ? rc : nids_model_add_made(m, "rows", "%zu training, %zu validation", ntrain, nval);
	char wd[48] = "";
	if (fo->weight_decay > 0)
		snprintf(wd, sizeof wd, " weight decay %g", fo->weight_decay);
	if (!rc && !isnan(rep->loss))
		rc = nids_model_add_made(m, "training", "%d epochs of batch %d, %s lr %g%s; loss %.6g",
		                         rep->epochs, fo->batch,
		                         fo->optim == NIDS_OPTIM_ADAM ? "adam" : "sgd", fo->lr, wd,
		                         rep->loss);
	if (!rc && !isnan(rep->val_loss))
		rc = nids_model_add_made(m, "validation", "loss %.6g", rep->val_loss);
	return rc ? nids_err_set(err, rc, NULL, "out of memory") : 0;
}

/* Raw featurizer output spans byte counts of 1e9 beside 0/1 flags: distances and
 * gradients then see the largest columns alone, and a model trains to an AUROC far
 * below what the same rows give scaled (the ae on NSL-KDD's shipped sample: 0.35 raw,
 * 0.95 min-max scaled). Warns when a model that is not scale-free meets a stream that
 * records no normalization and holds a value beyond UNSCALED_ABS. */
#define UNSCALED_ABS 1e3
static void warn_unscaled(const nids_model *m, const nids_dataset *ds, FILE *f)
{
	if (!f || m->type->scale_free || nids_header_get_ext(ds->h, NIDS_NORM_RECORD, NULL))
		return;
	int big = -1;
	float bigv = 0;
	for (size_t i = 0; i < ds->n; i++)
		for (int j = 0; j < ds->d; j++) {
			float v = fabsf(ds->x[i * (size_t)ds->d + j]);
			if (v > bigv)
				bigv = v, big = j;
		}
	if (bigv > UNSCALED_ABS)
		fprintf(f,
		        "nids-fit: warning: feature '%s' reaches %.3g and the stream records no "
		        "normalization: -t %s learns poorly from unscaled features; normalize "
		        "them first (nids-normalize)\n",
		        ds->features[big], (double)bigv, m->type->name);
}

int nids_fit_dataset(nids_model *m, nids_dataset *all, double val, uint64_t seed,
                     const nids_fit_opts *fo, size_t *ntrain, size_t *nval, nids_err *err)
{
	nids_dataset train, vset;
	nids_fit_report report = { 0, NAN, NAN };
	nids_fit_opts o = *fo;
	o.report = &report;
	warn_unscaled(m, all, fo->warnings);
	int rc = nids_dataset_split(all, val, seed, &train, &vset, err);
	if (!rc && o.min_steps > 0 && train.n > 0 && o.batch > 0) {
		size_t per_epoch = (train.n + (size_t)o.batch - 1) / (size_t)o.batch;
		size_t need = ((size_t)o.min_steps + per_epoch - 1) / per_epoch;
		if (need > (size_t)o.epochs)
			o.epochs = (int)need;
	}
	if (!rc)
		rc = nids_model_fit(m, &train, &vset, &o, err);
	if (!rc)
		rc = nids_fit_provenance(m, all->h, &o, &report, train.n, vset.n, err);
	*ntrain = rc ? 0 : train.n;
	*nval = rc ? 0 : vset.n;
	return rc;
}

int nids_fit_save(nids_model *m, nids_output *out, nids_err *err)
{
	int rc = nids_model_write(m, nids_output_file(out), err);
	if (rc && !err->where[0] && strcmp(nids_output_name(out), "-")) /* (stdout unnamed) */
		snprintf(err->where, sizeof err->where, "%s", nids_output_name(out));
	/* the model file first, then the side files the fit wrote: all written through
	   before any is renamed into place */
	nids_output *outs[3] = { out, m->side[NIDS_SIDE_DUMP], m->side[NIDS_SIDE_IMPORTANCES] };
	m->side[NIDS_SIDE_DUMP] = m->side[NIDS_SIDE_IMPORTANCES] = NULL;
	if (!rc)
		rc = nids_outputs_commit(outs, 3, err);
	nids_outputs_abort(outs, 3);
	return rc;
}
