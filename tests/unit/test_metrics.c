/* test_metrics.c: metrics and threshold fits against the scikit-learn and numpy values
 * committed in tests/fixtures/eval/ (the .expect files, made once by make_expected.py).
 *
 * With arguments it is also the CLI tests' maker of the random rows, so that they
 * need no Python and no 2 MB data file:
 *   test_metrics random N SEED > out.rec       make_expected.py's random rows */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "nids/format.h"
#include "nids/io.h"
#include "metrics_impl.h"
#include "nids/stream.h"
#include "threshold_impl.h"

#define DIR "tests/fixtures/eval/"

typedef struct rows {
	size_t n;
	float score[100000];
	int label[100000];
	int cls[100000];
	int nclasses;
	char names[16][64];
} rows;

static rows R;

static int class_id(rows *r, const char *name)
{
	for (int i = 0; i < r->nclasses; i++)
		if (strcmp(r->names[i], name) == 0)
			return i;
	snprintf(r->names[r->nclasses], sizeof r->names[0], "%.63s", name);
	return r->nclasses++;
}

static void load_tsv(rows *r, const char *path)
{
	memset(r, 0, sizeof *r);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL, "%s: %s", path, strerror(errno));
	if (!f)
		return;
	char line[256], name[64];
	if (!fgets(line, sizeof line, f))
		line[0] = 0;
	while (fscanf(f, "%f %d %63s", &r->score[r->n], &r->label[r->n], name) == 3) {
		r->cls[r->n] = class_id(r, name);
		r->n++;
	}
	fclose(f);
}

/* make_expected.py's splitmix64 rows */
static void make_random(rows *r, size_t n, uint64_t seed)
{
	static const char *names[4] = { "normal", "dos", "probe", "r2l" };
	memset(r, 0, sizeof *r);
	for (int i = 0; i < 4; i++)
		class_id(r, names[i]);
	uint64_t state = seed;
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (state += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		uint64_t x = z ^ (z >> 31);
		int attack = (x & 0xffff) < 19661;
		int k = (int)((x >> 32) & 0xfff);
		if (attack)
			k += (int)((x >> 44) & 0x7ff);
		r->score[i] = (float)((k - 2048) / 1024.0);
		r->label[i] = attack;
		r->cls[i] = attack ? 1 + (int)(((x >> 16) & 0xff) % 3) : 0;
	}
	r->n = n;
}

