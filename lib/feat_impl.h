/* feat_impl.h: what a featurizer format implements, and the helpers they share.
 * Internal to lib/: one file per format (feat_kdd.c, feat_cic.c, ...), each defining
 * one feat_format that lib/feat.c lists in its format table. */
#ifndef NIDS_FEAT_IMPL_H
#define NIDS_FEAT_IMPL_H

#include "csvin_impl.h"
#include "nids/feat.h"
#include "nids/stream.h"

typedef struct feat_ctx {
	const nids_feat_opts *o;
	nids_feat_stats *st;
	nids_header *h;  /* the output columns: built by the format's init */
	nids_writer *w;  /* open once init returns */
	nids_csv *csv;
	const char *in_name;
	int nfields;     /* fields every data record must have; 0 = the format checks */
	/* the last name feat_class and feat_is_benign were asked about, and their answers:
	 * labels come in runs, and a string compare beats a search */
	char class_memo[64], benign_memo[64];
	int class_memo_id, benign_memo_val;
	/* feat_label's last label text alone (no class text) and its two outputs */
	char label_memo[64];
	size_t label_memo_len; /* 0: none */
	float label_memo_label, label_memo_class;
	/* the last time text of the identifiers and its value: a second's flows share it */
	char time_memo[40];
	size_t time_memo_len; /* 0: none */
	int64_t time_memo_us;
	unsigned char *meta; /* the row's metadata [h->meta_width], filled by the driver and
	                        the format's row function */
} feat_ctx;

/* The identifier fields of a flow record, each an input field index or -1, and where
 * their metadata columns sit in a row's metadata. */
enum { FEAT_ID_TIME, FEAT_ID_SRC, FEAT_ID_SPORT, FEAT_ID_DST, FEAT_ID_DPORT, FEAT_ID_PROTO,
       FEAT_NIDS };
typedef struct feat_ids {
	int field[FEAT_NIDS];
	int off[FEAT_NIDS];
	int type_code; /* an ICMP destination port may be nfdump's type.code (ugr16, nfdump) */
} feat_ids;

/* Returned by a format's row function for records it did not turn into a row. */
#define FEAT_SKIP_HEADER 1 /* a header line repeated inside the data */
#define FEAT_DROPPED 2     /* dropped by a policy (already counted in the stats) */

typedef struct feat_format {
	const char *name;
	/* How sure the format is that the file's first record is its own: 0 no, 1 could
	 * be, 2 sure. */
	int (*detect)(const nids_csv_record *first);
	/* Builds fc->h (and sets fc->nfields) from the first record. Returns 1 when that
	 * record was a header line, 0 when it is data to convert, or a negative code. */
	int (*init)(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err);
	/* Fills row (fc->h->ncols values). Returns 0, FEAT_SKIP_HEADER, FEAT_DROPPED or a
	 * negative code (NIDS_EFORMAT for a bad record, which --skip-bad may skip). */
	int (*row)(feat_ctx *fc, void *state, const nids_csv_record *rec, float *row,
	           nids_err *err);
	/* After the last record; may be NULL. */
	int (*finish)(feat_ctx *fc, void *state, nids_err *err);
	/* Frees the state; may be NULL. */
	void (*free_state)(void *state);
	/* The feature set the rows have, when another format's (models trained on either
	 * score both); NULL for the format's own. */
	const char *features;
} feat_format;

extern const feat_format feat_nslkdd, feat_kdd99;
extern const feat_format feat_cic, feat_ugr16, feat_nfdump, feat_netflow, feat_csv;

/* ---- lib/feat_fields.c: the helpers every format shares ---- */

/* "file:line" of the record being converted. */
const char *feat_where(feat_ctx *fc);

/* Field i (0-based) of rec as a number, or NIDS_EFORMAT naming the field. */
int feat_number(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what, double *out,
                nids_err *err);

/* 6 or 17 for "TCP" or "UDP" as nfdump writes them (most flows), else 0: the one test
 * before a protocol table is searched. */
static inline int feat_tcp_udp(const char *s, size_t n)
{
	if (n != 3 || s[2] != 'P')
		return 0;
	return s[0] == 'T' && s[1] == 'C' ? 6 : s[0] == 'U' && s[1] == 'D' ? 17 : 0;
}

/* Whether s [n] (not terminated) spells name, ignoring ASCII case: strncasecmp's answer
 * and name's length, without the call. */
static inline int feat_same_name(const char *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)name[i];
		a = a >= 'A' && a <= 'Z' ? a + 32 : a;
		b = b >= 'A' && b <= 'Z' ? b + 32 : b;
		if (a != b || !b)
			return 0;
	}
	return !name[n];
}

