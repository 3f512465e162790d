/* feat_ugr16.c: UGR'16 netflow records (ugr16).
 *
 * The raw files have no header and 13 fields: te (flow end time), td (duration, s),
 * sa, da, sp, dp, pr (protocol name), flg (nfdump flags, ".AP.SF"), fwd (forwarding
 * status), stos, pkt, byt, label. Re-exported samples have a header (Index, Date time,
 * Duration, Source IP, ...): then the fields are found by name. Features: duration,
 * packets, bytes and the rates derived from them, the ports as numbers, protocol
 * one-hot, the six TCP flags as bits, forwarding status and ToS. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feat_impl.h"

enum { TE, TD, SA, DA, SP, DP, PR, FLG, FWD, STOS, PKT, BYT, LABEL, NRAW, INDEX = NRAW, TS, NFIELD };

/* Header names (in key form) for each field, the UGR'16 documentation's short names
 * among them. */
static const char *const NAMES[NFIELD][5] = {
	[TE] = { "datetime", "te", "timestamp", "lastseen", NULL },
	[TD] = { "duration", "td", NULL },
	[SA] = { "sourceip", "sa", "srcip", "srcaddr", NULL },
	[DA] = { "destinationip", "da", "dstip", "dstaddr", NULL },
	[SP] = { "sourceport", "sp", "srcport", NULL },
	[DP] = { "destinationport", "dp", "dstport", NULL },
	[PR] = { "protocol", "pr", "proto", NULL },
	[FLG] = { "flag", "flags", "flg", NULL },
	[FWD] = { "forwardingstatus", "fwd", NULL },
	[STOS] = { "tos", "stos", NULL },
	[PKT] = { "packets", "pkt", "ipkt", NULL },
	[BYT] = { "bytes", "byt", "ibyt", NULL },
	[LABEL] = { "label", NULL },
	[INDEX] = { "index", NULL },
	[TS] = { "ts", "firstseen", NULL },
};

/* The sample's header names, for messages. */
static const char *const DISPLAY[NFIELD] = { "Date time",
	                                     "Duration",
	                                     "Source IP",
	                                     "Destination IP",
	                                     "Source Port",
	                                     "Destination Port",
	                                     "Protocol",
	                                     "Flag",
	                                     "Forwarding status",
	                                     "ToS",
	                                     "Packets",
	                                     "Bytes",
	                                     "Label",
	                                     "Index",
	                                     "ts" };

/* nfdump's protocol names, sorted for feat_vocab; numbers map onto them too. */
static const char *const PROTO_NAMES[] = { "AH",   "ESP",  "GRE", "ICMP", "ICMP6",
	                                   "IPIP", "IPv6", "PIM", "TCP",  "UDP" };
static const int PROTO_NUMBERS[] = { 51, 50, 47, 1, 58, 4, 41, 103, 6, 17 };
#define NPROTO 10
static const feat_vocab PROTO_VOCAB = { "protocol", PROTO_NAMES, NPROTO };

static const char FLAG_LETTERS[] = "UAPRSF";
static const char *const FLAG_NAMES[6] = { "flag_urg", "flag_ack", "flag_psh",
	                                   "flag_rst", "flag_syn", "flag_fin" };

typedef struct ugr_state {
	int field[NFIELD]; /* input field of each, -1 when absent */
	int nfdump;        /* nfdump's own CSV: no label, a trailer, optional columns */
	int nfields;       /* fields of a data record */
	int trailer;       /* past nfdump's "Summary" (or "No matching flows") line */
	int time_from_ts;  /* the time is ts + td (nfdump >= 1.7.5 has no te) */
	int time_off;      /* the time's metadata offset, or -1 */
	int proto_col, label_col, class_col;
	int index_off; /* the sample's Index as metadata, or -1 */
	feat_ids ids;
} ugr_state;

/* nfdump flags: 6 characters UAPRSF (or 8, CEUAPRSF), each the letter or '.'. */
static int parse_flags(const char *s, size_t n, float bits[6])
{
	if (n != 6 && n != 8)
		return -1;
	const char *p = s + n - 6;
	for (size_t i = 0; i < n - 6; i++)
		if (s[i] != '.' && s[i] != "CE"[i])
			return -1;
	for (int i = 0; i < 6; i++) {
		if (p[i] != '.' && p[i] != FLAG_LETTERS[i])
			return -1;
		bits[i] = p[i] != '.';
	}
	return 0;
}

