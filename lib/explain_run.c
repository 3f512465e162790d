/* explain_run.c: nids-explain's files: the model, the input and background streams, the
 * output and the side files (fingerprints, heatmap, waterfalls), opened and committed
 * around one nids_explain_stream. */
#include "nids/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/io.h"

#define MAX_SIDE (2 + NIDS_EXPLAIN_MAX_WF)

int nids_explain_check(nids_explain_opts *o, const nids_explain_files *f, const char *method,
                       const char *stage, int ninputs, nids_err *err)
{
	if (stage && strcmp(stage, "gmm"))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--stage: '%s' is not gmm", stage);
	o->gmm_stage |= stage != NULL;
	if (!f->model)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "-m is required");
	if (method && (o->method = nids_explain_method_parse(method)) < 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "-t: '%s' is not a method (tree, shap, gradient, error)", method);
	if (o->json && !o->top)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--json goes with --top");
	if (o->times_input && o->ig_steps)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--times-input or --integrated, not both");
	if (ninputs > 1)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "one input at most");
	const char *fp = f->nside > 0 ? f->side[0] : NULL;
	o->fp_json = fp && strlen(fp) > 5 && !strcmp(fp + strlen(fp) - 5, ".json");
	return 0;
}

int nids_explain_add_waterfall(nids_explain_opts *o, uint64_t *rows, const char **paths,
                               char *arg, nids_err *err)
{
	char *colon = strchr(arg, ':');
	long row;
	if (o->nwf == NIDS_EXPLAIN_MAX_WF)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--waterfall: at most %d",
		                    NIDS_EXPLAIN_MAX_WF);
	if (!colon || !colon[1])
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--waterfall: '%s' is not ROW:FILE", arg);
	*colon = 0;
	if (nids_cli_parse_long(arg, 1, 1L << 62, &row))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--waterfall': '%s' is not a whole "
		                    "number from %ld to %ld", arg, 1L, 1L << 62);
	rows[o->nwf] = (uint64_t)row - 1;
	paths[o->nwf++] = colon + 1;
	o->wf_rows = rows;
	return 0;
}

int nids_explain_run(const nids_explain_files *f, const nids_explain_opts *opts,
                     nids_explain_stats *st, nids_err *err)
{
	nids_explain_opts o = *opts;
	nids_model *m = NULL;
	nids_input *in = NULL, *bgin = NULL;
	nids_reader *r = NULL, *bgr = NULL;
	nids_output *outs[1 + MAX_SIDE] = { NULL }, **side = outs + 1; /* the output, then the side files */
	FILE *files[MAX_SIDE] = { NULL };
	int nside = f->nside < MAX_SIDE ? f->nside : MAX_SIDE;
	int rc = nids_model_read(&m, f->model, err);
	if (!rc && f->background && !(rc = nids_input_open(&bgin, f->background, err)) &&
	    (rc = nids_reader_open(&bgr, bgin, err)) != 0 && !err->where[0])
		snprintf(err->where, sizeof err->where, "%s", f->background);
	if (!rc)
		rc = nids_outputs_open(side, f->side, nside, files, err);
	o.fp_table = files[0], o.fp_svg = files[1], o.wf_out = files + 2;
	o.model_name = f->model;
	if (!rc && !(rc = nids_input_open(&in, f->input ? f->input : "-", err)) &&
	    !(rc = nids_reader_open(&r, in, err)) &&
	    !(rc = nids_output_open(&outs[0], f->output, o.top == 0, err)) &&
	    !(rc = nids_explain_stream(r, bgr, m, &o, nids_output_file(outs[0]),
	                               nids_output_name(outs[0]), st, err))) {
		rc = nids_outputs_commit(outs, 1 + nside, err); /* (its write error names the file) */
	} else {
		for (int i = 0; rc && !err->where[0] && i < nside; i++)
			if (side[i] && ferror(files[i])) /* a side file's write error names that file */
				snprintf(err->where, sizeof err->where, "%s", f->side[i]);
		if (rc && rc != NIDS_EIO && !err->where[0] && in) /* (standard output's is unnamed) */
			snprintf(err->where, sizeof err->where, "%s", nids_input_name(in));
	}
	nids_outputs_abort(outs, 1 + nside);
	nids_reader_free(r);
	nids_input_free(in);
	nids_reader_free(bgr);
	nids_input_free(bgin);
	nids_model_free(m);
	return rc;
}
