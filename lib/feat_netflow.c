/* feat_netflow.c: the netflow VAE detector's encoding of flow records (netflow).
 *
 * Source and destination port each one-hot over 13 categories (ten services, then
 * other well-known, registered and dynamic ports), protocol one-hot over 7, bytes and
 * packets to the server and to the client, the direction, and the duration in seconds.
 * The input columns are found by header name (UGR'16, CICFlowMeter, nfdump, NetFlow v9
 * as in the NF-* datasets, UNSW-NB15 spellings); raw UGR'16 rows need no header.
 *
 * Which end is the server: the one whose port looks more like a service (a named
 * service port, then other well-known, registered, dynamic), else the lower port, else
 * the destination. direction is 1 when the source is the client (the record's bytes go
 * to the server), 0 otherwise. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feat_impl.h"

enum {
	SPORT,
	DPORT,
	PROTO,
	FBYTES,
	BBYTES,
	FPKTS,
	BPKTS,
	DUR,
	DUR_US,
	DUR_MS,
	LABEL,
	CLASS,
	SADDR,
	DADDR,
	TIME,
	NCOL
};

/* Accepted header names in key form (feat_name_key: lowercase, no spaces or '_'). */
static const char *const NAMES[NCOL][12] = {
	[SPORT] = { "sourceport", "srcport", "sport", "sp", "l4srcport", "srcpt", NULL },
	[DPORT] = { "destinationport", "dstport", "dport", "dsport", "dp", "l4dstport", "dstpt",
	            NULL },
	[PROTO] = { "protocol", "proto", "pr", NULL },
	[FBYTES] = { "bytes", "byt", "ibyt", "inbytes", "sbytes", "srcbytes", "fwdbytes",
	             "totallengthoffwdpackets", "totlenfwdpkts", "totallengthoffwdpacket", NULL },
	[BBYTES] = { "outbytes", "obyt", "dbytes", "dstbytes", "bwdbytes",
	             "totallengthofbwdpackets", "totlenbwdpkts", "totallengthofbwdpacket", NULL },
	[FPKTS] = { "packets", "pkt", "ipkt", "inpkts", "spkts", "srcpkts", "fwdpackets",
	            "totalfwdpackets", "totfwdpkts", "totalfwdpacket", NULL },
	[BPKTS] = { "outpkts", "opkt", "dpkts", "dstpkts", "bwdpackets", "totalbackwardpackets",
	            "totbwdpkts", "totalbwdpackets", NULL },
	[DUR] = { "duration", "td", "dur", NULL },
	[DUR_US] = { "flowduration", NULL },
	[DUR_MS] = { "flowdurationmilliseconds", NULL },
	[LABEL] = { "label", NULL },
	[CLASS] = { "attack", "attackcat", "class", NULL },
	[SADDR] = { "sourceip", "srcip", "sa", "ipv4srcaddr", "srcaddr", "saddr", NULL },
	[DADDR] = { "destinationip", "dstip", "da", "ipv4dstaddr", "dstaddr", "daddr", NULL },
	[TIME] = { "datetime", "te", "timestamp", NULL },
};

/* The raw UGR'16 positions (te td sa da sp dp pr flg fwd stos pkt byt label). */
static const int UGR_RAW[NCOL] = {
	[SPORT] = 4,  [DPORT] = 5,  [PROTO] = 6, [FBYTES] = 11, [BBYTES] = -1,
	[FPKTS] = 10, [BPKTS] = -1, [DUR] = 1,   [DUR_US] = -1, [DUR_MS] = -1,
	[LABEL] = 12, [CLASS] = -1, [SADDR] = 2, [DADDR] = 3,   [TIME] = 0
};

#define NPORTCAT 13
static const char *const PORT_CATS[NPORTCAT] = { "http",   "https", "ssh",        "dns",
	                                         "dhcp",   "smtp",  "snmp",       "rdp",
	                                         "sql",    "ftp",   "well_known", "registered",
	                                         "dynamic" };
#define NPROTO 7
static const char *const PROTO_NAMES[NPROTO] = { "tcp", "udp", "icmp", "ipv6-icmp",
	                                         "gre", "esp", "other" };
static const int PROTO_NUMBERS[NPROTO - 1] = { 6, 17, 1, 58, 47, 50 };

typedef struct nf_state {
	int col[NCOL]; /* input field, -1 when absent */
	int first;     /* first output column of the numbers after the one-hot groups */
	int label_col, class_col;
	feat_ids ids;
} nf_state;

