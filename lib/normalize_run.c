/* normalize_run.c: nids-normalize's steps around the fit and the apply of normalize.c:
 * the option check, the stream and parameter files committed in order, the summary. */
#include "nids/normalize.h"

#include <string.h>

#include "nids/io.h"

int nids_normalize_check(nids_normalize_args *a, nids_err *err)
{
	if (!a->fit == !a->params)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "give exactly one of --fit and -p");
	if (a->params && (a->method || a->columns || a->opts.quantiles || a->opts.subsample))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "-t, --column, --quantiles and --subsample "
		                    "go with --fit; the params file names its methods");
	a->opts.method = a->method ? nids_norm_method_parse(a->method) : NIDS_NORM_MINMAX;
	if (a->opts.method < 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown method '%s' (minmax, zscore, "
		                    "log1p, log1p-zscore, quantile, quantile-normal, none)", a->method);
	int q = a->opts.quantiles ? a->opts.quantiles : NIDS_NORM_QUANTILES;
	int sub = a->opts.subsample ? a->opts.subsample : NIDS_NORM_SUBSAMPLE;
	if (sub < q)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--subsample %d%s is less than the %d "
		                    "quantiles", sub, a->opts.subsample ? "" : " (the default)", q);
	a->opts.columns = a->columns;
	if (a->fit && (strcmp(a->fit, "-") == 0 || (a->output && strcmp(a->fit, a->output) == 0)))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--fit needs a file of its own, not '%s'",
		                    a->fit);
	return 0;
}

int nids_normalize_run(nids_reader *r, const char *in_name, const nids_normalize_args *a,
                       nids_norm **n, nids_err *err)
{
	nids_output *out[2] = { NULL, NULL }; /* the stream, the params */
	int rc = a->params ? nids_norm_load(n, a->params, err) : 0;
	if (!rc)
		rc = nids_output_open(&out[0], a->output, 1, err);
	if (!rc && a->fit)
		rc = nids_output_open(&out[1], a->fit, 1, err);
	FILE *f = out[0] ? nids_output_file(out[0]) : NULL;
	const char *name = out[0] ? nids_output_name(out[0]) : NULL;
	if (!rc && a->fit)
		rc = nids_normalize_fit_stream_opts(r, in_name, &a->opts, f, name, a->level, n, err);
	else if (!rc)
		rc = nids_normalize_apply_stream(r, in_name, *n, a->clamp, f, name, a->level, err);
	if (!rc && a->fit)
		rc = nids_norm_save(*n, nids_output_file(out[1]), a->fit, err);
	/* both written through before either is renamed: a failed write leaves neither, and
	   a params file of an earlier run as it was */
	if (!rc)
		rc = nids_outputs_commit(out, 2, err);
	if (!rc && (!a->output || strcmp(a->output, "-") == 0))
		rc = nids_stdout_close(err);
	nids_outputs_abort(out, 2);
	return rc;
}

void nids_norm_summary(FILE *f, const char *prog, const nids_norm *n, const char *path)
{
	int constant = 0, own = 0;
	for (int j = 0; j < nids_norm_columns(n); j++) {
		double s[4];
		nids_norm_stats(n, j, s);
		constant += s[0] == s[1];
		own += nids_norm_column_method(n, j) != nids_norm_method(n);
	}
	fprintf(f, "%s: %s: %s over %llu rows, %d feature columns (%d constant", prog, path,
	        nids_norm_method_name(nids_norm_method(n)), (unsigned long long)nids_norm_rows(n),
	        nids_norm_columns(n), constant);
	if (own)
		fprintf(f, ", %d with a method of their own", own);
	fprintf(f, ")\n");
}
