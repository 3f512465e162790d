/* feat_ids.c: a flow's identifiers as exact metadata columns: the time (microseconds),
 * source and destination address (IPv4 or IPv6) and port, and the IP protocol, so that
 * every row, down to an alarm, names its flow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feat_impl.h"

static const char *const ID_NAMES[FEAT_NIDS] = { "time",     "src_addr", "sport",
	                                         "dst_addr", "dport",    "proto" };
static const int ID_TYPES[FEAT_NIDS] = { NIDS_TYPE_TIME, NIDS_TYPE_ADDR, NIDS_TYPE_PORT,
	                                 NIDS_TYPE_ADDR, NIDS_TYPE_PORT, NIDS_TYPE_PROTO };

void feat_ids_init(feat_ids *ids)
{
	for (int i = 0; i < FEAT_NIDS; i++)
		ids->field[i] = ids->off[i] = -1;
	ids->type_code = 0;
}

int feat_ids_add(feat_ctx *fc, feat_ids *ids, nids_err *err)
{
	for (int i = 0; i < FEAT_NIDS; i++) {
		if (ids->field[i] < 0 || fc->o->no_ids)
			continue;
		nids_err e = { 0 };
		int c = nids_header_add_meta(fc->h, ID_NAMES[i], ID_TYPES[i],
		                             i == FEAT_ID_TIME ? NIDS_ROLE_TIME : NIDS_ROLE_ID, &e);
		if (c < 0)
			return nids_err_set(err, c == NIDS_EUSAGE ? NIDS_EFORMAT : c, feat_where(fc), "%s",
			                    e.msg);
		ids->off[i] = fc->h->meta[c].off;
	}
	return 0;
}

/* nfdump and the datasets name protocols; flow exporters number them. */
static const struct {
	const char *name;
	size_t len;
	int number;
} PROTOS[] = { { "ICMP", 4, 1 },   { "IGMP", 4, 2 },   { "IPIP", 4, 4 },       { "TCP", 3, 6 },
	       { "UDP", 3, 17 },   { "IPv6", 4, 41 },  { "GRE", 3, 47 },       { "ESP", 3, 50 },
	       { "AH", 2, 51 },    { "ICMP6", 5, 58 }, { "IPv6-ICMP", 9, 58 }, { "PIM", 3, 103 },
	       { "SCTP", 4, 132 } };

int feat_proto_number(const char *s, size_t len)
{
	int tu = feat_tcp_udp(s, len);
	if (tu)
		return tu;
	double v;
	/* a name (a letter first) is no number but inf or nan, which are -1 as well */
	int name = len && ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z');
	if (!name && nids_parse_float(s, len, &v) == 0)
		return v >= 0 && v <= 255 && v == floor(v) ? (int)v : -1;
	for (size_t i = 0; i < sizeof PROTOS / sizeof *PROTOS; i++)
		if (PROTOS[i].len == len && feat_same_name(s, len, PROTOS[i].name))
			return PROTOS[i].number;
	return -1;
}

/* nfdump's "type.code" of an ICMP flow's destination port, each 1 to 3 digits up to
 * 255, as type * 256 + code; -1 for anything else ("0.0.0", "1.2.", "300.1"). */
static int icmp_type_code(const char *s, size_t len)
{
	int v[2] = { 0, 0 };
	size_t i = 0;
	for (int k = 0; k < 2; k++) {
		size_t start = i;
		for (; i < len && i - start < 3 && (unsigned)(s[i] - '0') < 10; i++)
			v[k] = v[k] * 10 + (s[i] - '0');
		if (i == start || v[k] > 255 || (k == 0 && (i == len || s[i++] != '.')))
			return -1;
	}
	return i == len ? v[0] * 256 + v[1] : -1;
}

/* The forms port_number leaves (a dot, a sign, an exponent, more than 5 characters),
 * as feat_port_number says. */
__attribute__((noinline)) static int port_slow(const nids_csv_record *rec, int f, int proto_field)
{
	const char *s = rec->fields[f];
	size_t len = rec->lens[f];
	/* a dot is type.code only where nfdump writes it, an ICMP or ICMPv6 flow's
	   destination port; elsewhere "1.5" could be either */
	if (memchr(s, '.', len)) {
		if (proto_field < 0)
			return -1;
		int p = feat_proto_number(rec->fields[proto_field], rec->lens[proto_field]);
		return p == 1 || p == 58 ? icmp_type_code(s, len) : -1;
	}
	double a;
	if (nids_parse_float(s, len, &a) || a < 0 || a > 65535 || a != floor(a))
		return -1;
	return (int)a;
}