static int port_category(int port)
{
	switch (port) {
	case 80:
	case 8080: return 0;
	case 443: return 1;
	case 22:
	case 922: return 2;
	case 53: return 3;
	case 67:
	case 68: return 4;
	case 25: return 5;
	case 161:
	case 162: return 6;
	case 3389: return 7;
	case 3306: return 8;
	case 20:
	case 21: return 9;
	}
	return port <= 1023 ? 10 : port <= 49151 ? 11 : 12;
}

/* How much a port looks like a service's: lower is more. */
static int port_rank(int cat) { return cat < 10 ? 0 : cat - 9; }

static int proto_index(const char *s, size_t n)
{
	double v;
	if (nids_parse_float(s, n, &v) == 0) {
		for (int i = 0; i < NPROTO - 1; i++)
			if (v == PROTO_NUMBERS[i])
				return i;
		return -1;
	}
	for (int i = 0; i < NPROTO - 1; i++)
		if (!strcasecmp(s, PROTO_NAMES[i]))
			return i;
	if (!strcasecmp(s, "icmp6") || !strcasecmp(s, "ipv6icmp"))
		return 3;
	return -1;
}

static int find_columns(const nids_csv_record *r, int col[NCOL])
{
	for (int c = 0; c < NCOL; c++)
		col[c] = feat_find_field(r, NAMES[c]);
	return col[SPORT] >= 0 && col[DPORT] >= 0 && col[PROTO] >= 0 && col[FBYTES] >= 0 &&
	       col[FPKTS] >= 0 && (col[DUR] >= 0 || col[DUR_US] >= 0 || col[DUR_MS] >= 0) &&
	       col[LABEL] >= 0;
}

/* Never sure: the same files are cic, ugr16 or csv too; name it with -f netflow. */
static int detect(const nids_csv_record *r)
{
	int col[NCOL];
	return feat_ugr16_raw(r) || find_columns(r, col) ? 1 : 0;
}

static int add_group(feat_ctx *fc, const char *prefix, const char *const *names, int n,
                     nids_err *err)
{
	char name[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s=%s", prefix, names[i]);
		int c = feat_add_column(fc, name, NIDS_ROLE_FEATURE, err);
		if (c < 0)
			return c;
	}
	return 0;
}

static int missing(feat_ctx *fc, const int col[NCOL], nids_err *err)
{
	static const struct {
		int c;
		const char *what, *names;
	} REQ[] = {
		{ SPORT, "source port", "Source Port, Src Port, src_port, sport, sp, L4_SRC_PORT" },
		{ DPORT, "destination port",
		  "Destination Port, Dst Port, dst_port, dport, dp, L4_DST_PORT" },
		{ PROTO, "protocol", "Protocol, proto, pr" },
		{ FBYTES, "bytes",
		  "Bytes, byt, IN_BYTES, sbytes, Total Length of Fwd Packets, ..." },
		{ FPKTS, "packets", "Packets, pkt, IN_PKTS, spkts, Total Fwd Packets, ..." },
		{ DUR, "duration", "Duration, td, dur, Flow Duration, FLOW_DURATION_MILLISECONDS" },
		{ LABEL, "label", "Label" },
	};
	for (size_t i = 0; i < sizeof REQ / sizeof *REQ; i++) {
		int c = REQ[i].c;
		if (col[c] >= 0 || (c == DUR && (col[DUR_US] >= 0 || col[DUR_MS] >= 0)))
			continue;
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "no %s column (accepted names: %s)", REQ[i].what, REQ[i].names);
	}
	return 0;
}

static int init(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err)
{
	static const char *const NUMBERS[] = { "bytes_to_server",   "bytes_to_client",
		                               "packets_to_server", "packets_to_client",
		                               "direction",         "duration" };
	nf_state *s = calloc(1, sizeof *s);
	*state = s;
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int header = !feat_ugr16_raw(first);
	if (header)
		find_columns(first, s->col);
	else
		memcpy(s->col, UGR_RAW, sizeof s->col);
	int rc = feat_refuse_csv_options(fc, "netflow", 0, err);
	if (!rc)
		rc = missing(fc, s->col, err);
	fc->nfields = first->nfields;
	if (!rc)
		rc = add_group(fc, "src_port", PORT_CATS, NPORTCAT, err);
	if (!rc)
		rc = add_group(fc, "dst_port", PORT_CATS, NPORTCAT, err);
	if (!rc)
		rc = add_group(fc, "proto", PROTO_NAMES, NPROTO, err);
	s->first = fc->h->ncols;
	for (int i = 0; !rc && i < 6; i++) {
		int c = feat_add_column(fc, NUMBERS[i], NIDS_ROLE_FEATURE, err);
		rc = c < 0 ? c : 0;
	}
	if (!rc && (s->label_col = feat_add_column(fc, "label", NIDS_ROLE_LABEL, err)) < 0)
		rc = s->label_col;
	if (!rc && (s->class_col = feat_add_column(fc, "class", NIDS_ROLE_CLASS, err)) < 0)
		rc = s->class_col;
	feat_ids_init(&s->ids);
	static const int ID_COLS[FEAT_NIDS] = { TIME, SADDR, SPORT, DADDR, DPORT, PROTO };
	for (int i = 0; i < FEAT_NIDS; i++)
		s->ids.field[i] = s->col[ID_COLS[i]];
	if (!rc)
		rc = feat_ids_add(fc, &s->ids, err);
	return rc ? rc : header;
}