/* The class id for name, adding it to the output's class table when new. */
int feat_class(feat_ctx *fc, const char *name, nids_err *err);

/* Non-zero for the benign label values: normal, benign, background (any case), and
 * those in o->benign. */
int feat_is_benign(feat_ctx *fc, const char *label);

/* A fixed categorical vocabulary, sorted by strcmp for binary search. */
typedef struct feat_vocab {
	const char *column;        /* the input column, used as the output name prefix */
	const char *const *values; /* sorted */
	int n;
} feat_vocab;

/* Adds columns "column=value" for each value and "column=_other" after them. */
int feat_add_onehot(feat_ctx *fc, const feat_vocab *v, nids_err *err);

/* Sets the one-hot group at row[0 .. n] for value: its slot, or the _other slot
 * (counted in the stats; an error in strict mode). */
int feat_onehot(feat_ctx *fc, const feat_vocab *v, const char *value, float *row, int field,
                nids_err *err);

/* Adds a column, turning a duplicate name into an error naming the input. */
int feat_add_column(feat_ctx *fc, const char *name, int role, nids_err *err);

/* Adds an id metadata column of the type; its index among the metadata columns. */
int feat_add_meta_column(feat_ctx *fc, const char *name, int type, nids_err *err);

/* A converter of one record into a row (a format's row function has this form). */
typedef int (*feat_row_fn)(feat_ctx *fc, void *state, const nids_csv_record *rec, float *row,
                           nids_err *err);
/* Takes a converted row and its record number in this input; returns 0 or a code. */
typedef int (*feat_emit_fn)(feat_ctx *fc, void *arg, const float *row, uint64_t recno,
                            nids_err *err);

/* The record loop over fc->csv's records, beginning with *first when non-NULL (a record
 * already read): counts each one, checks its field count against fc->nfields (when not
 * 0), converts it with conv(fc, state, rec, row) and hands each row to emit(fc, arg) with
 * its record number in this input (header lines repeated inside the data are not
 * numbered; dropped records are). A bad record (NIDS_EFORMAT) is counted and noted in
 * the stats under --skip-bad and ends the loop otherwise. Returns 0 at the end of the
 * input, or a negative code. */
int feat_records(feat_ctx *fc, const nids_csv_record *first, feat_row_fn conv, void *state,
                 float *row, feat_emit_fn emit, void *arg, nids_err *err);

/* ---- lib/feat_fields.c: helpers of the header-ed formats (cic, ugr16, netflow, csv) ---- */

/* The key header names are matched by: ASCII letters lowercased, digits and '/' kept,
 * everything else dropped, so " Flow Bytes/s", "flow_bytes/s" and "FLOW BYTES/S" agree.
 * Writes at most n - 1 characters and a NUL. */
void feat_name_key(const char *name, char *key, size_t n);

/* Index of the first field of hdr whose key equals one of aliases (NULL-terminated, in
 * key form), or -1. */
int feat_find_field(const nids_csv_record *hdr, const char *const *aliases);

/* Non-zero when name's key equals the key of an item of the comma-separated list. */
int feat_in_list(const char *list, const char *name);

/* Checks that every item of the comma-separated list (a flag's value) names a field of
 * hdr; NIDS_EUSAGE naming the first that does not. */
int feat_check_list(feat_ctx *fc, const nids_csv_record *hdr, const char *list, const char *flag,
                    nids_err *err);

/* Field i as a float under the Infinity/NaN/empty policy: such a value is replaced by
 * o->nonfinite_value and counted in *nonfinite; a finite number beyond float32's range
 * (1e400 too) is stored as feat_f32_slow says. Returns 0, or NIDS_EFORMAT for text that
 * is not a number (naming the field and what). */
int feat_measure_slow(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what,
                      float *out, int *nonfinite, nids_err *err);
/* Inline, since it runs on every field: the common case is one parse and a store. */
static inline int feat_measure(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what,
                               float *out, int *nonfinite, nids_err *err)
{
	double v;
	if (nids_parse_float(rec->fields[i], rec->lens[i], &v) == 0 && v <= 3.4028234663852886e38 &&
	    v >= -3.4028234663852886e38) {
		*out = (float)v;
		return 0;
	}
	return feat_measure_slow(fc, rec, i, what, out, nonfinite, err);
}

/* v, parsed from field i, as a float32 when it is beyond float32's range or not finite:
 * a finite number beyond the range (1e39, or 1e400, which strtod makes an infinity) is
 * the largest float32 of its sign and counted in fc->st->clamped; inf, infinity and nan
 * stay what they are. */
