/* test_feat_fields.c: the helpers of the header-ed featurizer formats (lib/feat_fields.c)
 * and the csv vocabulary file (lib/feat_vocab_file.c). Includes lib/feat_impl.h, which
 * is internal to the library. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feat_impl.h"
#include "check.h"

static void name_keys(void)
{
	char k[64];
	feat_name_key(" Flow Bytes/s", k, sizeof k);
	CHECK(!strcmp(k, "flowbytes/s"), "%s", k);
	feat_name_key("\xef\xbb\xbf Init_Win_bytes_forward", k, sizeof k);
	CHECK(!strcmp(k, "initwinbytesforward"), "%s", k);
	feat_name_key("Web Attack \x96 XSS", k, 8);
	CHECK(!strcmp(k, "webatta"), "truncated to n-1: %s", k);
	CHECK(feat_in_list("a,Src IP ,b", "src_ip"), "in list");
	CHECK(!feat_in_list("a,Src IP,b", "srcport"), "not in list");
	CHECK(!feat_in_list(NULL, "x"), "empty list");
}

static void times(void)
{
	double t;
	CHECK(feat_parse_time("1970-01-01 00:00:00", &t) == 0 && t == 0, "epoch %g", t);
	CHECK(feat_parse_time("2016-07-27 13:48:28", &t) == 0 && t == 1469627308, "ugr %.0f", t);
	CHECK(feat_parse_time("2017-07-07 12:59:21.088203", &t) == 0, "improved");
	CHECK_NEAR(t, 1499432361.088203, 1e-15);
	/* CIC: D/M/YYYY, no seconds */
	CHECK(feat_parse_time("7/7/2017 3:30", &t) == 0 && t == 1499398200, "cic2017 %.0f", t);
	CHECK(feat_parse_time("14/02/2018 08:31:01", &t) == 0 && t == 1518597061, "cic2018 %.0f", t);
	CHECK(feat_parse_time("06/12/2022 11:00:15 PM", &t) == 0 && t == 1670367615, "pm %.0f", t);
	CHECK(feat_parse_time("06/12/2022 12:00:15 AM", &t) == 0 && t == 1670284815, "am %.0f", t);
	CHECK(feat_parse_time("06/12/2022 12:00:15 PM", &t) == 0 && t == 1670328015, "noon %.0f", t);
	/* a 12-hour clock has hours 1 to 12: 0 and 13 with AM or PM are no times */
	const char *no_hour[] = { "06/12/2022 0:10:00 PM", "06/12/2022 13:00:00 PM",
		                  "06/12/2022 0:10:00 AM", "06/12/2022 13:00:00 AM",
		                  "06/12/2022 00:10 pm" };
	for (size_t i = 0; i < sizeof no_hour / sizeof *no_hour; i++)
		CHECK(feat_parse_time(no_hour[i], &t) < 0, "'%s' accepted: %.0f", no_hour[i], t);
	CHECK(feat_parse_time("2016-02-29 00:00:00", &t) == 0 && t == 1456704000, "leap %.0f", t);
	CHECK(feat_parse_time("2016-13-01 00:00:00", &t) < 0, "month 13");
	/* a day its month lacks is no time, not the next month's first */
	const char *no_day[] = { "2016-02-30 00:00:00", "2016-04-31 00:00:00", "2015-02-29 00:00:00",
		                 "1900-02-29 00:00:00", "2016-09-31 12:00:00", "29/2/2017 1:02",
		                 "31/6/2017 1:02", "2016-01-00 00:00:00", "0/1/2017 1:02",
		                 "2016-01-32 00:00:00" };
	for (size_t i = 0; i < sizeof no_day / sizeof *no_day; i++)
		CHECK(feat_parse_time(no_day[i], &t) < 0, "'%s' accepted: %.0f", no_day[i], t);
	CHECK(feat_parse_time("2000-02-29 00:00:00", &t) == 0 && t == 951782400, "2000 %.0f", t);
	CHECK(feat_parse_time("29/2/2016 1:02", &t) == 0 && t == 1456707720, "cic leap %.0f", t);
	CHECK(feat_parse_time("31/12/2017 23:59:59", &t) == 0 && t == 1514764799, "%.0f", t);
	CHECK(nids_day_exists(2016, 2, 29) && !nids_day_exists(2015, 2, 29) &&
	      nids_day_exists(2000, 2, 29) && !nids_day_exists(2100, 2, 29) &&
	      nids_day_exists(2016, 4, 30) && !nids_day_exists(2016, 4, 31) &&
	      nids_day_exists(2016, 12, 31) && !nids_day_exists(2016, 13, 1) &&
	      !nids_day_exists(2016, 1, 0), "days of months");
	int64_t us;
	CHECK(nids_time_parse("2016-02-30 00:00:00", 19, &us) < 0 &&
	      nids_time_parse("2016-02-29T00:00:00Z", 20, &us) == 0 &&
	      nids_time_parse("1456704000", 10, &us) == 0, "dates nids_time_parse takes");
	CHECK(feat_parse_time("7/7/17 3:30", &t) < 0, "2-digit year");
	CHECK(feat_parse_time("2016-07-27", &t) < 0, "no time");
	CHECK(feat_parse_time("2016-07-27 13:48:28x", &t) < 0, "trailing text");
	CHECK(feat_parse_time("", &t) < 0, "empty");
}

