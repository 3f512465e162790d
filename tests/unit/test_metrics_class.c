/* test_metrics_class.c: one class against the benign rows (GEE's table): hand-computed
 * values with a tie, and equality with the metrics of the subset built by hand. */
#include <stdlib.h>

#include "check.h"
#include "metrics_class_impl.h"

static nids_eval *collect(const float *s, const int *label, const int *cls, int n, int dir)
{
	nids_eval *e = nids_eval_new(dir);
	nids_err err = { 0 };
	for (int i = 0; i < n; i++)
		CHECK(nids_eval_add(e, s[i], label[i], cls[i], &err) == 0, "add %d", i);
	CHECK(nids_eval_sort(e, &err) == 0, "sort");
	return e;
}

static void test_hand(void)
{
	/* benign 0.1 0.2 0.5 (class 0); class 1: 0.5 0.9; class 2: 0.05, which A ignores */
	float s[] = { 0.1f, 0.5f, 0.2f, 0.9f, 0.5f, 0.05f };
	int label[] = { 0, 1, 0, 1, 0, 1 }, cls[] = { 0, 1, 0, 1, 0, 2 };
	nids_eval *e = collect(s, label, cls, 6, NIDS_DIR_HIGH);
	double auroc, auprc;
	nids_eval_vs_benign_auc(e, 1, &auroc, &auprc);
	CHECK_NEAR(auroc, 5.5 / 6, 1e-12);
	CHECK_NEAR(auprc, 0.5 + 0.5 * 2 / 3.0, 1e-12);
	nids_eval_vs_benign_auc(e, 2, &auroc, &auprc);
	CHECK(auroc == 0 && fabs(auprc - 0.25) < 1e-12, "class 2: %g %g", auroc, auprc);
	nids_eval_vs_benign_auc(e, 7, &auroc, &auprc);
	CHECK(isnan(auroc) && isnan(auprc), "absent class");
	nids_eval *sub;
	nids_err err = { 0 };
	CHECK(nids_eval_vs_benign(e, 1, &sub, &err) == 0, "subset");
	CHECK(nids_eval_rows(sub) == 5 && nids_eval_attacks(sub) == 2, "rows");
	CHECK_NEAR(nids_eval_auroc(sub), 5.5 / 6, 1e-12);
	nids_eval_free(sub);
	nids_eval_free(e);
}

/* Random scores with many ties, both directions: the one-walk values equal nids_eval's
 * on a subset collected directly. */
static void test_random(void)
{
	enum { N = 5000 };
	static float s[N], ss[N];
	static int label[N], cls[N], sl[N], sc[N];
	srand(3);
	for (int i = 0; i < N; i++) {
		cls[i] = rand() % 4; /* 0 benign, 3 a benign class too */
		label[i] = cls[i] == 1 || cls[i] == 2;
		s[i] = (float)(rand() % 200) / 10 + (float)cls[i] * (cls[i] < 3 ? 2.0f : 0.0f);
	}
	for (int dir = 0; dir < 2; dir++) {
		nids_eval *e = collect(s, label, cls, N, dir);
		for (int c = 1; c <= 2; c++) {
			int n = 0;
			for (int i = 0; i < N; i++)
				if (cls[i] == c || label[i] == 0)
					ss[n] = s[i], sl[n] = cls[i] == c, sc[n++] = cls[i];
			nids_eval *direct = collect(ss, sl, sc, n, dir);
			double auroc, auprc;
			nids_eval_vs_benign_auc(e, c, &auroc, &auprc);
			CHECK_NEAR(auroc, nids_eval_auroc(direct), 1e-12);
			CHECK_NEAR(auprc, nids_eval_auprc(direct), 1e-12);
			nids_eval *sub;
			nids_err err = { 0 };
			CHECK(nids_eval_vs_benign(e, c, &sub, &err) == 0, "subset");
			CHECK(nids_eval_auroc(sub) == nids_eval_auroc(direct) &&
			              nids_eval_auprc(sub) == nids_eval_auprc(direct),
			      "subset metrics differ");
			nids_eval_free(sub);
			nids_eval_free(direct);
		}
		nids_eval_free(e);
	}
}

int main(void)
{
	TEST(test_hand);
	TEST(test_random);
	return CHECK_DONE();
}