/* The value of "key" (a line "key value") in an .expect file; NAN when absent. */
static double expect(const char *file, const char *key)
{
	FILE *f = fopen(file, "r");
	char line[256];
	double v = NAN;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			v = strtod(line + kl + 1, NULL);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static int has_key(const char *file, const char *key)
{
	FILE *f = fopen(file, "r");
	char line[256];
	int found = 0;
	size_t kl = strlen(key);
	while (f && !found && fgets(line, sizeof line, f))
		found = strncmp(line, key, kl) == 0 && line[kl] == ' ';
	if (f)
		fclose(f);
	return found;
}

/* Equal, or both NaN. */
#define CHECK_SAME(a, b, tol)                                                          \
	CHECK((isnan(a) && isnan(b)) || fabs((a) - (b)) <= (tol) * fmax(1.0, fabs(b)),   \
	      "%s = %.17g, want %.17g", #a, (double)(a), (double)(b))

static nids_eval *eval_of(const rows *r, int dir)
{
	nids_eval *e = nids_eval_new(dir);
	nids_err err = { 0 };
	for (size_t i = 0; i < r->n; i++)
		CHECK(nids_eval_add(e, r->score[i], r->label[i], r->cls[i], &err) == 0, "%s",
		      err.msg);
	CHECK(nids_eval_sort(e, &err) == 0, "%s", err.msg);
	return e;
}

static void check_ranking(const rows *r, const char *ex, int dir)
{
	const char *sfx = dir == NIDS_DIR_LOW ? "_low" : "";
	char key[64];
	nids_eval *e = eval_of(r, dir);
	CHECK(nids_eval_rows(e) == (size_t)expect(ex, "rows"), "rows %zu", nids_eval_rows(e));
	CHECK(nids_eval_attacks(e) == (size_t)expect(ex, "attacks"), "attacks");
	CHECK(nids_eval_benign(e) == (size_t)expect(ex, "benign"), "benign");
	snprintf(key, sizeof key, "auroc%s", sfx);
	CHECK_SAME(nids_eval_auroc(e), expect(ex, key), 1e-12);
	snprintf(key, sizeof key, "auprc%s", sfx);
	CHECK_SAME(nids_eval_auprc(e), expect(ex, key), 1e-12);
	double f1, t;
	nids_eval_best_f1(e, &f1, &t);
	snprintf(key, sizeof key, "best_f1%s", sfx);
	CHECK_SAME(f1, expect(ex, key), 1e-12);
	snprintf(key, sizeof key, "best_f1_threshold%s", sfx);
	CHECK_SAME(t, expect(ex, key), 0);
	nids_eval_free(e);
}

static void check_confusion(const rows *r, const char *ex)
{
	nids_eval *e = eval_of(r, NIDS_DIR_HIGH);
	nids_confusion c;
	nids_class_count pc[16];
	nids_eval_confusion(e, expect(ex, "at"), &c, r->nclasses, pc);
	CHECK(c.tp == (uint64_t)expect(ex, "tp"), "tp %llu", (unsigned long long)c.tp);
	CHECK(c.fp == (uint64_t)expect(ex, "fp"), "fp %llu", (unsigned long long)c.fp);
	CHECK(c.tn == (uint64_t)expect(ex, "tn"), "tn %llu", (unsigned long long)c.tn);
	CHECK(c.fn == (uint64_t)expect(ex, "fn"), "fn %llu", (unsigned long long)c.fn);
	CHECK_SAME(c.precision, expect(ex, "precision"), 1e-15);
	CHECK_SAME(c.recall, expect(ex, "recall"), 1e-15);
	CHECK_SAME(c.f1, expect(ex, "f1"), 1e-15);
	CHECK_SAME(c.accuracy, expect(ex, "accuracy"), 1e-15);
	CHECK_SAME(c.fpr, expect(ex, "fpr"), 1e-15);
	for (int k = 0; k < r->nclasses; k++) {
		char key[64], line[256];
		snprintf(key, sizeof key, "class %s", r->names[k]);
		CHECK(has_key(ex, key), "no %s", key);
		snprintf(line, sizeof line, "%llu %llu", (unsigned long long)pc[k].rows,
		         (unsigned long long)pc[k].alarms);
		FILE *f = fopen(ex, "r");
		char got[256];
		int ok = 0;
		while (f && fgets(got, sizeof got, f))
			if (strncmp(got, key, strlen(key)) == 0 && got[strlen(key)] == ' ')
				ok = strncmp(got + strlen(key) + 1, line, strlen(line)) == 0;
		if (f)
			fclose(f);
		CHECK(ok, "%s: got rows/alarms %s", key, line);
	}
	nids_eval_free(e);
}

static void fit(const nids_eval *e, int rule, double p, double want, double tol)
{
	nids_threshold t = { 0 };
	nids_err err = { 0 };
	CHECK(nids_threshold_fit(e, rule, p, &t, &err) == 0, "%s", err.msg);
	CHECK(fabs(t.value - want) <= tol * fmax(1, fabs(want)), "rule %d (%g): %.17g, want %.17g",
	      rule, p, t.value, want);
}

static void check_fits(const rows *r, const char *ex)
{
	static const double ps[] = { 0, 1.2, 25, 50, 90, 98, 99.9, 100 };
	nids_eval *hi = eval_of(r, NIDS_DIR_HIGH), *lo = eval_of(r, NIDS_DIR_LOW);
	char key[64];
	nids_threshold t;
	nids_err err = { 0 };
	if (!has_key(ex, "percentile 0")) {
		CHECK(nids_threshold_fit(hi, NIDS_FIT_PERCENTILE, 50, &t, &err) == NIDS_EFORMAT,
		      "percentile");
		CHECK(strcmp(err.msg, "no benign rows to fit a threshold on") == 0, "%s", err.msg);
		CHECK(nids_threshold_fit(lo, NIDS_FIT_SIGMA, 3, &t, &err) == NIDS_EFORMAT, "sigma");
	}
	for (size_t i = 0; i < sizeof ps / sizeof ps[0] && has_key(ex, "percentile 0"); i++) {
		snprintf(key, sizeof key, "percentile %g", ps[i]);
		/* numpy's own lerp, so the same double, in either direction */
		fit(hi, NIDS_FIT_PERCENTILE, ps[i], expect(ex, key), 0);
		fit(lo, NIDS_FIT_PERCENTILE, ps[i], expect(ex, key), 0);
	}
	if (has_key(ex, "sigma 3")) {
		fit(hi, NIDS_FIT_SIGMA, 3, expect(ex, "sigma 3"), 1e-13);
		fit(lo, NIDS_FIT_SIGMA, 3, expect(ex, "sigma_low 3"), 1e-13);
	}
	fit(hi, NIDS_FIT_RATE, 0.1, expect(ex, "rate 0.1"), 0);
	fit(lo, NIDS_FIT_RATE, 0.1, expect(ex, "rate_low 0.1"), 0);
	nids_eval_free(hi);
	nids_eval_free(lo);
}

static void run_case(const char *name)
{
	char tsv[128], ex[128];
	snprintf(tsv, sizeof tsv, DIR "%s.tsv", name);
	snprintf(ex, sizeof ex, DIR "%s.expect", name);
	load_tsv(&R, tsv);
	CHECK(R.n > 0, "%s: no rows", tsv);
	check_ranking(&R, ex, NIDS_DIR_HIGH);
	check_ranking(&R, ex, NIDS_DIR_LOW);
	check_confusion(&R, ex);
	check_fits(&R, ex);
}

static void test_ties(void) { run_case("ties"); }
static void test_benign_only(void) { run_case("benign-only"); }
static void test_attack_only(void) { run_case("attack-only"); }

static void test_random_1e5(void)
{
	const char *ex = DIR "random.expect";
	make_random(&R, 100000, 42);
	check_ranking(&R, ex, NIDS_DIR_HIGH);
	check_ranking(&R, ex, NIDS_DIR_LOW);
	check_confusion(&R, ex);
	check_fits(&R, ex);
}

/* The sort must order every kind of float: negatives, zeros of both signs, infinities. */
static void test_sort_order(void)
{
	static const float s[] = { 3, -INFINITY, -0.0f, 1e-38f, INFINITY, -2.5f, 0.0f, -1e-38f, 7 };
	static const float want_hi[] = { INFINITY, 7, 3, 1e-38f, 0, 0, -1e-38f, -2.5f, -INFINITY };
	nids_eval *e = nids_eval_new(NIDS_DIR_HIGH), *l = nids_eval_new(NIDS_DIR_LOW);
	nids_err err = { 0 };
	size_t n = sizeof s / sizeof s[0];
	for (size_t i = 0; i < n; i++) {
		CHECK(nids_eval_add(e, s[i], (int)i % 2, (int)i, &err) == 0, "%s", err.msg);
		CHECK(nids_eval_add(l, s[i], (int)i % 2, (int)i, &err) == 0, "%s", err.msg);
	}
	nids_eval_sort(e, &err);
	nids_eval_sort(l, &err);
	for (size_t i = 0; i < n; i++) {
		CHECK(nids_eval_score_at(e, i) == want_hi[i], "high %zu: %g", i,
		      nids_eval_score_at(e, i));
		CHECK(nids_eval_score_at(l, i) == want_hi[n - 1 - i], "low %zu: %g", i,
		      nids_eval_score_at(l, i));
	}
	/* stable: the two zeros keep their input order (rows 2 and 6) */
	CHECK(nids_eval_class_at(e, 4) == 2 && nids_eval_class_at(e, 5) == 6, "zeros %d %d",
	      nids_eval_class_at(e, 4), nids_eval_class_at(e, 5));
	nids_eval_free(e);
	nids_eval_free(l);
}

static void test_bad_rows(void)
{
	nids_eval *e = nids_eval_new(NIDS_DIR_HIGH);
	nids_err err = { 0 };
	CHECK(nids_eval_add(e, NAN, 0, 0, &err) == NIDS_EFORMAT, "nan accepted");
	CHECK(strcmp(err.msg, "score is nan") == 0, "%s", err.msg);
	CHECK(nids_eval_add(e, 1, 2, 0, &err) == NIDS_EFORMAT, "label 2 accepted");
	CHECK(strcmp(err.msg, "label 2 is not 0 or 1") == 0, "%s", err.msg);
	CHECK(nids_eval_add(e, 1, 1, 0, &err) == 0, "%s", err.msg);
	CHECK(nids_eval_add(e, 1, NIDS_EVAL_UNLABELED, 0, &err) == NIDS_EUSAGE, "mixed");
	nids_eval_sort(e, &err);
	CHECK(nids_eval_add(e, 1, 1, 0, &err) == NIDS_EUSAGE, "add after sort");
	nids_eval_free(e);
	nids_eval_free(NULL);
}

static void test_unlabeled_fits(void)
{
	nids_eval *e = nids_eval_new(NIDS_DIR_HIGH);
	nids_err err = { 0 };
	for (int i = 1; i <= 5; i++)
		nids_eval_add(e, (float)i, NIDS_EVAL_UNLABELED, NIDS_EVAL_NO_CLASS, &err);
	nids_eval_sort(e, &err);
	CHECK(!nids_eval_labeled(e) && nids_eval_attacks(e) == 0, "labeled?");
	fit(e, NIDS_FIT_PERCENTILE, 50, 3, 0); /* all rows are the reference */
	fit(e, NIDS_FIT_PERCENTILE, 90, 4.6, 1e-15);
	nids_threshold t;
	CHECK(nids_threshold_fit(e, NIDS_FIT_BEST_F1, 0, &t, &err) == NIDS_EFORMAT, "best-f1");
	CHECK(strcmp(err.msg, "--best-f1 needs a label column") == 0, "%s", err.msg);
	CHECK(isnan(nids_eval_auroc(e)), "auroc of unlabeled");
	nids_eval_free(e);
	e = nids_eval_new(NIDS_DIR_HIGH);
	nids_eval_sort(e, &err);
	CHECK(nids_threshold_fit(e, NIDS_FIT_PERCENTILE, 50, &t, &err) == NIDS_EFORMAT, "empty");
	CHECK(strcmp(err.msg, "no scored rows to fit a threshold on") == 0, "%s", err.msg);
	nids_eval_free(e);
}

/* Infinite scores: a percentile on or next to one is that score (numpy's lerp gives
 * nan there); what stays undefined (sigma, between -inf and inf) is an error, as a
 * threshold file cannot hold nan. */
static void test_infinite_fits(void)
{
	static const double x[] = { -INFINITY, 1, 2, INFINITY, INFINITY };
	CHECK(nids_percentile(x + 3, 2, 50) == INFINITY, "between inf and inf");
	CHECK(nids_percentile(x + 1, 4, 0) == 1, "on 1, next to inf");
	CHECK(nids_percentile(x + 1, 3, 75) == INFINITY, "between 2 and inf");
	CHECK(nids_percentile(x, 3, 25) == -INFINITY, "between -inf and 1");
	CHECK(isnan(nids_percentile(x, 5, 30)) == 0 && isnan(nids_percentile((double[]){ -INFINITY,
	      INFINITY }, 2, 50)), "between -inf and inf");
	nids_eval *e = nids_eval_new(NIDS_DIR_HIGH);
	nids_err err = { 0 };
	for (int i = 0; i < 5; i++)
		nids_eval_add(e, i < 2 ? INFINITY : (float)i, 0, NIDS_EVAL_NO_CLASS, &err);
	nids_eval_sort(e, &err);
	nids_threshold t;
	CHECK(nids_threshold_fit(e, NIDS_FIT_PERCENTILE, 90, &t, &err) == 0 && t.value == INFINITY,
	      "percentile 90: %g", t.value);
	CHECK(nids_threshold_fit(e, NIDS_FIT_RATE, 0.3, &t, &err) == 0 && t.value == INFINITY,
	      "rate 0.3: %g", t.value);
	CHECK(nids_threshold_fit(e, NIDS_FIT_SIGMA, 3, &t, &err) == NIDS_EFORMAT, "sigma of inf");
	CHECK(strcmp(err.msg, "sigma 3: the threshold is nan (the benign scores include infinite "
	             "ones)") == 0, "%s", err.msg);
	nids_eval_free(e);
}

static unsigned XXH32_of(const char *s) { return XXH32(s, strlen(s), 0); }

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_threshold_file(void)
{
	char path[] = "/tmp/nids-thr-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	FILE *f = fdopen(fd, "w");
	nids_threshold t = { .value = 0.1 + 0.2, .direction = NIDS_DIR_LOW, .rows = 7 };
	strcpy(t.score, "log likelihood");
	strcpy(t.method, "percentile 1.2");
	nids_err err = { 0 };
	CHECK(nids_threshold_write(f, path, &t, &err) == 0, "%s", err.msg);
	fclose(f);
	nids_threshold u;
	CHECK(nids_threshold_read(path, &u, &err) == 0, "%s", err.msg);
	CHECK(u.value == t.value && u.direction == NIDS_DIR_LOW && u.rows == 7, "round trip");
	CHECK(strcmp(u.score, "log likelihood") == 0, "score '%s'", u.score);
	CHECK(strcmp(u.method, "percentile 1.2") == 0, "method '%s'", u.method);

	/* a changed value breaks the checksum */
	FILE *g = fopen(path, "r+");
	fseek(g, 27, SEEK_SET); /* the value's first digit */
	fputc('9', g);
	fclose(g);
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_ECHECKSUM, "%s", err.msg);
	write_text(path, "nids-threshold 2\nthreshold 1\n");
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_EVERSION, "%s", err.msg);
	CHECK(strstr(err.msg, "version 2 is not supported") != NULL, "%s", err.msg);
	write_text(path, "threshold 1\n");
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_EFORMAT, "%s", err.msg);
	write_text(path, "nids-threshold 1\nthreshold 1\n");
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_ETRUNCATED, "%s", err.msg);
	/* a well-formed file with a bad value names the line */
	const char *body = "nids-threshold 1\nthreshold abc\ndirection high\nscore score\n";
	char text[256];
	snprintf(text, sizeof text, "%sxxh32 %08x\n", body, XXH32_of(body));
	write_text(path, text);
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_EFORMAT, "%s", err.msg);
	CHECK(strstr(err.where, ":2") && strcmp(err.msg, "threshold 'abc' is not a number") == 0,
	      "%s: %s", err.where, err.msg);
	/* so is a number followed by other text, checksum valid or not */
	body = "nids-threshold 1\nthreshold 2.5x\ndirection high\nscore score\n";
	snprintf(text, sizeof text, "%sxxh32 %08x\n", body, XXH32_of(body));
	write_text(path, text);
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_EFORMAT, "2.5x: %s", err.msg);
	CHECK(strstr(err.where, ":2") && strcmp(err.msg, "threshold '2.5x' is not a number") == 0,
	      "%s: %s", err.where, err.msg);
	unlink(path);
	CHECK(nids_threshold_read(path, &u, &err) == NIDS_EIO, "missing file");
}

