/* test_metrics_multi.c: the multi-class report against hand-computed values (a class
 * never predicted, one never true, label rows read as benign/attack) and against
 * scikit-learn's classification_report and confusion_matrix on a random forest's
 * predictions for NSL-KDD (KDDTest+) and the CIC-IDS2017 improved sample (the
 * fixtures in tests/fixtures/multiclass/, made by make_expected.py), within 1e-12. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics_multi_impl.h"

#define DIR "tests/fixtures/multiclass/"

static const nids_mc_class *find(const nids_mc_report *r, const char *name)
{
	for (int i = 0; i < r->L; i++)
		if (!strcmp(r->cls[i].name, name))
			return &r->cls[i];
	return NULL;
}

static void test_hand(void)
{
	/* names: 0 a, 1 b, 2 c, 3 d (d never occurs); true a a a b b c, predicted a b c b b b */
	char *names[] = { "c", "a", "b", "d" };
	int truth[] = { 1, 1, 1, 2, 2, 0 }, pred[] = { 1, 2, 0, 2, 2, 2 };
	nids_mc_report *r;
	nids_err err = { 0 };
	CHECK(nids_mc_report_new(&r, truth, pred, 6, names, 4, names, 4, &err) == 0, "%s", err.msg);
	CHECK(r->L == 3 && !strcmp(r->cls[0].name, "a") && !strcmp(r->cls[2].name, "c"), "labels");
	/* a: P 1/1, R 1/3; b: P 2/4, R 2/2; c: P 0/1, R 0/1 */
	CHECK_NEAR(r->cls[0].precision, 1, 1e-15);
	CHECK_NEAR(r->cls[0].recall, 1 / 3.0, 1e-15);
	CHECK_NEAR(r->cls[0].f1, 0.5, 1e-15);
	CHECK_NEAR(r->cls[1].precision, 0.5, 1e-15);
	CHECK_NEAR(r->cls[1].f1, 2 / 3.0, 1e-15);
	CHECK(r->cls[2].f1 == 0 && r->cls[2].support == 1 && r->cls[2].predicted == 1, "c");
	CHECK_NEAR(r->accuracy, 3 / 6.0, 1e-15);
	CHECK_NEAR(r->macro.f1, (0.5 + 2 / 3.0) / 3, 1e-15);
	CHECK_NEAR(r->weighted.recall, 0.5, 1e-15);
	CHECK_NEAR(r->weighted.precision, (3 * 1 + 2 * 0.5) / 6, 1e-15);
	CHECK(r->cm[0] == 1 && r->cm[1] == 1 && r->cm[2] == 1 && r->cm[5] == 0 && r->cm[7] == 1,
	      "cm");
	nids_mc_report_free(r);

	/* a class predicted but never true: precision 0, recall 0 (no rows), in the macro
	   mean, weight 0 in the weighted one */
	char *t2[] = { "benign", "attack" }, *p2[] = { "benign", "attack", "neptune" };
	int tr[] = { 0, 1, 1 }, pr[] = { 0, 1, 2 };
	CHECK(nids_mc_report_new(&r, tr, pr, 3, t2, 2, p2, 3, &err) == 0, "%s", err.msg);
	const nids_mc_class *n = find(r, "neptune");
	CHECK(r->L == 3 && n && n->support == 0 && n->precision == 0 && n->recall == 0, "neptune");
	CHECK_NEAR(r->macro.recall, (1 + 0.5 + 0) / 3, 1e-15);
	CHECK_NEAR(r->weighted.recall, (1 + 2 * 0.5) / 3, 1e-15);
	nids_mc_report_free(r);

	int bad[] = { 5 };
	CHECK(nids_mc_report_new(&r, bad, pr, 1, t2, 2, p2, 3, &err) == NIDS_EFORMAT,
	      "id out of the table");
	CHECK(strstr(err.msg, "row 1: class id 5") != NULL, "%s", err.msg);
	int rc = nids_mc_report_new(&r, tr, pr, 0, t2, 2, p2, 3, &err);
	CHECK(rc == 0 && r->L == 0 && isnan(r->accuracy), "no rows");
	nids_mc_report_free(r);
}

