/* check.h: the unit tests' whole framework. CHECK counts and reports failures with
 * file:line; TEST runs one test function and prints a TAP line for tests/run.sh; CHECK_DONE ends
 * with the plan. */
#ifndef NIDS_CHECK_H
#define NIDS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures_total;
static int check_failures_now;
static int check_tests_run;
static const char *check_skip_now; /* why the running test skipped itself, or NULL */

#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stdout, "# %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, \
			        #cond);                                           \
			fprintf(stdout, __VA_ARGS__);                             \
			fputc('\n', stdout);                                      \
			check_failures_now++;                                     \
		}                                                                 \
	} while (0)

/* Near-equality for floating results: |a-b| <= tol * max(1, |b|). */
#define CHECK_NEAR(a, b, tol)                                                     \
	CHECK(fabs((double)(a) - (double)(b)) <= (tol) * fmax(1.0, fabs((double)(b))), \
	      "%s = %.12g, want %.12g (tol %g)", #a, (double)(a), (double)(b), (double)(tol))

/* Ends the running test as skipped (TAP's "# SKIP reason"), from its own function. */
#define SKIP(reason)                                                              \
	do {                                                                      \
		check_skip_now = (reason);                                        \
		return;                                                           \
	} while (0)

#define TEST(fn)                                                                  \
	do {                                                                      \
		check_failures_now = 0;                                           \
		check_skip_now = NULL;                                            \
		fn();                                                             \
		check_tests_run++;                                                \
		printf("%s %d - %s: %s%s%s\n", check_failures_now ? "not ok" : "ok", \
		       check_tests_run, __FILE__, #fn,                            \
		       check_skip_now ? " # SKIP " : "",                          \
		       check_skip_now ? check_skip_now : "");                     \
		check_failures_total += check_failures_now != 0;                  \
		fflush(stdout);                                                   \
	} while (0)

/* The TAP plan, printed last (tests/run.sh compares it with the results), and the exit
 * status. */
#define CHECK_DONE() (printf("1..%d\n", check_tests_run), check_failures_total ? 1 : 0)

#endif
