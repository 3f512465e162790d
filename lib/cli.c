/* cli.c: shared flag handling for the programs' mains. */
#include "nids/cli.h"
#include "nids/feat.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "nids/io.h"
#include "metrics_impl.h"
#include "model_impl.h"
#include "nids/progress.h"
#include "nids/stream.h"

/* The line nids_cli_progress drew, so that nids_cli_usage_error can erase it first */
static nids_progress *shown;

int nids_cli_parse_long(const char *s, long lo, long hi, long *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int nids_cli_parse_double(const char *s, double lo, double hi, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void synopsis(const char *prog, const char *usage)
{
	const char *nl = strchr(usage, '\n');
	int len = nl ? (int)(nl - usage) : (int)strlen(usage);
	fprintf(stderr, "%.*s\ntry '%s --help'\n", len, usage, prog);
}

void nids_cli_usage_error(const char *prog, const char *usage, const char *fmt, ...)
{
	va_list ap;
	nids_cli_progress_end(shown);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	synopsis(prog, usage);
	exit(2);
}

void nids_cli_bad_option(const char *prog, const char *usage, char **argv, int c)
{
	const char *arg = argv[optind - 1];
	int is_long = arg && strncmp(arg, "--", 2) == 0;
	if (c == ':') {
		if (is_long)
			nids_cli_usage_error(prog, usage, "option '%s' needs a value", arg);
		nids_cli_usage_error(prog, usage, "option '-%c' needs a value", optopt);
	}
	if (!is_long || optopt)
		nids_cli_usage_error(prog, usage, "unknown option '-%c'", optopt);
	nids_cli_usage_error(prog, usage, "unknown option '%s'", arg);
}

/* Exits 0 when stdout took everything, else says so and exits 1 (--help > /dev/full). */
static void exit_stdout(const char *prog) __attribute__((noreturn));
static void exit_stdout(const char *prog)
{
	nids_err err = { 0 };
	if (nids_stdout_close(&err) < 0) {
		nids_err_print(prog, &err);
		exit(1);
	}
	exit(0);
}

/* nn_layers.c's, in the programs that link the linear algebra: a weak reference does not
 * pull it into the others, which would then load OpenBLAS and start its threads for
 * nothing. */
extern const char *nids_blas_core(void) __attribute__((weak));

void nids_cli_version(const char *prog)
{
	printf("%s %s (stream %d, model %d)\n", prog, NIDS_VERSION, NIDS_STREAM_MAJOR,
	       NIDS_MODEL_MAJOR);
	if (nids_blas_core) /* (what a trained model's last bits depend on) */
		printf("OpenBLAS kernels: %s\n", nids_blas_core());
	exit_stdout(prog);
}

void nids_cli_help(const char *usage)
{
	fputs(usage, stdout);
	/* the program's name is the usage text's second word: "usage: nids-fit ..." */
	char prog[64] = "nids";
	sscanf(usage, "usage: %63s", prog);
	exit_stdout(prog);
}

const char *nids_cli_output(const char *prog, const char *usage, const char *path)
{
	if (!*path)
		nids_cli_usage_error(prog, usage, "option '-o': empty file name");
	return path;
}

long nids_cli_long_or_die(const char *prog, const char *usage, const char *opt, const char *s,
                          long lo, long hi)
{
	long v;
	if (nids_cli_parse_long(s, lo, hi, &v))
		nids_cli_usage_error(prog, usage, "option '%s': '%s' is not a whole number from %ld to %ld",
		                     opt, s, lo, hi);
	return v;
}

double nids_cli_double_or_die(const char *prog, const char *usage, const char *opt,
                              const char *s, double lo, double hi)
{
	double v;
	if (nids_cli_parse_double(s, lo, hi, &v))
		nids_cli_usage_error(prog, usage, "option '%s': '%s' is not a number from %g to %g",
		                     opt, s, lo, hi);
	return v;
}

int nids_cli_split_list(char *s, char **items, int max)
{
	int n = 0;
	while (n < max) {
		items[n++] = s;
		char *c = strchr(s, ',');
		if (!c)
			break;
		*c = 0;
		s = c + 1;
	}
	return n;
}

int nids_cli_counts(const nids_cli_talk *t)
{
	return t->verbose || (!t->quiet && isatty(STDERR_FILENO));
}

static uint64_t reader_rows(const void *r) { return nids_reader_rows(r); }

nids_progress *nids_cli_progress(const char *prog, const nids_cli_talk *t, nids_input *in,
                                 nids_reader *r)
{
	if (!t->progress && (t->quiet || !isatty(STDERR_FILENO)))
		return NULL;
	nids_progress *p = nids_progress_new(stderr, prog);
	shown = p;
	if (r)
		nids_progress_set_rows(p, reader_rows, r);
	nids_input_set_progress(in, p);
	return p;
}

void nids_cli_progress_end(nids_progress *p)
{
	if (p && p == shown)
		shown = NULL;
	nids_progress_free(p);
}

int nids_cli_alarm_status(int exit_status, unsigned long long alarms)
{
	return exit_status && !alarms ? NIDS_EXIT_NO_ALARM : 0;
}

void nids_cli_common(const char *prog, const char *usage, char **argv, int c, nids_cli_talk *t)
{
	switch (c) {
	case 'q': t->quiet = 1, t->verbose = 0; break;
	case 'v': t->verbose = 1, t->quiet = 0; break;
	case NIDS_CLI_PROGRESS: t->progress = 1; break;
	case 'h': nids_cli_help(usage);
	case 'V': nids_cli_version(prog);
	default: nids_cli_bad_option(prog, usage, argv, c);
	}
}

int nids_cli_threads(const char *prog, const char *usage, const char *s)
{
	return (int)nids_cli_long_or_die(prog, usage, "-j", s, 1, NIDS_THREADS_MAX);
}

void nids_cli_direction(const char *prog, const char *usage, int *direction, int low)
{
	if (*direction >= 0)
		nids_cli_usage_error(prog, usage, "give one of --high and --low");
	*direction = low ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
}

int nids_cli_open_stream(const char *prog, const nids_cli_talk *t, char **paths, int n,
                         nids_input **in, nids_reader **r, nids_progress **p, nids_err *err)
{
	int rc = nids_input_open_files(in, (const char *const *)paths, n, 0, err);
	if (!rc)
		rc = nids_reader_open(r, *in, err);
	if (!rc)
		*p = nids_cli_progress(prog, t, *in, *r);
	return rc;
}

int nids_cli_open_inputs(const char *prog, const nids_cli_talk *t, char **paths, int n,
                         nids_input ***in, nids_progress **p, nids_err *err)
{
	static char *stdin_only[] = { "-" };
	if (n == 0) {
		paths = stdin_only;
		n = 1;
	}
	*p = NULL;
	*in = calloc((size_t)n, sizeof **in);
	int rc = *in ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < n; i++)
		rc = nids_input_open(&(*in)[i], paths[i], err);
	if (!rc)
		*p = nids_cli_progress_inputs(prog, t, *in, n);
	return rc;
}

const char *nids_cli_inputs_label(nids_input *const *in, int n, char *buf)
{
	if (n == 1)
		return nids_cli_input_label(in[0], buf, 32);
	snprintf(buf, 32, "%d files", n);
	return buf;
}

void nids_cli_check_format(const char *prog, const char *usage, const char *name, int allow_auto)
{
	int known = allow_auto && !strcmp(name, "auto");
	for (const char *const *n = nids_feat_format_names(); *n; n++)
		known |= !strcmp(*n, name);
	if (!known)
		nids_cli_usage_error(prog, usage, "unknown format '%s'", name);
}

void nids_cli_inputs_free(nids_input **in, int n)
{
	for (int i = 0; in && i < (n ? n : 1); i++)
		nids_input_free(in[i]);
	free(in);
}

const char *nids_cli_input_label(const nids_input *in, char *buf, int size)
{
	if (nids_input_files(in) <= 1)
		return nids_input_name(in);
	snprintf(buf, (size_t)size, "%d files", nids_input_files(in));
	return buf;
}

const char *nids_cli_usage_list(char *buf, size_t n, const char *fmt, const char *const *names)
{
	char list[512] = "";
	for (int i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "",
		         names[i]);
	snprintf(buf, n, fmt, list);
	return buf;
}

nids_progress *nids_cli_progress_inputs(const char *prog, const nids_cli_talk *t,
                                        nids_input *const *in, int n)
{
	nids_progress *progress = nids_cli_progress(prog, t, in[0], NULL);
	uint64_t total = 0;
	for (int i = 0; progress && i < n; i++) {
		uint64_t size = nids_input_total_bytes(in[i]);
		total = i > 0 && (!total || !size) ? 0 : total + size;
		if (i > 0)
			nids_input_set_progress(in[i], progress);
	}
	nids_progress_set_total(progress, total);
	return progress;
}