/* Every one-byte change of a threshold file is caught, never read as a value. */
static void test_threshold_file_flips(void)
{
	char path[] = "/tmp/nids-thr-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");
	nids_threshold t = { .value = 2.5, .direction = NIDS_DIR_HIGH, .rows = 12 };
	strcpy(t.score, "score");
	strcpy(t.method, "sigma 3");
	nids_err err = { 0 };
	CHECK(nids_threshold_write(f, path, &t, &err) == 0, "%s", err.msg);
	fflush(f);
	long len = ftell(f);
	int accepted = 0;
	for (long i = 0; i < len; i++) {
		unsigned char c;
		fseek(f, i, SEEK_SET);
		c = (unsigned char)fgetc(f);
		fseek(f, i, SEEK_SET);
		fputc(c ^ 1, f);
		fflush(f);
		nids_threshold u;
		if (nids_threshold_read(path, &u, &err) == 0) {
			accepted++;
			printf("# byte %ld flipped and accepted\n", i);
		}
		fseek(f, i, SEEK_SET);
		fputc(c, f);
		fflush(f);
	}
	CHECK(accepted == 0, "%d flips accepted", accepted);
	nids_threshold u;
	CHECK(nids_threshold_read(path, &u, &err) == 0 && u.value == 2.5, "restored: %s", err.msg);
	fclose(f);
	unlink(path);
}

