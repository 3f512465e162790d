/* roc.c: nids-roc's evaluation and its reports (table, JSON, curve points, SVG). */
#include "nids/roc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_impl.h"
#include "nids/format.h"
#include "nids/io.h"
#include "metrics_multi_impl.h"
#include "metrics_class_impl.h"
#include "scored_impl.h"
#include "svg_density_impl.h"
#include "svg_plot_impl.h"

struct nids_roc {
	const nids_header *h;
	int score_col;
	nids_eval *e;
	double auroc, auprc, best_f1, best_t, at;
	char at_source[128]; /* "best F1", "--threshold" or the threshold file's method */
	nids_confusion c;
	nids_class_count *per_class;
	int vs_benign;
};

/* Prints a number for JSON: shortest round-trip digits, null for NaN and infinities. */
static void jnum(FILE *out, const char *key, double v, const char *after)
{
	char b[32];
	fprintf(out, "\"%s\": %s%s", key, isfinite(v) ? nids_format_double(b, v) : "null", after);
}

static void print_json(const nids_roc *r, FILE *out)
{
	const nids_confusion *c = &r->c;
	fprintf(out, "{\"rows\": %zu, \"benign\": %zu, \"attacks\": %zu, ", nids_eval_rows(r->e),
	       nids_eval_benign(r->e), nids_eval_attacks(r->e));
	jnum(out, "auroc", r->auroc, ", ");
	jnum(out, "auprc", r->auprc, ", ");
	jnum(out, "best_f1", r->best_f1, ", ");
	jnum(out, "best_f1_threshold", r->best_t, ",\n ");
	jnum(out, "threshold", r->at, ", ");
	fprintf(out, "\"threshold_source\": ");
	nids_json_string(out, r->at_source);
	fprintf(out, ", \"tp\": %llu, \"fp\": %llu, \"tn\": %llu, \"fn\": %llu, ",
	       (unsigned long long)c->tp, (unsigned long long)c->fp, (unsigned long long)c->tn,
	       (unsigned long long)c->fn);
	jnum(out, "precision", c->precision, ", ");
	jnum(out, "recall", c->recall, ", ");
	jnum(out, "f1", c->f1, ", ");
	jnum(out, "accuracy", c->accuracy, ", ");
	jnum(out, "fpr", c->fpr, ",\n \"classes\": [");
	int first = 1;
	for (int k = 0; k < r->h->nclasses; k++) {
		const nids_class_count *pc = &r->per_class[k];
		if (!pc->rows)
			continue;
		fprintf(out, "%s\n  {\"name\": ", first ? "" : ",");
		nids_json_string(out, r->h->classes[k]);
		fprintf(out, ", \"rows\": %llu, \"attacks\": %llu, \"alarms\": %llu, ",
		       (unsigned long long)pc->rows, (unsigned long long)pc->attacks,
		       (unsigned long long)pc->alarms);
		jnum(out, "alarm_rate", (double)pc->alarms / (double)pc->rows, "}");
		first = 0;
	}
	fprintf(out, "%s]", first ? "" : "\n ");
	if (r->vs_benign) {
		fprintf(out, ",\n \"vs_benign\": [");
		first = 1;
		for (int k = 0; k < r->h->nclasses; k++) {
			double auroc, auprc;
			if (!r->per_class[k].attacks)
				continue;
			nids_eval_vs_benign_auc(r->e, k, &auroc, &auprc);
			fprintf(out, "%s\n  {\"name\": ", first ? "" : ",");
			nids_json_string(out, r->h->classes[k]);
			fprintf(out, ", \"rows\": %llu, ", (unsigned long long)r->per_class[k].rows);
			jnum(out, "auroc", auroc, ", ");
			jnum(out, "auprc", auprc, "}");
			first = 0;
		}
		fprintf(out, "%s]", first ? "" : "\n ");
	}
	fprintf(out, "}\n");
}

