/* metrics_class.c: one class against the benign rows alone (GEE's evaluation). */
#include "metrics_class_impl.h"

#include <math.h>

int nids_eval_vs_benign(const nids_eval *e, int cls, nids_eval **sub, nids_err *err)
{
	*sub = NULL;
	if (!nids_eval_labeled(e))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "rows without labels have no benign side");
	nids_eval *s = nids_eval_new(nids_eval_direction(e));
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	size_t n = nids_eval_rows(e);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int c = nids_eval_class_at(e, i), l = nids_eval_label_at(e, i);
		if (c == cls || (l == 0 && c != cls))
			rc = nids_eval_add(s, nids_eval_score_at(e, i), c == cls ? 1 : 0, c, err);
	}
	if (!rc)
		rc = nids_eval_sort(s, err);
	if (rc) {
		nids_eval_free(s);
		return rc;
	}
	*sub = s;
	return 0;
}

void nids_eval_vs_benign_auc(const nids_eval *e, int cls, double *auroc, double *auprc)
{
	size_t n = nids_eval_rows(e);
	double P = 0, N = 0;
	for (size_t i = 0; i < n; i++) {
		int c = nids_eval_class_at(e, i);
		P += c == cls;
		N += c != cls && nids_eval_label_at(e, i) == 0;
	}
	*auroc = *auprc = NAN;
	if (P == 0)
		return;
	/* walk tie groups from the most anomalous: positives beat the negatives below
	 * them, and half of those tied with them (Mann-Whitney); AP adds each group's
	 * recall step times the precision there */
	double u = 0, ap = 0, tp = 0, fp = 0;
	for (size_t i = 0, j; i < n; i = j) {
		float s = nids_eval_score_at(e, i);
		double p = 0, q = 0;
		for (j = i; j < n && nids_eval_score_at(e, j) == s; j++) {
			int c = nids_eval_class_at(e, j);
			p += c == cls;
			q += c != cls && nids_eval_label_at(e, j) == 0;
		}
		u += p * (N - fp - q) + 0.5 * p * q;
		tp += p;
		fp += q;
		if (p > 0)
			ap += p / P * tp / (tp + fp);
	}
	*auprc = ap;
	if (N > 0)
		*auroc = u / (P * N);
}