static int proto_index(const char *s, size_t n)
{
	static const unsigned char LEN[NPROTO] = { 2, 3, 3, 4, 5, 4, 4, 3, 3, 3 };
	double v;
	int tu = feat_tcp_udp(s, n);
	if (tu)
		return tu == 6 ? 8 : 9; /* PROTO_NAMES[8], [9] */
	for (int i = NPROTO - 1; i >= 0; i--) /* the table, in any case */
		if (n == LEN[i] && feat_same_name(s, n, PROTO_NAMES[i]))
			return i;
	if (nids_parse_float(s, n, &v) == 0)
		for (int i = 0; i < NPROTO; i++)
			if (v == PROTO_NUMBERS[i])
				return i;
	return -1;
}

/* Whether a field may be absent: the index, forwarding status and ToS always; for
 * nfdump's CSV also the label and flags (its >= 1.7.5 layout has neither) and the end
 * time when the start time is there. */
static int optional(int f, int nfdump, const int field[NFIELD])
{
	if (f == INDEX || f == FWD || f == STOS || f == TS)
		return 1;
	return nfdump && (f == LABEL || f == FLG || (f == TE && field[TS] >= 0));
}

static int header_fields(const nids_csv_record *r, int field[NFIELD], int nfdump)
{
	int missing = 0;
	for (int f = 0; f < NFIELD; f++)
		field[f] = feat_find_field(r, NAMES[f]);
	for (int f = 0; f < NFIELD; f++)
		missing += field[f] < 0 && !optional(f, nfdump, field);
	return missing;
}

int feat_ugr16_raw(const nids_csv_record *r)
{
	double t;
	float bits[6];
	return r->nfields == NRAW && feat_parse_time(r->fields[TE], &t) == 0 &&
	       proto_index(r->fields[PR], r->lens[PR]) >= 0 &&
	       parse_flags(r->fields[FLG], r->lens[FLG], bits) == 0;
}

static int detect(const nids_csv_record *r)
{
	int field[NFIELD];
	if (feat_ugr16_raw(r))
		return 2;
	return header_fields(r, field, 0) == 0 && field[FLG] >= 0 ? 2 : 0;
}

/* nfdump's CSV header: sure without a label column (else ugr16 takes it), possible with. */
static int detect_nfdump(const nids_csv_record *r)
{
	int field[NFIELD];
	if (feat_ugr16_raw(r) || header_fields(r, field, 1))
		return 0;
	return field[LABEL] < 0 ? 2 : 1;
}

static int add(feat_ctx *fc, const char *name, int role, int *col, nids_err *err)
{
	int c = feat_add_column(fc, name, role, err);
	if (c < 0)
		return c;
	if (col)
		*col = c;
	return 0;
}

static int columns(feat_ctx *fc, ugr_state *s, nids_err *err)
{
	static const char *const FEATURES[] = { "duration",         "packets",       "bytes",
		                                "bytes_per_packet", "packets_per_s", "bytes_per_s",
		                                "src_port",         "dst_port" };
	int rc = 0;
	for (int i = 0; !rc && i < 8; i++)
		rc = add(fc, FEATURES[i], NIDS_ROLE_FEATURE, NULL, err);
	if (!rc && (s->proto_col = fc->h->ncols) >= 0)
		rc = feat_add_onehot(fc, &PROTO_VOCAB, err);
	for (int i = 0; !rc && i < 6; i++)
		rc = add(fc, FLAG_NAMES[i], NIDS_ROLE_FEATURE, NULL, err);
	if (!rc)
		rc = add(fc, "forwarding_status", NIDS_ROLE_FEATURE, NULL, err);
	if (!rc)
		rc = add(fc, "tos", NIDS_ROLE_FEATURE, NULL, err);
	s->label_col = s->class_col = -1;
	if (!rc && s->field[LABEL] >= 0)
		rc = add(fc, "label", NIDS_ROLE_LABEL, &s->label_col, err);
	if (!rc && s->field[LABEL] >= 0)
		rc = add(fc, "class", NIDS_ROLE_CLASS, &s->class_col, err);
	feat_ids_init(&s->ids);
	s->ids.type_code = 1;
	static const int ID_FIELDS[FEAT_NIDS] = { TE, SA, SP, DA, DP, PR };
	for (int i = 0; i < FEAT_NIDS; i++)
		s->ids.field[i] = s->field[ID_FIELDS[i]];
	if (s->time_from_ts) /* the time column is there; row() fills it from ts + td */
		s->ids.field[FEAT_ID_TIME] = s->field[TS];
	if (!rc)
		rc = feat_ids_add(fc, &s->ids, err);
	s->time_off = s->ids.off[FEAT_ID_TIME];
	if (s->time_from_ts)
		s->ids.off[FEAT_ID_TIME] = -1;
	s->index_off = -1;
	if (!rc && s->field[INDEX] >= 0) {
		int c = feat_add_meta_column(fc, "index", NIDS_TYPE_U64, err);
		rc = c < 0 ? c : 0;
		if (c >= 0)
			s->index_off = fc->h->meta[c].off;
	}
	return rc;
}