/* Thresholds compare in float32, as numpy compares a float32 array with a float. */
static void test_alarm_rounding(void)
{
	CHECK(nids_is_alarm(0.1f, 0.1, NIDS_DIR_LOW), "0.1f <= 0.1");
	CHECK(nids_is_alarm(0.1f, 0.1, NIDS_DIR_HIGH), "0.1f >= 0.1");
	CHECK(!nids_is_alarm(0.1f, 0.1000001, NIDS_DIR_HIGH), "0.1f >= 0.1000001");
	CHECK(nids_is_alarm(3e38f, 1e39, NIDS_DIR_LOW), "saturates to +inf");
	CHECK(!nids_is_alarm(3e38f, 1e39, NIDS_DIR_HIGH), "nothing reaches +inf");
	CHECK(nids_is_alarm(-3e38f, -1e39, NIDS_DIR_HIGH), "saturates to -inf");
	CHECK(!nids_is_alarm(1, NAN, NIDS_DIR_HIGH) && !nids_is_alarm(1, NAN, NIDS_DIR_LOW), "nan");
}

static void test_format_double(void)
{
	char b[32];
	CHECK(strcmp(nids_format_double(b, 0.3), "0.3") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, 0.1 + 0.2), "0.30000000000000004") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, (double)0.9f), "0.8999999761581421") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, NAN), "nan") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, -INFINITY), "-inf") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, 1e300), "1e+300") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, 50), "50") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, -123456), "-123456") == 0, "%s", b);
	CHECK(strcmp(nids_format_double(b, 1e-7), "1e-07") == 0, "%s", b);
}