float feat_f32_slow(feat_ctx *fc, const nids_csv_record *rec, int i, double v);
/* v as a float32, as feat_f32_slow says, on the rare path only. */
static inline float feat_f32(feat_ctx *fc, const nids_csv_record *rec, int i, double v)
{
	if (__builtin_expect(__builtin_fabs(v) <= 3.4028234663852886e38, 1))
		return (float)v;
	return feat_f32_slow(fc, rec, i, v);
}

/* Ends a record's policy: with o->drop_nonfinite and nonfinite > 0 the record is
 * counted as dropped and FEAT_DROPPED returned; otherwise the replacements are counted
 * and 0 returned. */
int feat_nonfinite_done(feat_ctx *fc, int nonfinite);

/* Seconds since the epoch for "YYYY-MM-DD HH:MM:SS[.frac]" or "D/M/YYYY H:MM[:SS][ AM|PM]"
 * (CICFlowMeter), taken as UTC. Returns 0, or -1 when s is neither or names a day its
 * month lacks. */
int feat_parse_time(const char *s, double *out);

/* Label and class of a record from its label text (and an optional class text, else
 * NULL): a number is taken as the label (0 or 1 only; class "benign" or "attack"
 * unless class_text is given), text goes through feat_is_benign and is the class.
 * Returns 0 or a negative code. */
int feat_label(feat_ctx *fc, const char *label, size_t len, const char *class_text,
               float *label_out, float *class_out, nids_err *err);

/* The same without the class table: *class_name is lent (label, class_text or a
 * constant). */
int feat_label_text(feat_ctx *fc, const char *label, size_t len, const char *class_text,
                    float *label_out, const char **class_name, nids_err *err);

/* ---- lib/feat_ids.c: identifier metadata (time, addresses, ports, protocol) ---- */

/* Sets every field of ids to -1 (absent). */
void feat_ids_init(feat_ids *ids);

/* Adds the metadata columns time, src_addr, sport, dst_addr, dport, proto for the
 * fields ids names (unless --no-ids). Returns 0 or a negative code. */
int feat_ids_add(feat_ctx *fc, feat_ids *ids, nids_err *err);

/* Parses the record's identifier fields into fc->meta. Returns 0 or NIDS_EFORMAT naming
 * the field and the value. */
int feat_ids_fill(feat_ctx *fc, const feat_ids *ids, const nids_csv_record *rec, nids_err *err);

/* Field f of rec as a port: a whole number 0..65535 (0 when empty) or, when proto_field
 * (the protocol's field, -1 for a source port) says ICMP or ICMPv6, nfdump's "type.code"
 * as type * 256 + code. Returns the port, or -1 for anything else (a dot elsewhere). */
int feat_port_number(const nids_csv_record *rec, int f, int proto_field);

/* An IP protocol number for a name (TCP, udp, ICMP6, ...) or a number; -1 when neither. */
int feat_proto_number(const char *s, size_t len);

/* ---- lib/feat_vocab_file.c: the csv format's saved vocabularies (--fit-vocab, --vocab) ---- */

/* One-hot groups with owned strings; values sorted by strcmp and unique. */
typedef struct feat_vocab_file {
	int n;
	feat_vocab *groups;
} feat_vocab_file;

/* Writes v to path atomically (a temporary renamed on success); with pending not NULL,
 * leaves it written and not committed in *pending. Returns 0 or a code. */
int feat_vocab_write(const char *path, const feat_vocab_file *v, struct nids_output **pending,
                     nids_err *err);

/* Reads path into *v (free with feat_vocab_file_free). Returns 0, or NIDS_EIO,
 * NIDS_EFORMAT (not a vocabulary file, bad syntax), NIDS_EVERSION, NIDS_ETRUNCATED or
 * NIDS_ECHECKSUM, with err naming path:line. */
int feat_vocab_read(const char *path, feat_vocab_file *v, nids_err *err);

void feat_vocab_file_free(feat_vocab_file *v);

/* Non-zero when r is a raw (header-less, 13-field) UGR'16 record: lib/feat_ugr16.c. */
int feat_ugr16_raw(const nids_csv_record *r);

/* NIDS_EUSAGE when an option of the csv format (--label, --class, --onehot, --vocab,
 * --fit-vocab; --drop unless drop_ok) was given to this format, else 0. */
int feat_refuse_csv_options(feat_ctx *fc, const char *format, int drop_ok, nids_err *err);

/* Non-zero when every field of rec is empty (CIC-IDS2017 day files end in such lines). */
int feat_all_empty(const nids_csv_record *rec);

#endif