/* Names the optional columns nfdump's output lacks, once, in the stats' note. */
static void note_absent(feat_ctx *fc, const ugr_state *s)
{
	static const int OPT[] = { FLG, FWD, STOS };
	static const char *const SHORT[] = { "flg", "fwd", "stos" };
	char *n = fc->st->note;
	size_t len = 0, cap = sizeof fc->st->note;
	for (int i = 0; i < 3; i++)
		if (s->field[OPT[i]] < 0 && len < cap)
			len += (size_t)snprintf(n + len, cap - len, "%s'%s'", len ? ", " : "", SHORT[i]);
	if (len && len < cap)
		snprintf(n + len, cap - len, ": no such column; those features are 0");
}

static int init_any(feat_ctx *fc, const nids_csv_record *first, void **state, int nfdump,
                    nids_err *err)
{
	ugr_state *s = calloc(1, sizeof *s);
	*state = s;
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int header = !feat_ugr16_raw(first);
	s->nfdump = nfdump;
	if (feat_refuse_csv_options(fc, nfdump ? "nfdump" : "ugr16", 0, err))
		return NIDS_EUSAGE;
	if (header) {
		if (header_fields(first, s->field, nfdump) || (!nfdump && s->field[FLG] < 0)) {
			for (int f = 0; f < NFIELD; f++)
				if (s->field[f] < 0 && !optional(f, nfdump, s->field))
					return nids_err_set(
					    err, NIDS_EFORMAT, feat_where(fc),
					    nfdump ? "no '%s' column: not a header line of nfdump -o csv"
					           : "no '%s' column: not a UGR'16 header line "
					             "(raw rows have 13 fields)",
					    DISPLAY[f]);
		}
		s->time_from_ts = s->field[TE] < 0;
	} else {
		for (int f = 0; f < NRAW; f++)
			s->field[f] = f;
		s->field[INDEX] = s->field[TS] = -1;
	}
	/* nfdump's trailer lines have other field counts: row() checks the count */
	s->nfields = first->nfields;
	fc->nfields = nfdump ? 0 : first->nfields;
	if (nfdump)
		note_absent(fc, s);
	int rc = columns(fc, s, err);
	return rc ? rc : header;
}

static int init(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err)
{
	return init_any(fc, first, state, 0, err);
}

static int init_nfdump(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err)
{
	return init_any(fc, first, state, 1, err);
}

static int number(feat_ctx *fc, const nids_csv_record *rec, const ugr_state *s, int f,
                  const char *what, float *out, int *nonfinite, nids_err *err)
{
	if (s->field[f] < 0) {
		*out = 0;
		return 0;
	}
	return feat_measure(fc, rec, s->field[f], what, out, nonfinite, err);
}

/* A port as a feature, when the identifiers are left out (else row() takes the parsed
 * identifier), read as the identifier is: nfdump writes an ICMP flow's type and code as
 * "8.0", which is type * 256 + code, the number its binary records hold. */
static int port(feat_ctx *fc, const nids_csv_record *rec, const ugr_state *s, int f, float *out,
                nids_err *err)
{
	int field = s->field[f];
	int p = feat_port_number(rec, field, f == DP ? s->field[PR] : -1);
	if (p < 0)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "field %d: '%.46s' is not a port",
		                    field + 1, rec->fields[field]);
	*out = (float)p;
	return 0;
}

/* nfdump's trailer: "Summary", the totals' header and line, or "No matching flows". */
static int trailer_start(const nids_csv_record *rec)
{
	return rec->nfields == 1 &&
	       (!strcmp(rec->fields[0], "Summary") || !strcmp(rec->fields[0], "No matching flows"));
}

/* The derived rates: nfdump times have millisecond resolution, so a duration of 0
 * means under 1 ms and the rates divide by max(duration, 0.001). */
static void rates(float *o)
{
	double dur = o[0] > 0.001f ? o[0] : 0.001, pkts = o[1], bytes = o[2];
	o[3] = pkts > 0 ? (float)(bytes / pkts) : 0.0f;
	o[4] = (float)(pkts / dur);
	o[5] = (float)(bytes / dur);
}

/* nfdump >= 1.7.5 has the start time and the duration but no end time: the flow's
 * time (the end, as UGR'16 and te have it) is their sum. */
