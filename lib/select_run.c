/* select_run.c: nids-select's steps around select.c: the option check, the kept list
 * applied to a stream, and the features chosen and written as a list. */
#include "nids/select.h"

#include <math.h>
#include <stdlib.h>

#include "importance_impl.h"
#include "nids/io.h"

int nids_select_check(const nids_select_args *a, nids_err *err)
{
	int choose = a->importances || a->permutation || a->top || !isnan(a->corr);
	const char *bad = NULL;
	if (a->apply && choose)
		bad = "--apply takes a list: it chooses nothing";
	else if (!a->apply && !choose)
		bad = "give --apply, or what to choose by (--importances, --permutation, --top, --corr)";
	else if (a->importances && a->permutation)
		bad = "give one of --importances and --permutation";
	else if (!a->permutation != !a->model)
		bad = "--permutation and -m go together";
	else if (a->level && !a->apply)
		bad = "-z goes with --apply";
	else if (a->top && !a->importances && !a->permutation && isnan(a->corr))
		bad = "--top needs a ranking to take the top of (--importances or --permutation; "
		      "with --corr alone, the stream's order)";
	else if (a->importances && !a->permutation && isnan(a->corr) && a->ninputs)
		bad = "--importances with --top alone reads no input";
	return bad ? nids_err_set(err, NIDS_EUSAGE, NULL, "%s", bad) : 0;
}

static void free_names(char **names, int n)
{
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int nids_select_apply_files(const nids_select_args *a, nids_err *err)
{
	char **names = NULL;
	int n = 0;
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	int rc = nids_select_list_read(a->apply, &names, &n, err);
	if (!rc)
		rc = nids_input_open_files(&in, (const char *const *)a->inputs, a->ninputs, 0, err);
	if (!rc)
		rc = nids_reader_open(&r, in, err);
	if (!rc)
		rc = nids_output_open(&out, a->output, 1, err);
	if (!rc)
		rc = nids_select_apply(r, nids_input_name(in), names, n, nids_output_file(out),
		                       nids_output_name(out), a->level, err);
	if (!rc) {
		rc = nids_output_commit(out, err);
		out = NULL;
	}
	if (!rc && !a->output)
		rc = nids_stdout_close(err);
	nids_output_abort(out);
	free_names(names, n);
	nids_reader_free(r);
	nids_input_free(in);
	return rc;
}

/* Reads the inputs into memory (for --corr and --permutation). */
static int read_input(const nids_select_args *a, nids_dataset **ds, nids_err *err)
{
	nids_input *in = NULL;
	nids_reader *r = NULL;
	int rc = nids_input_open_files(&in, (const char *const *)a->inputs, a->ninputs, 0, err);
	if (!rc)
		rc = nids_reader_open(&r, in, err);
	if (!rc)
		rc = nids_dataset_read_placed(ds, r, err);
	nids_reader_free(r);
	nids_input_free(in);
	return rc;
}

/* The ranking by permutation importance, in *rank [*n] as in --permutation's file, which
 * is written and left in *file for the caller to commit with the list. */
static int permutation(const nids_select_args *a, const nids_dataset *ds, char ***rank, int *n,
                       double *auroc, nids_output **file, nids_err *err)
{
	nids_model *m = NULL;
	double *imp = calloc((size_t)ds->d + 1, sizeof *imp);
	int *order = NULL;
	int rc = imp ? nids_model_read(&m, a->model, err)
	             : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc && (rc = nids_permutation_importance(m, ds, a->repeats, a->seed, a->threads, imp,
	                                             auroc, err)) &&
	    !err->where[0]) /* the stream's rows do not suit the model */
		snprintf(err->where, sizeof err->where, "%s",
		         a->ninputs == 1 ? a->inputs[0] : a->ninputs ? "the inputs" : "-");
	if (!rc && isnan(*auroc)) /* no AUROC to lose: every importance would be nan */
		rc = nids_err_set(err, NIDS_EFORMAT,
		                  a->ninputs == 1 ? a->inputs[0] : a->ninputs ? "the inputs" : "-",
		                  "permutation importance needs benign and attack rows; these "
		                  "rows have one label");
	if (!rc)
		rc = nids_importance_write(a->permutation, ds->features, imp, ds->d, file, err);
	if (!rc && (!(order = nids_importance_order(imp, ds->d)) ||
	            !(*rank = calloc((size_t)ds->d + 1, sizeof **rank))))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int k = 0; !rc && k < ds->d; k++, ++*n)
		if (!((*rank)[k] = strdup(ds->features[order[k]])))
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	nids_model_free(m);
	free(imp);
	free(order);
	return rc;
}

/* The kept list, with a comment line saying how it was chosen. */
static void write_list(FILE *f, const nids_select_args *a, const nids_select_summary *s,
                       char *const *kept)
{
	fprintf(f, "# nids-select: %d of %d features kept", s->kept, s->ranked);
	if (a->top)
		fprintf(f, "; the top %d", a->top);
	if (!isnan(a->corr))
		fprintf(f, "; %d dropped for |r| > %g over %zu rows", s->dropped, a->corr, s->rows);
	fputc('\n', f);
	for (int i = 0; i < s->kept; i++)
		fprintf(f, "%s\n", kept[i]);
}

int nids_select_choose_files(const nids_select_args *a, nids_select_summary *sum,
                             nids_err *err)
{
	nids_dataset *ds = NULL;
	char **rank = NULL, **kept = NULL;
	double *imp = NULL;
	int n = 0, rc = 0;
	nids_output *out[2] = { NULL, NULL }; /* the list, the permutation importances */
	*sum = (nids_select_summary){ 0, 0, 0, NAN, 0 };
	if (a->permutation || !isnan(a->corr))
		rc = read_input(a, &ds, err);
	if (!rc && a->importances)
		rc = nids_name_file_read(a->importances, &rank, &imp, &n, err);
	if (!rc && a->permutation)
		rc = permutation(a, ds, &rank, &n, &sum->auroc, &out[1], err);
	nids_select_opts so = { ds && !rank ? ds->features : rank, ds && !rank ? ds->d : n, a->top,
		                a->corr };
	sum->ranked = so.nrank;
	sum->rows = ds ? ds->n : 0;
	if (!rc)
		rc = nids_select_choose(&so, ds, &kept, &sum->kept, &sum->dropped, err);
	if (!rc && !(rc = nids_output_open(&out[0], a->output, 0, err))) {
		write_list(nids_output_file(out[0]), a, sum, kept);
		rc = nids_outputs_commit(out, 2, err); /* both or neither */
	}
	nids_outputs_abort(out, 2);
	if (!rc && !a->output)
		rc = nids_stdout_close(err);
	free_names(rank, n);
	free(imp);
	free(kept);
	nids_dataset_free(ds);
	return rc;
}