static void print_table(const nids_roc *r, FILE *out, const char *label)
{
	const nids_confusion *c = &r->c;
	fprintf(out, "input       %s\nrows        %zu\nbenign      %zu\nattacks     %zu\n", label,
	       nids_eval_rows(r->e), nids_eval_benign(r->e), nids_eval_attacks(r->e));
	fprintf(out, "AUROC       %.6f\nAUPRC       %.6f\n", r->auroc, r->auprc);
	fprintf(out, "best F1     %.6f at threshold %.9g\n", r->best_f1, r->best_t);
	fprintf(out, "threshold   %.9g (%s)\n", r->at, r->at_source);
	fprintf(out, "precision   %.6f\nrecall      %.6f\nF1          %.6f\naccuracy    %.6f\n"
	       "FPR         %.6f\n", c->precision, c->recall, c->f1, c->accuracy, c->fpr);
	fprintf(out, "\n%-12s %14s %14s\n", "", "called benign", "called attack");
	fprintf(out, "%-12s %14llu %14llu\n", "benign", (unsigned long long)c->tn,
	       (unsigned long long)c->fp);
	fprintf(out, "%-12s %14llu %14llu\n", "attack", (unsigned long long)c->fn,
	       (unsigned long long)c->tp);
	int any = 0;
	for (int k = 0; k < r->h->nclasses; k++) {
		const nids_class_count *pc = &r->per_class[k];
		if (!pc->rows)
			continue;
		if (!any++)
			fprintf(out, "\n%-20s %-7s %12s %12s %10s\n", "class", "label", "rows", "alarms",
			       "rate");
		const char *kind = pc->attacks == pc->rows ? "attack"
		                   : pc->attacks           ? "mixed"
		                                           : "benign";
		fprintf(out, "%-20s %-7s %12llu %12llu %10.6f\n", r->h->classes[k], kind,
		       (unsigned long long)pc->rows, (unsigned long long)pc->alarms,
		       (double)pc->alarms / (double)pc->rows);
	}
	any = 0;
	for (int k = 0; r->vs_benign && k < r->h->nclasses; k++) {
		double auroc, auprc;
		if (!r->per_class[k].attacks)
			continue;
		if (!any++)
			fprintf(out, "\n%-20s %12s %10s %10s\n", "class vs benign", "rows", "AUROC",
			        "AUPRC");
		nids_eval_vs_benign_auc(r->e, k, &auroc, &auprc);
		fprintf(out, "%-20s %12llu %10.6f %10.6f\n", r->h->classes[k],
		        (unsigned long long)r->per_class[k].rows, auroc, auprc);
	}
}

static void print_curve(const nids_roc *r, FILE *out, int roc)
{
	double P = (double)nids_eval_attacks(r->e), N = (double)nids_eval_benign(r->e);
	char a[32], b[32], t[32];
	fprintf(out, "%s\n", roc ? "threshold\tfpr\ttpr" : "threshold\trecall\tprecision");
	if (roc)
		fprintf(out, "%s\t0\t0\n", nids_eval_direction(r->e) == NIDS_DIR_LOW ? "-inf" : "inf");
	size_t at = 0;
	nids_eval_point pt;
	while (nids_eval_next_point(r->e, &at, &pt)) {
		double x = roc ? pt.fp / N : pt.tp / P;
		double y = roc ? pt.tp / P : (double)pt.tp / (double)(pt.tp + pt.fp);
		fprintf(out, "%s\t%s\t%s\n", nids_format_double(t, pt.threshold),
		       nids_format_double(a, x), nids_format_double(b, y));
	}
}

/* Keeps the rows of class cls and the benign rows alone. */
static int only_class(const char *cls, nids_roc *res, const char *name, nids_err *err)
{
	int k = 0;
	while (k < res->h->nclasses && strcmp(res->h->classes[k], cls))
		k++;
	if (k == res->h->nclasses) {
		char known[512] = "";
		for (int i = 0; i < res->h->nclasses; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
			         i ? ", " : "", res->h->classes[i]);
		return nids_err_set(err, NIDS_EUSAGE, name, "unknown class '%s' (the stream has: %s)",
		                    cls, known);
	}
	nids_eval *sub;
	int rc = nids_eval_vs_benign(res->e, k, &sub, err);
	if (rc)
		return rc;
	nids_eval_free(res->e);
	res->e = sub;
	return 0;
}

/* Reads the scores and labels of the stream into res->e. */
static int load(nids_roc *res, nids_reader *r, const char *name, const nids_roc_opts *o,
                nids_err *err)
{
	const nids_threshold *t = o->params;
	const char *score = o->score ? o->score : t ? t->score : NULL;
	nids_scored_cols c;
	int rc = nids_scored_find(res->h, score, t ? t->direction : o->direction, &c, name, err);
	if (rc)
		return rc;
	if (c.label < 0)
		return nids_err_set(err, NIDS_EFORMAT, name, "no label column (role label); metrics "
		                                             "need to know which rows are attacks");
	res->score_col = c.score;
	if (!(res->e = nids_eval_new(c.direction)))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if ((rc = nids_scored_load(r, &c, res->e, name, err)))
		return rc;
	return o->cls ? only_class(o->cls, res, name, err) : 0;
}

