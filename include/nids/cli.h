/* cli.h: what every program's main shares: checked number parsing, the usage and
 * version lines, and the unknown-option message. These print and exit: they are
 * for cmd/ only, never called from library logic.
 * Public API of libnids. */
#ifndef NIDS_CLI_H
#define NIDS_CLI_H

#include <stddef.h>

struct nids_err;

#define NIDS_VERSION "0.2.0"

/* Parses a whole string as an integer in [lo, hi]. Returns 0, or -1 if it is not
 * one (trailing junk, out of range). */
int nids_cli_parse_long(const char *s, long lo, long hi, long *out);

/* Parses a whole string as a finite number in [lo, hi]. Returns 0 or -1. */
int nids_cli_parse_double(const char *s, double lo, double hi, double *out);

/* Prints "prog: <message>", the synopsis line and "try 'prog --help'" to stderr,
 * then exits 2. synopsis is the usage text's first line. */
void nids_cli_usage_error(const char *prog, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* For getopt_long's '?' (unknown option) and ':' (missing value; optstrings start
 * with ':'): names the option, prints the synopsis, exits 2. c is what getopt returned. */
void nids_cli_bad_option(const char *prog, const char *usage, char **argv, int c)
	__attribute__((noreturn));

/* Prints "prog 0.1.0 (stream 1, model 1)" to stdout and exits 0, or 1 with "prog: write
 * error: ..." on stderr when stdout cannot take it. */
void nids_cli_version(const char *prog) __attribute__((noreturn));

/* Prints the usage text (which starts "usage: prog") to stdout and exits 0, or 1 with
 * "prog: write error: ..." on stderr when stdout cannot take it. */
void nids_cli_help(const char *usage) __attribute__((noreturn));

/* -o's file: path, or exits 2 with "prog: option '-o': empty file name" at once (an
 * empty path would otherwise fail only when the finished output is renamed). */
const char *nids_cli_output(const char *prog, const char *usage, const char *path);

/* Parses a number-flag or exits 2 with "prog: option '--name': 'value' is not ...". */
long nids_cli_long_or_die(const char *prog, const char *usage, const char *opt, const char *s,
                          long lo, long hi);
double nids_cli_double_or_die(const char *prog, const char *usage, const char *opt,
                              const char *s, double lo, double hi);

/* ---- what a program says on stderr, and what its exit status says ----
 * -q quiet, -v verbose (zstd's habits): a run's counts (rows read, kept, skipped) go to
 * stderr when -v is given, or when stderr is a terminal and -q is not; a live progress
 * line is drawn when stderr is a terminal and -q is not, or when --progress forces it. */
typedef struct nids_cli_talk {
	int quiet;    /* -q, --quiet (the later of -q and -v wins) */
	int verbose;  /* -v, --verbose */
	int progress; /* --progress: draw the progress line even when stderr is not a terminal */
} nids_cli_talk;

/* Non-zero when the run's counts should be printed on stderr. */
int nids_cli_counts(const nids_cli_talk *t);

/* Attaches a progress line to in, counting the rows of r (NULL: bytes only), when t
 * asks for one (see above). Returns it, or NULL when there is none; the caller ends it
 * with nids_cli_progress_end before printing anything else on stderr and before
 * freeing in (nids_cli_usage_error ends it itself). */
struct nids_input;
struct nids_reader;
struct nids_progress;
struct nids_progress *nids_cli_progress(const char *prog, const nids_cli_talk *t,
                                        struct nids_input *in, struct nids_reader *r);

/* Erases and frees a progress line from nids_cli_progress. Accepts NULL. */
void nids_cli_progress_end(struct nids_progress *p);

/* The exit status of a run that ended without error, for programs that find alarms and
 * take -e (--exit-status, as jq -e and grep): without -e (exit_status 0), 0; with it,
 * 0 when at least one row alarmed and NIDS_EXIT_NO_ALARM when none did. Errors stay 1
 * and usage errors 2. */
#define NIDS_EXIT_NO_ALARM 3
int nids_cli_alarm_status(int exit_status, unsigned long long alarms);

/* ---- the flags and steps every main shares ---- */

/* The getopt_long value of --progress, the same in every program that takes it. */
#define NIDS_CLI_PROGRESS 0x7000

/* Handles what getopt_long returned for a flag every program shares: -q and -v (the
 * later wins) and --progress set t; -h prints the usage and exits 0; -V the version;
 * anything else is an unknown option or a missing value (nids_cli_bad_option, exit 2). */
void nids_cli_common(const char *prog, const char *usage, char **argv, int c, nids_cli_talk *t);

/* -j: a whole number from 1 to NIDS_THREADS_MAX (model.h), or exits 2. */
int nids_cli_threads(const char *prog, const char *usage, const char *s);

/* --high or --low (low non-zero) into *direction (NIDS_DIR_*), or exits 2 when the other
 * was given already (*direction starts at -1). */
void nids_cli_direction(const char *prog, const char *usage, int *direction, int low);

/* Opens the n paths (none: stdin) as one record stream: *in and *r, and the progress
 * line *p when t asks for one (see nids_cli_progress). Returns 0 or a negative code; on
 * failure what was opened stays in *in and *r for the caller to free. */
int nids_cli_open_stream(const char *prog, const nids_cli_talk *t, char **paths, int n,
                         struct nids_input **in, struct nids_reader **r,
                         struct nids_progress **p, struct nids_err *err);

/* The input as counts name it: its name, or "N files" (written into buf, 32 bytes or
 * more) when there are several. */
const char *nids_cli_input_label(const struct nids_input *in, char *buf, int size);

/* A usage text from the template fmt, whose one "%s" receives names (NULL-terminated,
 * e.g. a table's format names) joined by spaces; written into buf (n bytes). Returns
 * buf, so that the list in --help cannot drift from the table. */
const char *nids_cli_usage_list(char *buf, size_t n, const char *fmt, const char *const *names);

/* Attaches one progress line (when t asks for one) to the n inputs read one after
 * another, with their summed size as the total when every one has a size. Returns it,
 * or NULL; end it with nids_cli_progress_end. */
struct nids_progress *nids_cli_progress_inputs(const char *prog, const nids_cli_talk *t,
                                               struct nids_input *const *in, int n);

/* Opens the n paths (none: stdin) as n separate inputs, for programs that read each
 * file as its own CSV: *in [max(n, 1)] (NULL entries for what was not opened), with one
 * progress line *p over them as nids_cli_progress_inputs makes it. Returns 0 or a
 * negative code; free with nids_cli_inputs_free(*in, n) in either case. */
int nids_cli_open_inputs(const char *prog, const nids_cli_talk *t, char **paths, int n,
                         struct nids_input ***in, struct nids_progress **p,
                         struct nids_err *err);
void nids_cli_inputs_free(struct nids_input **in, int n);

/* The n inputs as counts name them: the one input's label (nids_cli_input_label), or
 * "N files" written into buf [32]. */
const char *nids_cli_inputs_label(struct nids_input *const *in, int n, char *buf);

/* Exits 2 with a usage error unless name is one of nids-featurize's formats (or "auto"
 * where allow_auto). */
void nids_cli_check_format(const char *prog, const char *usage, const char *name, int allow_auto);

/* Splits a comma-separated list in place into at most max items; returns the count.
 * Empty items are kept as "". */
int nids_cli_split_list(char *s, char **items, int max);

#endif