/* Reads NAME.pairs into rows over one name table and checks NAME.expect. */
static void check_fixture(const char *name)
{
	char path[256], line[512];
	snprintf(path, sizeof path, DIR "%s.pairs", name);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "open %s", path);
	if (!f)
		return;
	char *names[256];
	int nn = 0, *t = NULL, *p = NULL;
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		char *a = strtok(line, "\t"), *b = strtok(NULL, "\t"), *c = strtok(NULL, "\n");
		int id[2];
		char *ab[2] = { a, b };
		for (int k = 0; k < 2; k++) {
			int j = 0;
			while (j < nn && strcmp(names[j], ab[k]))
				j++;
			if (j == nn)
				names[nn++] = strdup(ab[k]);
			id[k] = j;
		}
		long cnt = strtol(c, NULL, 10);
		t = realloc(t, sizeof(int) * (n + (size_t)cnt));
		p = realloc(p, sizeof(int) * (n + (size_t)cnt));
		for (long i = 0; i < cnt; i++, n++)
			t[n] = id[0], p[n] = id[1];
	}
	fclose(f);
	nids_mc_report *r;
	nids_err err = { 0 };
	CHECK(nids_mc_report_new(&r, t, p, n, names, nn, names, nn, &err) == 0, "%s", err.msg);
	snprintf(path, sizeof path, DIR "%s.expect", name);
	f = fopen(path, "r");
	CHECK(f != NULL, "open %s", path);
	int li = -1, checked = 0;
	while (f && fgets(line, sizeof line, f)) {
		char *k = strtok(line, "\t"), *v = strtok(NULL, "\n");
		double x = strtod(v, NULL);
		const nids_mc_class *c = li >= 0 && li < r->L ? &r->cls[li] : NULL;
		if (!strcmp(k, "rows"))
			CHECK(r->rows == (uint64_t)x, "rows %llu", (unsigned long long)r->rows);
		else if (!strcmp(k, "label")) {
			li++;
			CHECK(li < r->L && !strcmp(r->cls[li].name, v), "label %d: %s", li, v);
		}
		else if (!strcmp(k, "precision") && c)
			CHECK_NEAR(c->precision, x, 1e-12);
		else if (!strcmp(k, "recall") && c)
			CHECK_NEAR(c->recall, x, 1e-12);
		else if (!strcmp(k, "f1-score") && c)
			CHECK_NEAR(c->f1, x, 1e-12);
		else if (!strcmp(k, "support") && c)
			CHECK(c->support == (uint64_t)x, "%s support", c->name);
		else if (!strcmp(k, "cm") && c) {
			char *s = v;
			for (int j = 0; j < r->L; j++)
				CHECK(r->cm[(size_t)li * r->L + j] == strtoull(s, &s, 10), "cm %d %d", li, j);
		} else if (!strcmp(k, "accuracy"))
			CHECK_NEAR(r->accuracy, x, 1e-12);
		else if (!strcmp(k, "macro-precision"))
			CHECK_NEAR(r->macro.precision, x, 1e-12);
		else if (!strcmp(k, "macro-recall"))
			CHECK_NEAR(r->macro.recall, x, 1e-12);
		else if (!strcmp(k, "macro-f1-score"))
			CHECK_NEAR(r->macro.f1, x, 1e-12);
		else if (!strcmp(k, "weighted-precision"))
			CHECK_NEAR(r->weighted.precision, x, 1e-12);
		else if (!strcmp(k, "weighted-recall"))
			CHECK_NEAR(r->weighted.recall, x, 1e-12);
		else if (!strcmp(k, "weighted-f1-score"))
			CHECK_NEAR(r->weighted.f1, x, 1e-12);
		else
			CHECK(0, "unknown key '%s'", k);
		checked++;
	}
	CHECK(li == r->L - 1 && checked > 6 * r->L, "%s: %d of %d labels, %d lines", name, li + 1,
	      r->L, checked);
	if (f)
		fclose(f);
	nids_mc_report_free(r);
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(t), free(p);
}

static void test_sklearn_nslkdd(void)
{
	check_fixture("nslkdd_forest");
}

static void test_sklearn_cicids2017(void)
{
	check_fixture("cicids2017_forest");
}

int main(void)
{
	TEST(test_hand);
	TEST(test_sklearn_nslkdd);
	TEST(test_sklearn_cicids2017);
	return CHECK_DONE();
}