static int port(feat_ctx *fc, const nids_csv_record *rec, int f, const char *what, int *out,
                nids_err *err)
{
	/* as the identifiers read it (this format has no type.code), but never empty */
	int p = rec->lens[f] ? feat_port_number(rec, f, -1) : -1;
	if (p < 0)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d (%s): '%.40s' is not a port", f + 1, what,
		                    rec->fields[f]);
	*out = p;
	return 0;
}

/* bytes/packets from the record's source to its destination ([0]) and back ([1]) */
static int volumes(feat_ctx *fc, const nf_state *s, const nids_csv_record *rec, float bytes[2],
                   float pkts[2], float *dur, int *nf, nids_err *err)
{
	static const char *const WHAT[] = { "bytes", "bytes back", "packets", "packets back" };
	const int cols[4] = { s->col[FBYTES], s->col[BBYTES], s->col[FPKTS], s->col[BPKTS] };
	float *out[4] = { &bytes[0], &bytes[1], &pkts[0], &pkts[1] };
	int rc;
	for (int i = 0; i < 4; i++) {
		*out[i] = 0; /* unidirectional records (nfdump, UGR'16) have no way back */
		if (cols[i] >= 0 && (rc = feat_measure(fc, rec, cols[i], WHAT[i], out[i], nf, err)))
			return rc;
	}
	int d = s->col[DUR] >= 0      ? s->col[DUR]
	        : s->col[DUR_US] >= 0 ? s->col[DUR_US]
	                              : s->col[DUR_MS];
	if ((rc = feat_measure(fc, rec, d, "duration", dur, nf, err)))
		return rc;
	if (s->col[DUR] < 0)
		*dur /= s->col[DUR_US] >= 0 ? 1e6f : 1e3f;
	return 0;
}

static int row(feat_ctx *fc, void *state, const nids_csv_record *rec, float *out, nids_err *err)
{
	nf_state *s = state;
	const int *C = s->col;
	if (!strcasecmp(rec->fields[C[LABEL]], "label"))
		return FEAT_SKIP_HEADER;
	int sp, dp, rc, nf = 0;
	if ((rc = port(fc, rec, C[SPORT], "source port", &sp, err)) ||
	    (rc = port(fc, rec, C[DPORT], "destination port", &dp, err)))
		return rc;
	memset(out, 0, sizeof(float) * (size_t)s->first);
	int sc = port_category(sp), dc = port_category(dp);
	out[sc] = 1;
	out[NPORTCAT + dc] = 1;
	int p = proto_index(rec->fields[C[PROTO]], rec->lens[C[PROTO]]);
	if (p < 0) {
		if (fc->o->strict)
			return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
			                    "field %d '%.40s': unknown protocol", C[PROTO] + 1,
			                    rec->fields[C[PROTO]]);
		p = NPROTO - 1;
		fc->st->unseen++;
	}
	out[2 * NPORTCAT + p] = 1;
	float bytes[2], pkts[2], dur;
	if ((rc = volumes(fc, s, rec, bytes, pkts, &dur, &nf, err)))
		return rc;
	int src_is_client =
	    port_rank(dc) != port_rank(sc) ? port_rank(dc) < port_rank(sc) : dp <= sp;
	float *o = out + s->first;
	o[0] = src_is_client ? bytes[0] : bytes[1];
	o[1] = src_is_client ? bytes[1] : bytes[0];
	o[2] = src_is_client ? pkts[0] : pkts[1];
	o[3] = src_is_client ? pkts[1] : pkts[0];
	o[4] = (float)src_is_client;
	o[5] = dur;
	if ((rc = feat_ids_fill(fc, &s->ids, rec, err)))
		return rc;
	if ((rc = feat_nonfinite_done(fc, nf)))
		return rc;
	return feat_label(fc, rec->fields[C[LABEL]], rec->lens[C[LABEL]],
	                  C[CLASS] >= 0 ? rec->fields[C[CLASS]] : NULL, &out[s->label_col],
	                  &out[s->class_col], err);
}

const feat_format feat_netflow = { "netflow", detect, init, row, NULL, free, NULL };