/* A curve's points divide by the benign count (fpr) and the attack count (tpr,
 * recall): with none of either there is no curve, where the metrics print nan and
 * the SVG panels say "undefined". */
static int check_curve(const nids_roc *res, const nids_roc_opts *o, const char *name,
                       nids_err *err)
{
	int roc = o->report == NIDS_ROC_CURVE_ROC;
	if (!roc && o->report != NIDS_ROC_CURVE_PR)
		return 0;
	const char *curve = roc ? "ROC" : "precision-recall";
	if (roc && !nids_eval_benign(res->e))
		return nids_err_set(err, NIDS_EFORMAT, name, "no benign rows: the ROC curve is "
		                    "undefined");
	if (!nids_eval_attacks(res->e) && o->cls)
		return nids_err_set(err, NIDS_EFORMAT, name, "no rows of class '%s': the %s curve "
		                    "is undefined", o->cls, curve);
	if (!nids_eval_attacks(res->e))
		return nids_err_set(err, NIDS_EFORMAT, name, "no attack rows: the %s curve is "
		                    "undefined", curve);
	return 0;
}

int nids_roc_evaluate(nids_roc **resp, nids_reader *r, const char *name, const nids_roc_opts *o,
                      nids_err *err)
{
	*resp = NULL;
	nids_roc *res = calloc(1, sizeof *res);
	if (!res)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	res->h = nids_reader_header(r);
	res->vs_benign = o->vs_benign;
	int rc = load(res, r, name, o, err);
	if (!rc)
		rc = check_curve(res, o, name, err);
	if (!rc) {
		const nids_threshold *t = o->params;
		res->auroc = nids_eval_auroc(res->e);
		res->auprc = nids_eval_auprc(res->e);
		nids_eval_best_f1(res->e, &res->best_f1, &res->best_t);
		res->at = t ? t->value : !isnan(o->threshold) ? o->threshold : res->best_t;
		snprintf(res->at_source, sizeof res->at_source, "%s",
		         t ? t->method : !isnan(o->threshold) ? "--threshold" : "best F1");
		res->per_class = calloc((size_t)res->h->nclasses + 1, sizeof *res->per_class);
		if (!res->per_class)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	if (rc) {
		nids_roc_free(res);
		return rc;
	}
	nids_eval_confusion(res->e, res->at, &res->c, res->h->nclasses, res->per_class);
	*resp = res;
	return 0;
}

const char *nids_roc_warning(const nids_roc *res)
{
	if (!nids_eval_benign(res->e) && nids_eval_attacks(res->e))
		return "no benign rows; AUROC is undefined (nan)";
	if (!nids_eval_attacks(res->e))
		return "no attack rows; AUROC, AUPRC and best F1 are undefined (nan)";
	return NULL;
}

static int write_report(const nids_roc *res, int kind, FILE *f, const char *name,
                        const char *label, int bins, nids_err *err)
{
	char title[300];
	snprintf(title, sizeof title, "nids-roc: %.200s, score '%.60s'", label,
	         res->h->cols[res->score_col].name);
	nids_svg_opts so = { title, (const char *const *)res->h->classes, res->h->nclasses, res->at,
		             bins };
	switch (kind) {
	case NIDS_ROC_TABLE: print_table(res, f, label); return 0;
	case NIDS_ROC_JSON: print_json(res, f); return 0;
	case NIDS_ROC_CURVE_ROC: case NIDS_ROC_CURVE_PR: print_curve(res, f, kind == NIDS_ROC_CURVE_ROC); return 0;
	case NIDS_ROC_SVG: return nids_svg_plot(f, name, res->e, &so, err);
	default: return nids_svg_density(f, name, res->e, &so, err);
	}
}

int nids_roc_save(const nids_roc *res, const nids_roc_opts *o, const char *label, int bins,
                  nids_err *err)
{
	/* the report, the plots, the densities: all written before any is committed, the
	   report (standard output, most often) first, so that a run that fails leaves none */
	const int kind[3] = { o->report, o->svg ? NIDS_ROC_SVG : -1, o->density ? NIDS_ROC_DENSITY : -1 };
	const char *path[3] = { o->output, o->svg, o->density };
	nids_output *out[3] = { NULL, NULL, NULL };
	int rc = 0;
	for (int i = 0; i < 3 && !rc; i++)
		if (kind[i] >= 0 && !(rc = nids_output_open(&out[i], path[i], 0, err)))
			rc = write_report(res, kind[i], nids_output_file(out[i]), path[i], label, bins, err);
	if (!rc)
		rc = nids_outputs_commit(out, 3, err);
	nids_outputs_abort(out, 3);
	return rc;
}

void nids_roc_free(nids_roc *res)
{
	if (!res)
		return;
	nids_eval_free(res->e);
	free(res->per_class);
	free(res);
}

int nids_roc_check(nids_roc_opts *o, nids_err *err)
{
	int svg_out = o->svg && strcmp(o->svg, "-") == 0;
	if (o->curve && strcmp(o->curve, "roc") != 0 && strcmp(o->curve, "pr") != 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--curve': '%s' is not roc or pr",
		                    o->curve);
	if (o->truth && strcmp(o->truth, "class") != 0 && strcmp(o->truth, "label") != 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "option '--truth': '%s' is not class or label", o->truth);
	if (o->json && o->curve)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "give one of --json and --curve");
	if (svg_out && (o->json || o->curve))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--svg - writes the picture to stdout; it "
		                    "cannot share it with --%s", o->json ? "json" : "curve");
	if (o->params_file && !isnan(o->threshold))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "give one of -p and --threshold");
	if (svg_out && o->output)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--svg - writes the picture to stdout; -o "
		                    "has nothing to write");
	if (o->truth && !o->multiclass)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--truth goes with --multiclass");
	if (o->multiclass && (o->curve || o->params_file || !isnan(o->threshold) || o->cls ||
	                      o->vs_benign || o->density || o->score || o->direction >= 0))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--multiclass evaluates predicted classes: "
		                    "it takes no scores, thresholds, curves or densities");
	o->report = o->json ? NIDS_ROC_JSON : !o->curve ? (svg_out ? -1 : NIDS_ROC_TABLE)
	          : strcmp(o->curve, "roc") ? NIDS_ROC_CURVE_PR : NIDS_ROC_CURVE_ROC;
	return 0;
}

