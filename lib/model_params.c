/* model_params.c: a model's hyperparameters, stored as text (key=value, as the model file
 * records them): setting one, and typed, range-checked access for the model files. */
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"

static int hp_index(const nids_model *m, const char *key)
{
	for (int i = 0; m->type->hparams && m->type->hparams[i].name; i++)
		if (strcmp(m->type->hparams[i].name, key) == 0)
			return i;
	return -1;
}

int nids_model_set(nids_model *m, const char *key, const char *value, nids_err *err)
{
	int i = hp_index(m, key);
	if (i < 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--%s' does not apply to -t %s",
		                    key, m->type->name);
	char *v = strdup(value);
	if (!v)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	free(m->hp[i]);
	m->hp[i] = v;
	return 0;
}

const char *nids_model_get(const nids_model *m, const char *key)
{
	int i = hp_index(m, key);
	return i < 0 ? NULL : m->hp[i];
}

int nids_model_get_long(const nids_model *m, const char *key, long lo, long hi, long *out,
                        nids_err *err)
{
	const char *v = nids_model_get(m, key);
	if (!v || nids_cli_parse_long(v, lo, hi, out))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "option '--%s': '%s' is not a whole number from %ld to %ld", key,
		                    v ? v : "", lo, hi);
	return 0;
}

int nids_model_get_double(const nids_model *m, const char *key, double lo, double hi,
                          double *out, nids_err *err)
{
	const char *v = nids_model_get(m, key);
	if (!v || nids_cli_parse_double(v, lo, hi, out))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "option '--%s': '%s' is not a number from %g to %g", key,
		                    v ? v : "", lo, hi);
	return 0;
}

int nids_model_get_ints(const nids_model *m, const char *key, int *out, int max, long lo,
                        long hi, nids_err *err)
{
	const char *v = nids_model_get(m, key);
	char buf[512];
	if (!v || strlen(v) >= sizeof buf)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--%s': bad list", key);
	strcpy(buf, v);
	char *items[NIDS_MLP_MAX + 1];
	int n = nids_cli_split_list(buf, items, max + 1);
	for (int i = 0; i < n; i++) {
		long x;
		if (n > max || nids_cli_parse_long(items[i], lo, hi, &x))
			return nids_err_set(err, NIDS_EUSAGE, NULL,
			                    "option '--%s': '%s' is not a list of at most %d whole "
			                    "numbers from %ld to %ld", key, v, max, lo, hi);
		out[i] = (int)x;
	}
	return n;
}

int nids_model_get_choice(const nids_model *m, const char *key, const char *const *choices,
                          nids_err *err)
{
	const char *v = nids_model_get(m, key);
	for (int i = 0; v && choices[i]; i++)
		if (strcmp(v, choices[i]) == 0)
			return i;
	char known[256] = "";
	for (int i = 0; choices[i]; i++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
		         choices[i]);
	return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--%s': '%s' is not one of %s", key,
	                    v ? v : "", known);
}

int nids_model_get_act(const nids_model *m, const char *key, nids_err *err)
{
	const char *v = nids_model_get(m, key);
	int act = v ? nids_act_parse(v) : -1;
	if (act > 0)
		return act;
	char known[128] = "";
	for (int i = 1; i < NIDS_ACT_COUNT; i++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i > 1 ? ", " : "",
		         nids_act_name(i));
	return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--%s': '%s' is not one of %s", key,
	                    v ? v : "", known);
}