/* ---- stream makers for the CLI tests ---- */

static int write_rows(const nids_header *h, const float *v, size_t nrows, FILE *out)
{
	nids_writer *w;
	nids_err err = { 0 };
	if (nids_writer_open(&w, out, "-", h, 0, &err) || nids_writer_write(w, v, nrows, &err) ||
	    nids_writer_close(w, &err)) {
		nids_err_print("test_metrics", &err);
		return 1;
	}
	return fflush(out) != 0;
}

static int random_rec(size_t n, uint64_t seed, FILE *out)
{
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "score", NIDS_ROLE_SCORE, NULL);
	nids_header_add_column(h, "label", NIDS_ROLE_LABEL, NULL);
	nids_header_add_column(h, "class", NIDS_ROLE_CLASS, NULL);
	make_random(&R, n, seed);
	for (int i = 0; i < R.nclasses; i++)
		nids_header_add_class(h, R.names[i]);
	float *v = malloc(n * 3 * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		v[3 * i] = R.score[i];
		v[3 * i + 1] = (float)R.label[i];
		v[3 * i + 2] = (float)R.cls[i];
	}
	int rc = write_rows(h, v, n, out);
	free(v);
	nids_header_free(h);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "random") == 0 && atol(argv[2]) > 0 &&
	    atol(argv[2]) <= 100000)
		return random_rec((size_t)atol(argv[2]), strtoull(argv[3], NULL, 10), stdout);
	TEST(test_ties);
	TEST(test_benign_only);
	TEST(test_attack_only);
	TEST(test_random_1e5);
	TEST(test_sort_order);
	TEST(test_bad_rows);
	TEST(test_unlabeled_fits);
	TEST(test_infinite_fits);
	TEST(test_threshold_file);
	TEST(test_threshold_file_flips);
	TEST(test_alarm_rounding);
	TEST(test_format_double);
	return CHECK_DONE();
}