/* The columns of --multiclass: the predicted classes and the true ones. */
static int mc_columns(const nids_header *h, const char *truth_name, const char *name, int *pred,
                      int *truth, nids_err *err)
{
	*pred = nids_header_find(h, "pred"), *truth = -1;
	if (*pred < 0 || h->cols[*pred].role != NIDS_ROLE_CLASS)
		return nids_err_set(err, NIDS_EFORMAT, name, "no column 'pred' of role class (add it "
		                    "with nids-score --predict)");
	for (int i = 0; i < h->ncols && *truth < 0; i++)
		if (i != *pred && h->cols[i].role == NIDS_ROLE_CLASS &&
		    (!truth_name || !strcmp(truth_name, "class")))
			*truth = i;
	if (*truth < 0 && (!truth_name || !strcmp(truth_name, "label")))
		*truth = nids_header_find_role(h, NIDS_ROLE_LABEL);
	if (*truth < 0)
		return nids_err_set(err, NIDS_EFORMAT, name, "no %s column to take the true classes "
		                    "from", truth_name ? truth_name : "class or label");
	return 0;
}

int nids_roc_multiclass(nids_reader *r, const char *name, const nids_roc_opts *o,
                        nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	nids_mc_report *rep = NULL;
	/* the report and the plot: both written before either is committed, the report
	   (standard output, most often) first, so that a run that fails leaves neither */
	nids_output *out[2] = { NULL, NULL };
	int pred, truth, rc = mc_columns(h, o->truth, name, &pred, &truth, err);
	if (!rc)
		rc = nids_mc_read(r, truth, pred, name, &rep, err);
	if (!rc && o->svg) {
		char title[300];
		snprintf(title, sizeof title, "nids-roc: %.200s, '%s' against '%s'", name,
		         h->cols[pred].name, h->cols[truth].name);
		if (!(rc = nids_output_open(&out[1], o->svg, 0, err)))
			rc = nids_mc_svg(nids_output_file(out[1]), o->svg, rep, title, err);
	}
	if (!rc && (!o->svg || strcmp(o->svg, "-")) && !(rc = nids_output_open(&out[0], o->output, 0, err))) {
		if (o->json)
			nids_mc_print_json(nids_output_file(out[0]), rep);
		else
			nids_mc_print_text(nids_output_file(out[0]), rep, name);
	}
	if (!rc)
		rc = nids_outputs_commit(out, 2, err);
	nids_outputs_abort(out, 2);
	nids_mc_report_free(rep);
	return rc;
}