static void addresses(void)
{
	unsigned char a[16];
	CHECK(nids_addr_parse("192.168.10.5", 12, a) == 0 && a[10] == 0xff && a[12] == 192 &&
	      a[15] == 5, "v4");
	CHECK(nids_addr_parse("256.1.1.1", 9, a) < 0, "out of range");
	CHECK(nids_addr_parse("1.2.3", 5, a) < 0, "3 octets");
	CHECK(nids_addr_parse("1.2.3.4.5", 9, a) < 0, "5 octets");
	CHECK(nids_addr_parse("fe80::1", 7, a) == 0 && a[0] == 0xfe && a[15] == 1, "v6");
	CHECK(feat_proto_number("TCP", 3) == 6 && feat_proto_number("icmp6", 5) == 58 &&
	      feat_proto_number("17", 2) == 17 && feat_proto_number("XTP", 3) < 0 &&
	      feat_proto_number("300", 3) < 0, "protocols");
	CHECK(feat_proto_number("UDP", 3) == 17 && feat_proto_number("udp", 3) == 17 &&
	      feat_proto_number("tcp", 3) == 6 && feat_proto_number("TCPX", 4) < 0 &&
	      feat_proto_number("TC", 2) < 0, "the fast names and their neighbours");
}

/* A port's accepted forms: whole numbers 0..65535 anywhere, empty as 0; type.code only
 * where the protocol field given says ICMP or ICMPv6 (an ICMP destination port). */