static int time_from_ts(feat_ctx *fc, const ugr_state *s, const nids_csv_record *rec,
                        nids_err *err)
{
	int off = s->time_off;
	if (!s->time_from_ts || off < 0)
		return 0;
	int64_t ts;
	double td;
	const char *t = rec->fields[s->field[TS]], *d = rec->fields[s->field[TD]];
	if (nids_time_parse(t, strlen(t), &ts))
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d: '%.40s' is not a time", s->field[TS] + 1, t);
	if (nids_parse_float(d, strlen(d), &td) || !(td >= 0 && td < 1e9))
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d: '%.40s' is not a duration", s->field[TD] + 1, d);
	nids_meta_put_i64(fc->meta + off, ts + (int64_t)llround(td * 1e6));
	return 0;
}

static int row(feat_ctx *fc, void *state, const nids_csv_record *rec, float *out, nids_err *err)
{
	ugr_state *s = state;
	const int *F = s->field;
	if (s->nfdump && (s->trailer || trailer_start(rec))) {
		s->trailer = 1;
		fc->st->trailer++;
		return FEAT_DROPPED;
	}
	if (rec->nfields != s->nfields)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "%d fields, expected %d",
		                    rec->nfields, s->nfields);
	size_t sa = rec->lens[F[SA]];
	if ((sa == 2 && !strcasecmp(rec->fields[F[SA]], "sa")) ||
	    (sa == 7 && !strcasecmp(rec->fields[F[SA]], "srcAddr")) ||
	    (F[FLG] >= 0 && rec->lens[F[FLG]] == 4 && !strcasecmp(rec->fields[F[FLG]], NAMES[FLG][0])))
		return FEAT_SKIP_HEADER;
	int nf = 0, rc;
	/* the identifiers first: their ports, when kept, are the features' too */
	if ((rc = feat_ids_fill(fc, &s->ids, rec, err)) || (rc = time_from_ts(fc, s, rec, err)))
		return rc;
	int sp = s->ids.off[FEAT_ID_SPORT], dp = s->ids.off[FEAT_ID_DPORT];
	if (sp >= 0)
		out[6] = (float)nids_meta_get_u16(fc->meta + sp);
	if (dp >= 0)
		out[7] = (float)nids_meta_get_u16(fc->meta + dp);
	if ((rc = number(fc, rec, s, TD, "duration", &out[0], &nf, err)) ||
	    (rc = number(fc, rec, s, PKT, "packets", &out[1], &nf, err)) ||
	    (rc = number(fc, rec, s, BYT, "bytes", &out[2], &nf, err)) ||
	    (sp < 0 && (rc = port(fc, rec, s, SP, &out[6], err))) ||
	    (dp < 0 && (rc = port(fc, rec, s, DP, &out[7], err))))
		return rc;
	rates(out);
	float *o = out + s->proto_col;
	memset(o, 0, sizeof(float) * (NPROTO + 1));
	int p = proto_index(rec->fields[F[PR]], rec->lens[F[PR]]);
	if (p >= 0) {
		o[p] = 1;
	} else if (fc->o->strict) {
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d '%.40s': unknown protocol", F[PR] + 1,
		                    rec->fields[F[PR]]);
	} else {
		o[NPROTO] = 1;
		fc->st->unseen++;
	}
	o += NPROTO + 1;
	if (F[FLG] < 0)
		memset(o, 0, 6 * sizeof *o);
	else if (parse_flags(rec->fields[F[FLG]], rec->lens[F[FLG]], o))
		return nids_err_set(
		    err, NIDS_EFORMAT, feat_where(fc),
		    "field %d '%.40s': bad TCP flags (want 6 characters of UAPRSF or '.')",
		    F[FLG] + 1, rec->fields[F[FLG]]);
	o += 6;
	if ((rc = number(fc, rec, s, FWD, "forwarding status", &o[0], &nf, err)) ||
	    (rc = number(fc, rec, s, STOS, "tos", &o[1], &nf, err)))
		return rc;
	if (s->index_off >= 0) {
		double v;
		if ((rc = feat_number(fc, rec, F[INDEX], "index", &v, err)))
			return rc;
		nids_meta_put_u64(fc->meta + s->index_off, v >= 0 && v < 1.8e19 ? (uint64_t)v : NIDS_U64_NONE);
	}
	if ((rc = feat_nonfinite_done(fc, nf)))
		return rc;
	if (F[LABEL] < 0) /* unlabelled flows, as a collector writes them */
		return 0;
	const char *label = rec->fields[F[LABEL]];
	return feat_label(fc, label, rec->lens[F[LABEL]], NULL, &out[s->label_col],
	                  &out[s->class_col], err);
}

const feat_format feat_ugr16 = { "ugr16", detect, init, row, NULL, free, NULL };
/* The same features, so that a model trained on UGR'16 scores a collector's flows. */
const feat_format feat_nfdump = { "nfdump", detect_nfdump, init_nfdump, row,
	                              NULL,     free,          "ugr16" };
