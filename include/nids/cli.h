/* cli.h: what every program's main shares: checked number parsing, the usage and
 * version lines, and the unknown-option message. These print and exit: they are
 * for cmd/ only, never called from library logic. */
#ifndef NIDS_CLI_H
#define NIDS_CLI_H

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

/* Prints "prog 0.1.0 (stream 1, model 1)" to stdout and exits 0. */
void nids_cli_version(const char *prog) __attribute__((noreturn));

/* Prints err as "prog: where: msg" to stderr and exits with its code (1, or 2 for a
 * usage error). */
struct nids_err;
void nids_cli_fail(const char *prog, const struct nids_err *err) __attribute__((noreturn));

/* Prints the usage text to stdout and exits 0. */
void nids_cli_help(const char *usage) __attribute__((noreturn));

/* Parses a number-flag or exits 2 with "prog: option '--name': 'value' is not ...". */
long nids_cli_long_or_die(const char *prog, const char *usage, const char *opt, const char *s,
                          long lo, long hi);
double nids_cli_double_or_die(const char *prog, const char *usage, const char *opt,
                              const char *s, double lo, double hi);

/* Splits a comma-separated list in place into at most max items; returns the count.
 * Empty items are kept as "". */
int nids_cli_split_list(char *s, char **items, int max);

#endif