static void ports(void)
{
	static const struct {
		const char *port, *proto; /* proto NULL: a source port (no protocol given) */
		int want;
	} cases[] = {
		{ "80", NULL, 80 },        { "0080", NULL, 80 },      { "", NULL, 0 },
		{ "65535", NULL, 65535 },  { "65536", NULL, -1 },     { "123456", NULL, -1 },
		{ "8e1", NULL, 80 },       { "-1", NULL, -1 },        { "1.5", NULL, -1 },
		{ "80.0", NULL, -1 },      { "8.0", NULL, -1 },       { "8.0", "ICMP", 2048 },
		{ "8.0", "1", 2048 },      { "3.13", "icmp", 781 },   { "128.0", "ICMP6", 32768 },
		{ "1.0", "58", 256 },      { "255.255", "ICMP", 65535 }, { "8.0", "TCP", -1 },
		{ "1.5", "UDP", -1 },      { "8.0", "6", -1 },        { "0.0.0", "ICMP", -1 },
		{ "1.2.0", "ICMP", -1 },   { "256.0", "ICMP", -1 },   { "1.256", "ICMP", -1 },
		{ "0001.0", "ICMP", -1 },  { "8.", "ICMP", -1 },      { ".8", "ICMP", -1 },
		{ "-1.0", "ICMP", -1 },    { "1.0x", "ICMP", -1 },    { "1e0.0", "ICMP", -1 },
		{ "2048", "ICMP", 2048 },  { "x", "ICMP", -1 },       { "inf", NULL, -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char port[16], proto[16];
		snprintf(port, sizeof port, "%s", cases[i].port);
		snprintf(proto, sizeof proto, "%s", cases[i].proto ? cases[i].proto : "");
		char *fields[2] = { port, proto };
		size_t lens[2] = { strlen(port), strlen(proto) };
		nids_csv_record rec = { 2, fields, lens, 1 };
		int got = feat_port_number(&rec, 0, cases[i].proto ? 1 : -1);
		CHECK(got == cases[i].want, "'%s' (%s): %d, want %d", cases[i].port,
		      cases[i].proto ? cases[i].proto : "source", got, cases[i].want);
	}
}

/* The CSV file at path, comma-separated, through *in. */
static nids_csv *open_csv(const char *path, nids_input **in)
{
	nids_err err = { 0 };
	nids_csv *c = NULL;
	CHECK(nids_input_open(in, path, &err) == 0 && nids_csv_open(&c, *in, ',', &err) == 0, "%s",
	      err.msg);
	return c;
}

/* Identifiers with only the source address: field 1, at byte 0 of the metadata. */
static feat_ids src_ids(void)
{
	feat_ids ids;
	feat_ids_init(&ids);
	ids.field[FEAT_ID_SRC] = 0, ids.off[FEAT_ID_SRC] = 0;
	return ids;
}

/* The identifiers' own parses agree with the general ones: a dotted quad read in place
 * (the field's terminating NUL ends it) gives nids_addr_parse's bytes or is refused
 * as nids_addr_parse refuses it, naming the record; a time text repeated from the row
 * before gives the value parsed afresh. */
static void identifier_fields(void)
{
	static const char *const addrs[] = {
		"0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.1.100", "9.99.199.249",
		"1.2.3.4", "01.2.3.4", "1.2.3.04", "0.01.2.3", "00.1.2.3", "1.2.3.256",
		"256.1.1.1", "1.2.300.4", "1.2.3", "1.2.3.4.5", "1..3.4", "1.2.3.", ".1.2.3",
		"1234.1.1.1", "1.2.3.1000", "1.2.3.4x", "1.2.3.-4", "::ffff:1.2.3.4", "fe80::1",
		"1.2.3.2.9", "1.2.2.9.3", "1.9.2.3",
		"a.b.c.d", "1.2.3.4/8" };
	size_t n = sizeof addrs / sizeof *addrs;
	char path[] = "/tmp/nids-ids-XXXXXX";
	int fd = mkstemp(path);
	for (size_t i = 0; i < n; i++) /* field 2: the time, the same text on rows 1 and 2 */
		dprintf(fd, "%s,%s\n", addrs[i],
		        i < 2 ? "2016-07-27 13:43:19" : i == 2 ? "2016-07-27 13:43:20" : "1469626999.5");
	close(fd);
	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_csv *c = open_csv(path, &in);
	unsigned char meta[24];
	feat_ctx fc = { .csv = c, .meta = meta };
	feat_ids ids = src_ids();
	ids.field[FEAT_ID_TIME] = 1, ids.off[FEAT_ID_TIME] = 16;
	static const int64_t WANT_US[3] = { 1469626999000000, 1469626999000000,
	                                     1469627000000000 };
	nids_csv_record rec;
	for (size_t i = 0; i < n && nids_csv_next(c, &rec, &err) == 1; i++) {
		unsigned char want[16];
		int ok = nids_addr_parse(addrs[i], strlen(addrs[i]), want) == 0;
		memset(meta, 0xaa, sizeof meta);
		err = (nids_err){ 0 };
		int rc = feat_ids_fill(&fc, &ids, &rec, &err);
		CHECK((rc == 0) == ok, "%s: %d (%s)", addrs[i], rc, err.msg);
		if (ok) {
			CHECK(!memcmp(meta, want, 16), "%s: other bytes", addrs[i]);
			int64_t us = nids_meta_get_i64(meta + 16);
			CHECK(us == (i < 3 ? WANT_US[i] : 1469626999500000), "%s: time %lld", addrs[i],
			      (long long)us);
		} else {
			char where[64];
			snprintf(where, sizeof where, "%s:%zu", path, i + 1);
			CHECK(!strcmp(err.where, where) && strstr(err.msg, "is not an IP address"),
			      "%s: %s: %s", addrs[i], err.where, err.msg);
		}
	}
	nids_csv_free(c);
	nids_input_free(in);
	unlink(path);
}

/* Random texts of digits and dots, most shaped like dotted quads (octets of one to
 * three digits, some over 255, some with leading zeros, some with a dot missing or
 * doubled): the identifier parse takes exactly those nids_addr_parse takes, with the
 * same bytes, at every length and digit count. */
static void dotted_quads_random(void)
{
	enum { N = 20000 };
	char path[] = "/tmp/nids-quads-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	char (*text)[24] = calloc(N, sizeof *text);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < N; i++) {
		char *t = text[i];
		size_t n = 0;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t r = (x ^ x >> 29) * 0xbf58476d1ce4e5b9ULL;
		r ^= r >> 32;
		if (i % 4 == 3) { /* any 1 to 17 characters of "0123456789." */
			size_t len = 1 + r % 17;
			for (size_t k = 0; k < len; k++, r = r * 2862933555777941757ULL + 3037000493ULL)
				t[n++] = "0123456789."[(r >> 40) % 11];
		} else {
			for (int o = 0; o < 4; o++, r >>= 13) {
				unsigned v = (unsigned)((r & 511) % 260), w = (unsigned)(r >> 9 & 15);
				if (w == 0) /* a leading zero */
					t[n++] = '0';
				n += (size_t)sprintf(t + n, "%u", v);
				if (o < 3)
					t[n++] = '.';
			}
			if (i % 16 == 5) /* a dot doubled or dropped */
				memmove(t + 2, t + 1, n - 1), t[1] = '.', n++;
			if (i % 16 == 9 && strchr(t, '.'))
				memmove(strchr(t, '.'), strchr(t, '.') + 1, strlen(strchr(t, '.'))), n--;
		}
		t[n] = 0;
		fprintf(f, "%s\n", t);
	}
	fclose(f);
	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_csv *c = open_csv(path, &in);
	unsigned char meta[16];
	feat_ctx fc = { .csv = c, .meta = meta };
	feat_ids ids = src_ids();
	nids_csv_record rec;
	int i = 0, taken = 0, agree = 0;
	for (; i < N && nids_csv_next(c, &rec, &err) == 1; i++) {
		unsigned char want[16];
		int ok = nids_addr_parse(text[i], strlen(text[i]), want) == 0;
		memset(meta, 0xaa, sizeof meta);
		int rc = feat_ids_fill(&fc, &ids, &rec, &err);
		taken += ok;
		agree += (rc == 0) == ok && (!ok || !memcmp(meta, want, 16));
		if ((rc == 0) != ok || (ok && memcmp(meta, want, 16)))
			CHECK(0, "'%s': taken %d, nids_addr_parse %d", text[i], rc == 0, ok);
	}
	CHECK(i == N && agree == N, "%d of %d texts agree", agree, i);
	CHECK(taken > N / 4 && taken < 3 * N / 4, "%d of %d are addresses", taken, N);
	nids_csv_free(c);
	nids_input_free(in);
	free(text);
	unlink(path);
}