/* Digits alone (none: empty, 0), the common case, inline where the identifiers are
 * read: the port they spell, or -1 beyond 65535; -2 for the rest, which port_slow
 * decides. */
static inline int port_number(const char *s, size_t len)
{
	if (len <= 5) {
		int v = 0;
		size_t i = 0;
		for (; i < len && (unsigned)(s[i] - '0') < 10; i++)
			v = v * 10 + (s[i] - '0');
		if (i == len)
			return v <= 65535 ? v : -1;
	}
	return -2;
}

int feat_port_number(const nids_csv_record *rec, int f, int proto_field)
{
	int p = port_number(rec->fields[f], rec->lens[f]);
	return p == -2 ? port_slow(rec, f, proto_field) : p;
}

/* A dotted quad as inet_pton takes it (four decimal numbers to 255, no leading zeros)
 * into out [16] as IPv4-mapped IPv6, as nids_addr_parse stores it; -1 for anything else,
 * which nids_addr_parse then decides. s[len] is the field's terminating NUL (no digit,
 * no dot), so a digit may be looked at one place past the last one. */
static int ipv4_fast(const char *s, size_t len, unsigned char out[16])
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	unsigned char q[4];
	for (int i = 0; i < 4; i++) {
		unsigned v = (unsigned)(p[0] - '0'), d;
		if (v > 9)
			return -1;
		if ((d = (unsigned)(p[1] - '0')) > 9) {
			p += 1;
		} else if (v == 0) { /* a leading zero */
			return -1;
		} else {
			v = v * 10 + d;
			if ((d = (unsigned)(p[2] - '0')) > 9) {
				p += 2;
			} else {
				v = v * 10 + d;
				p += 3;
				if (v > 255 || (unsigned)(p[0] - '0') <= 9)
					return -1;
			}
		}
		q[i] = (unsigned char)v;
		if (i < 3 && *p++ != '.')
			return -1;
	}
	if (p != e)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, q, 4);
	return 0;
}

static int bad(feat_ctx *fc, int f, const char *what, const char *value, nids_err *err)
{
	return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "field %d: '%.46s' is not %s",
	                    f + 1, value, what);
}

int feat_ids_fill(feat_ctx *fc, const feat_ids *ids, const nids_csv_record *rec, nids_err *err)
{
	unsigned char *m = fc->meta;
	for (int i = 0; i < FEAT_NIDS; i++) {
		int f = ids->field[i], off = ids->off[i];
		if (off < 0)
			continue;
		const char *s = rec->fields[f];
		size_t len = rec->lens[f];
		switch (i) {
		case FEAT_ID_TIME: {
			int64_t us;
			double t;
			if (len && len == fc->time_memo_len && !memcmp(s, fc->time_memo, len)) {
				nids_meta_put_i64(m + off, fc->time_memo_us);
			} else if (nids_time_parse(s, len, &us) == 0) {
				nids_meta_put_i64(m + off, us);
				if (len < sizeof fc->time_memo) {
					memcpy(fc->time_memo, s, len);
					fc->time_memo_len = len;
					fc->time_memo_us = us;
				}
			} else if (feat_parse_time(s, &t) == 0) {
				nids_meta_put_i64(m + off, llround(t * 1e6));
			} else {
				return bad(fc, f, "a time", s, err);
			}
			break;
		}
		case FEAT_ID_SRC:
		case FEAT_ID_DST:
			if (len == 0)
				memset(m + off, 0, 16);
			else if (ipv4_fast(s, len, m + off) && nids_addr_parse(s, len, m + off))
				return bad(fc, f, "an IP address", s, err);
			break;
		case FEAT_ID_SPORT:
		case FEAT_ID_DPORT: {
			int p = port_number(s, len);
			if (p == -2)
				p = port_slow(rec, f,
				              i == FEAT_ID_DPORT && ids->type_code ? ids->field[FEAT_ID_PROTO]
				                                                   : -1);
			if (p < 0)
				return bad(fc, f, "a port", s, err);
			nids_meta_put_u16(m + off, (unsigned)p);
			break;
		}
		default: {
			/* a name outside the table is kept as 255 (reserved): the features
			   count it under protocol=_other */
			int p = feat_proto_number(s, len);
			m[off] = (unsigned char)(p < 0 ? 255 : p);
		}
		}
	}
	return 0;
}
