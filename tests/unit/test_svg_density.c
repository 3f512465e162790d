/* test_svg_density.c: Scott's bandwidth and the Gaussian KDE against their formulas,
 * and the panels of a small stream. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "svg_density_impl.h"

static void test_kde(void)
{
	double x[3] = { 1, 2, 4 };
	double h = nids_kde_bandwidth(x, 3);
	CHECK_NEAR(h, sqrt(7.0 / 3) * pow(3, -0.2), 1e-12);
	for (double t = -3; t <= 9; t += 0.5) {
		double want = 0;
		for (int i = 0; i < 3; i++)
			want += exp(-0.5 * (t - x[i]) * (t - x[i]) / (h * h));
		want /= 3 * h * sqrt(2 * M_PI);
		/* the 9-bandwidth window leaves out terms below exp(-40.5) */
		CHECK(fabs(nids_kde_at(x, 3, h, t) - want) <= 1e-15 + 1e-12 * want, "t %g", t);
	}
	double one[1] = { 5 }, same[4] = { 2, 2, 2, 2 };
	CHECK(nids_kde_bandwidth(one, 1) == 0 && nids_kde_bandwidth(same, 4) == 0, "degenerate");
}

static void test_panels(void)
{
	nids_eval *e = nids_eval_new(NIDS_DIR_HIGH);
	nids_err err = { 0 };
	for (int i = 0; i < 200; i++)
		nids_eval_add(e, (float)(i % 17) / 10, 0, 0, &err);
	for (int i = 0; i < 30; i++)
		nids_eval_add(e, 2 + (float)(i % 5) / 10, 1, 1, &err);
	nids_eval_add(e, 3, 1, 2, &err); /* one row: a spike */
	CHECK(nids_eval_sort(e, &err) == 0, "sort");
	const char *names[] = { "background", "dos", "scan" };
	nids_svg_opts o = { "t", names, 3, 1.5, 60 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(nids_svg_density(f, "mem", e, &o, &err) == 0, "%s", err.msg);
	fclose(f);
	CHECK(strstr(buf, ">benign vs dos</text>") && strstr(buf, ">benign vs scan</text>"),
	      "panels");
	CHECK(strstr(buf, "dos (n=30, bw ") && strstr(buf, "benign (n=200, bw "), "legends");
	CHECK(!strstr(buf, "nan") && !strstr(buf, "inf"), "no nan in the picture");
	free(buf);
	nids_eval_free(e);

	e = nids_eval_new(NIDS_DIR_HIGH);
	nids_eval_add(e, 1, 0, 0, &err);
	nids_eval_sort(e, &err);
	f = open_memstream(&buf, &len);
	CHECK(nids_svg_density(f, "mem", e, &o, &err) == NIDS_EFORMAT, "no attacks");
	fclose(f);
	free(buf);
	nids_eval_free(e);
}

/* Infinite scores have no density: left out, a class with none finite draws no curve.
 * Equal scores past 2^53, where widening by one moves nothing, still get a range. */
static void test_extremes(void)
{
	static const float benign[][4] = { { 1, 2, INFINITY, 3 }, { 1e30f, 1e30f, 1e30f, 1e30f },
		                           { -INFINITY, -INFINITY, -INFINITY, -INFINITY } };
	static const float attack[][3] = { { 4, 5, -INFINITY }, { 1e30f, 1e30f, 1e30f },
		                           { INFINITY, INFINITY, INFINITY } };
	const char *names[] = { "normal", "dos" };
	for (int c = 0; c < 3; c++) {
		nids_eval *e = nids_eval_new(NIDS_DIR_HIGH);
		nids_err err = { 0 };
		for (int i = 0; i < 4; i++)
			nids_eval_add(e, benign[c][i], 0, 0, &err);
		for (int i = 0; i < 3; i++)
			nids_eval_add(e, attack[c][i], 1, 1, &err);
		CHECK(nids_eval_sort(e, &err) == 0, "sort");
		nids_svg_opts o = { "t", names, 2, c == 1 ? 1e30 : 2.5, 60 };
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		CHECK(nids_svg_density(f, "mem", e, &o, &err) == 0, "%s", err.msg);
		fclose(f);
		CHECK(!strstr(buf, "nan") && !strstr(buf, "inf"), "case %d: a non-finite number", c);
		CHECK(c != 0 || (strstr(buf, "benign (n=3, ") && strstr(buf, "dos (n=2, ")),
		      "the finite scores counted");
		free(buf);
		nids_eval_free(e);
	}
}

int main(void)
{
	TEST(test_kde);
	TEST(test_panels);
	TEST(test_extremes);
	return CHECK_DONE();
}