static void vocab_round_trip(void)
{
	char path[] = "/tmp/nids-vocab-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	const char *const a[] = { "", "a\tb", "back\\slash", "new\nline", "tcp" };
	const char *const b[] = { "x" };
	feat_vocab groups[3] = { { "proto", a, 5 }, { "col\tumn", b, 1 }, { "empty", b, 0 } };
	feat_vocab_file w = { 3, groups }, r;
	nids_err err = { 0 };
	CHECK(feat_vocab_write(path, &w, NULL, &err) == 0, "%s", err.msg);
	CHECK(feat_vocab_read(path, &r, &err) == 0, "%s", err.msg);
	CHECK(r.n == 3, "%d groups", r.n);
	for (int g = 0; g < r.n && g < 3; g++) {
		CHECK(!strcmp(r.groups[g].column, groups[g].column), "column %d", g);
		CHECK(r.groups[g].n == groups[g].n, "count %d", g);
		for (int i = 0; i < r.groups[g].n && i < groups[g].n; i++)
			CHECK(!strcmp(r.groups[g].values[i], groups[g].values[i]), "value %d.%d", g, i);
	}
	feat_vocab_file_free(&r);
	/* unsorted values are refused even with a good checksum */
	const char *const bad[] = { "udp", "tcp" };
	feat_vocab g1 = { "proto", bad, 2 };
	feat_vocab_file w1 = { 1, &g1 };
	CHECK(feat_vocab_write(path, &w1, NULL, &err) == 0, "%s", err.msg);
	CHECK(feat_vocab_read(path, &r, &err) == NIDS_EFORMAT, "unsorted: %s", err.msg);
	CHECK(strstr(err.msg, "not sorted") != NULL, "%s", err.msg);
	/* every single-byte change before the end line is caught */
	CHECK(feat_vocab_write(path, &w, NULL, &err) == 0, "%s", err.msg);
	FILE *f = fopen(path, "rb");
	char text[512];
	size_t n = fread(text, 1, sizeof text, f);
	fclose(f);
	size_t body = (size_t)(strstr(text, "end\t") - text);
	int caught = 0;
	for (size_t i = 0; i < body; i++) {
		text[i] ^= 0x20;
		f = fopen(path, "wb");
		fwrite(text, 1, n, f);
		fclose(f);
		int rc = feat_vocab_read(path, &r, &err);
		caught += rc == NIDS_ECHECKSUM || rc == NIDS_EFORMAT || rc == NIDS_EVERSION ||
		          rc == NIDS_ETRUNCATED; /* the LF before the end line */
		if (rc == 0)
			feat_vocab_file_free(&r);
		text[i] ^= 0x20;
	}
	CHECK(caught == (int)body, "%d of %zu flips caught", caught, body);
	unlink(path);
}

int main(void)
{
	TEST(name_keys);
	TEST(times);
	TEST(addresses);
	TEST(ports);
	TEST(identifier_fields);
	TEST(dotted_quads_random);
	TEST(vocab_round_trip);
	return CHECK_DONE();
}
