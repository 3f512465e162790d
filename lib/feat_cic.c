/* feat_cic.c: CICFlowMeter CSVs (cic): CIC-IDS2017 (the 85-column TrafficLabelling
 * layout and the 78/79-column MachineLearningCVE layout), CSE-CIC-IDS2018 (abbreviated
 * names: Dst Port, Flow Byts/s, ...) and the "improved" re-extraction (91 columns).
 *
 * Columns are found by name, never by position. Each known feature has one canonical
 * name, the CIC-IDS2017 one, and the output lists the known features in the order of
 * the table below whatever layout they came from, so a model trained on one layout can
 * score another where the columns coincide. Unknown numeric columns follow, in input
 * order. Identifier columns (addresses, ports, time, id) are never features: they are
 * kept as exact metadata (lib/feat_ids.c); Flow ID is text and dropped. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feat_impl.h"

/* Canonical name, then the CSE-CIC-IDS2018 and the improved spellings where they
 * differ in key form (feat_name_key ignores case, spaces and underscores). */
typedef struct cic_name {
	const char *name;
	const char *alias[2];
} cic_name;

#define PROTOCOL_ENTRY 1 /* one-hot, not a number */
static const cic_name CANON[] = {
	{ "Destination Port", { "Dst Port" } },
	{ "Protocol", { 0 } },
	{ "Flow Duration", { 0 } },
	{ "Total Fwd Packets", { "Tot Fwd Pkts", "Total Fwd Packet" } },
	{ "Total Backward Packets", { "Tot Bwd Pkts", "Total Bwd packets" } },
	{ "Total Length of Fwd Packets", { "TotLen Fwd Pkts", "Total Length of Fwd Packet" } },
	{ "Total Length of Bwd Packets", { "TotLen Bwd Pkts", "Total Length of Bwd Packet" } },
	{ "Fwd Packet Length Max", { "Fwd Pkt Len Max" } },
	{ "Fwd Packet Length Min", { "Fwd Pkt Len Min" } },
	{ "Fwd Packet Length Mean", { "Fwd Pkt Len Mean" } },
	{ "Fwd Packet Length Std", { "Fwd Pkt Len Std" } },
	{ "Bwd Packet Length Max", { "Bwd Pkt Len Max" } },
	{ "Bwd Packet Length Min", { "Bwd Pkt Len Min" } },
	{ "Bwd Packet Length Mean", { "Bwd Pkt Len Mean" } },
	{ "Bwd Packet Length Std", { "Bwd Pkt Len Std" } },
	{ "Flow Bytes/s", { "Flow Byts/s" } },
	{ "Flow Packets/s", { "Flow Pkts/s" } },
	{ "Flow IAT Mean", { 0 } },
	{ "Flow IAT Std", { 0 } },
	{ "Flow IAT Max", { 0 } },
	{ "Flow IAT Min", { 0 } },
	{ "Fwd IAT Total", { "Fwd IAT Tot" } },
	{ "Fwd IAT Mean", { 0 } },
	{ "Fwd IAT Std", { 0 } },
	{ "Fwd IAT Max", { 0 } },
	{ "Fwd IAT Min", { 0 } },
	{ "Bwd IAT Total", { "Bwd IAT Tot" } },
	{ "Bwd IAT Mean", { 0 } },
	{ "Bwd IAT Std", { 0 } },
	{ "Bwd IAT Max", { 0 } },
	{ "Bwd IAT Min", { 0 } },
	{ "Fwd PSH Flags", { 0 } },
	{ "Bwd PSH Flags", { 0 } },
	{ "Fwd URG Flags", { 0 } },
	{ "Bwd URG Flags", { 0 } },
	{ "Fwd RST Flags", { 0 } },
	{ "Bwd RST Flags", { 0 } },
	{ "Fwd Header Length", { "Fwd Header Len" } },
	{ "Bwd Header Length", { "Bwd Header Len" } },
	{ "Fwd Packets/s", { "Fwd Pkts/s" } },
	{ "Bwd Packets/s", { "Bwd Pkts/s" } },
	{ "Min Packet Length", { "Pkt Len Min", "Packet Length Min" } },
	{ "Max Packet Length", { "Pkt Len Max", "Packet Length Max" } },
	{ "Packet Length Mean", { "Pkt Len Mean" } },
	{ "Packet Length Std", { "Pkt Len Std" } },
	{ "Packet Length Variance", { "Pkt Len Var" } },
	{ "FIN Flag Count", { "FIN Flag Cnt" } },
	{ "SYN Flag Count", { "SYN Flag Cnt" } },
	{ "RST Flag Count", { "RST Flag Cnt" } },
	{ "PSH Flag Count", { "PSH Flag Cnt" } },
	{ "ACK Flag Count", { "ACK Flag Cnt" } },
	{ "URG Flag Count", { "URG Flag Cnt" } },
	{ "CWE Flag Count", { "CWR Flag Count" } },
	{ "ECE Flag Count", { "ECE Flag Cnt" } },
	{ "Down/Up Ratio", { 0 } },
	{ "Average Packet Size", { "Pkt Size Avg" } },
	{ "Avg Fwd Segment Size", { "Fwd Seg Size Avg", "Fwd Segment Size Avg" } },
	{ "Avg Bwd Segment Size", { "Bwd Seg Size Avg", "Bwd Segment Size Avg" } },
	{ "Fwd Avg Bytes/Bulk", { "Fwd Byts/b Avg", "Fwd Bytes/Bulk Avg" } },
	{ "Fwd Avg Packets/Bulk", { "Fwd Pkts/b Avg", "Fwd Packet/Bulk Avg" } },
	{ "Fwd Avg Bulk Rate", { "Fwd Blk Rate Avg", "Fwd Bulk Rate Avg" } },
	{ "Bwd Avg Bytes/Bulk", { "Bwd Byts/b Avg", "Bwd Bytes/Bulk Avg" } },
	{ "Bwd Avg Packets/Bulk", { "Bwd Pkts/b Avg", "Bwd Packet/Bulk Avg" } },
	{ "Bwd Avg Bulk Rate", { "Bwd Blk Rate Avg", "Bwd Bulk Rate Avg" } },
	{ "Subflow Fwd Packets", { "Subflow Fwd Pkts" } },
	{ "Subflow Fwd Bytes", { "Subflow Fwd Byts" } },
	{ "Subflow Bwd Packets", { "Subflow Bwd Pkts" } },
	{ "Subflow Bwd Bytes", { "Subflow Bwd Byts" } },
	{ "Init_Win_bytes_forward", { "Init Fwd Win Byts", "FWD Init Win Bytes" } },
	{ "Init_Win_bytes_backward", { "Init Bwd Win Byts", "Bwd Init Win Bytes" } },
	{ "act_data_pkt_fwd", { "Fwd Act Data Pkts" } },
	{ "min_seg_size_forward", { "Fwd Seg Size Min" } },
	{ "Active Mean", { 0 } },
	{ "Active Std", { 0 } },
	{ "Active Max", { 0 } },
	{ "Active Min", { 0 } },
	{ "Idle Mean", { 0 } },
	{ "Idle Std", { 0 } },
	{ "Idle Max", { 0 } },
	{ "Idle Min", { 0 } },
	{ "ICMP Code", { 0 } },
	{ "ICMP Type", { 0 } },
	{ "Total TCP Flow Time", { 0 } },
};
#define NCANON ((int)(sizeof CANON / sizeof *CANON))

/* What each output column is made from. */
enum { K_NUM, K_PROTO, K_META };
/* Identifier columns: never features (Destination Port is one, as the 79-column layout
 * has it so). */
typedef struct cic_ident {
	const char *name;
	const char *alias[2];
} cic_ident;
static const cic_ident IDENTS[] = {
	{ "Flow ID", { 0 } },
	{ "Source IP", { "Src IP" } },
	{ "Source Port", { "Src Port" } },
	{ "Destination IP", { "Dst IP" } },
	{ "Timestamp", { 0 } },
	{ "id", { 0 } },
};
#define NIDENTS ((int)(sizeof IDENTS / sizeof *IDENTS))

/* Protocol numbers with their own one-hot column (CICFlowMeter writes 0 when unknown). */
static const int PROTOS[] = { 0, 1, 6, 17 };
#define NPROTOS 4

typedef struct cic_op {
	int field, kind, col;
	const char *name; /* for messages: the canonical or header name */
} cic_op;

typedef struct cic_state {
	cic_op *ops;
	int nops, nfields;
	int label_field, label_col, class_col;
	char **names; /* names of unknown columns and ids, owned */
	int nnames;
	char last_label[256]; /* the previous record's raw label, and what it gave */
	float last_y, last_class;
	feat_ids ids;
	int id_field, id_off; /* the improved files' "id" as metadata, or -1 */
} cic_state;

/* Field of hdr (not yet used) for a name and its aliases, or -1. */
static int find_unused(const nids_csv_record *hdr, const char *name, const char *const alias[2],
                       const unsigned char *used)
{
	char keys[3][128];
	const char *list[4] = { keys[0], NULL, NULL, NULL };
	feat_name_key(name, keys[0], sizeof keys[0]);
	for (int a = 0; a < 2 && alias[a]; a++) {
		feat_name_key(alias[a], keys[a + 1], sizeof keys[a + 1]);
		list[a + 1] = keys[a + 1];
	}
	for (int i = 0; i < hdr->nfields; i++) {
		if (used[i])
			continue;
		char k[128];
		feat_name_key(hdr->fields[i], k, sizeof k);
		for (int j = 0; list[j]; j++)
			if (!strcmp(k, list[j]))
				return i;
	}
	return -1;
}

static int detect(const nids_csv_record *r)
{
	const char *const dur[] = { "flowduration", NULL };
	const char *const lab[] = { "label", NULL };
	return feat_find_field(r, dur) >= 0 && feat_find_field(r, lab) >= 0 ? 2 : 0;
}

static void free_state(void *p)
{
	cic_state *s = p;
	if (!s)
		return;
	for (int i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->ops);
	free(s);
}

static int add_op(cic_state *s, int field, int kind, int col, const char *name)
{
	s->ops[s->nops++] = (cic_op){ field, kind, col, name };
	return 0;
}

static const char *keep_name(cic_state *s, const char *name)
{
	char *c = strdup(name);
	if (c)
		s->names[s->nnames++] = c;
	return c;
}

static int add_protocol(feat_ctx *fc, cic_state *s, int field, nids_err *err)
{
	char name[64];
	int first = -1;
	for (int p = 0; p <= NPROTOS; p++) {
		if (p < NPROTOS)
			snprintf(name, sizeof name, "Protocol=%d", PROTOS[p]);
		else
			snprintf(name, sizeof name, "Protocol=_other");
		int c = feat_add_column(fc, name, NIDS_ROLE_FEATURE, err);
		if (c < 0)
			return c;
		if (first < 0)
			first = c;
	}
	return add_op(s, field, K_PROTO, first, "Protocol");
}

/* The known features in table order, then unknown columns in input order. */
static int add_features(feat_ctx *fc, cic_state *s, const nids_csv_record *hdr, unsigned char *used,
                        nids_err *err)
{
	const char *drop = fc->o->drop_cols;
	for (int k = 0; k < NCANON; k++) {
		int f = find_unused(hdr, CANON[k].name, CANON[k].alias, used);
		if (f < 0)
			continue;
		used[f] = 1;
		if (feat_in_list(drop, CANON[k].name) || feat_in_list(drop, hdr->fields[f]))
			continue;
		int rc = k == PROTOCOL_ENTRY
		             ? add_protocol(fc, s, f, err)
		             : feat_add_column(fc, CANON[k].name, NIDS_ROLE_FEATURE, err);
		if (rc < 0)
			return rc;
		if (k != PROTOCOL_ENTRY)
			add_op(s, f, K_NUM, rc, CANON[k].name);
	}
	/* a second copy of a known column (CIC-IDS2017's Fwd Header Length) is dropped */
	for (int k = 0; k < NCANON; k++) {
		int f;
		while ((f = find_unused(hdr, CANON[k].name, CANON[k].alias, used)) >= 0)
			used[f] = 1;
	}
	for (int f = 0; f < hdr->nfields; f++) {
		if (used[f])
			continue;
		used[f] = 1;
		if (feat_in_list(drop, hdr->fields[f]))
			continue;
		if (!hdr->lens[f])
			return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
			                    "field %d: empty column name", f + 1);
		int c = feat_add_column(fc, hdr->fields[f], NIDS_ROLE_FEATURE, err);
		const char *name = c < 0 ? NULL : keep_name(s, hdr->fields[f]);
		if (c < 0)
			return c;
		if (!name)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		add_op(s, f, K_NUM, c, name);
	}
	return 0;
}

/* Identifier columns: marked used, so that none becomes a feature. */
static void reserve_idents(const nids_csv_record *hdr, unsigned char *used)
{
	for (int k = 0; k < NIDENTS; k++) {
		int f = find_unused(hdr, IDENTS[k].name, IDENTS[k].alias, used);
		if (f >= 0)
			used[f] = 1;
	}
}

/* Non-zero when name (an item of --drop) is a column of hdr, by its own or its
 * canonical name. */
static int names_a_column(const nids_csv_record *hdr, const char *name, unsigned char *scratch)
{
	memset(scratch, 0, (size_t)hdr->nfields);
	const char *const none[2] = { NULL, NULL };
	if (find_unused(hdr, name, none, scratch) >= 0)
		return 1;
	for (int k = 0; k < NCANON; k++)
		if (feat_in_list(name, CANON[k].name) &&
		    find_unused(hdr, CANON[k].name, CANON[k].alias, scratch) >= 0)
			return 1;
	for (int k = 0; k < NIDENTS; k++)
		if (feat_in_list(name, IDENTS[k].name) &&
		    find_unused(hdr, IDENTS[k].name, IDENTS[k].alias, scratch) >= 0)
			return 1;
	return 0;
}

static int check_drop(feat_ctx *fc, const nids_csv_record *hdr, unsigned char *scratch,
                      nids_err *err)
{
	char item[NIDS_MAX_NAME + 1];
	for (const char *l = fc->o->drop_cols; l && *l;) {
		const char *e = strchr(l, ',');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1),
		         l);
		if (item[0] && !names_a_column(hdr, item, scratch))
			return nids_err_set(err, NIDS_EUSAGE, feat_where(fc),
			                    "--drop: no column '%s' in the header", item);
		l = e ? e + 1 : NULL;
	}
	return 0;
}

static int init(feat_ctx *fc, const nids_csv_record *hdr, void **state, nids_err *err)
{
	cic_state *s = calloc(1, sizeof *s);
	unsigned char *used = calloc((size_t)hdr->nfields, 1);
	if (s) {
		s->ops = calloc((size_t)hdr->nfields, sizeof *s->ops);
		s->names = calloc((size_t)hdr->nfields, sizeof *s->names);
	}
	*state = s;
	if (!s || !used || !s->ops || !s->names) {
		free(used);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	const char *const lab[] = { "label", NULL };
	const char *const cat[] = { "attemptedcategory", NULL };
	s->nfields = fc->nfields = hdr->nfields;
	s->label_field = feat_find_field(hdr, lab);
	int attempted = feat_find_field(hdr, cat);
	int rc = feat_refuse_csv_options(fc, "cic", 1, err);
	if (!rc && s->label_field < 0)
		rc = nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                  "no Label column: is this a CICFlowMeter header line?");
	if (!rc)
		rc = check_drop(fc, hdr, used, err);
	if (!rc) {
		memset(used, 0, (size_t)hdr->nfields);
		used[s->label_field] = 1;
		if (attempted >= 0)
			used[attempted] = 1;
		reserve_idents(hdr, used); /* before the features */
	}
	if (!rc)
		rc = add_features(fc, s, hdr, used, err);
	if (!rc && (s->label_col = feat_add_column(fc, "label", NIDS_ROLE_LABEL, err)) < 0)
		rc = s->label_col;
	if (!rc && (s->class_col = feat_add_column(fc, "class", NIDS_ROLE_CLASS, err)) < 0)
		rc = s->class_col;
	if (!rc && attempted >= 0) {
		int c = feat_add_column(fc, "Attempted Category", NIDS_ROLE_META, err);
		rc = c < 0 ? c : add_op(s, attempted, K_META, c, "Attempted Category");
	}
	if (!rc) {
		static const char *const ID_NAMES[FEAT_NIDS][3] = {
			{ "Timestamp", NULL, NULL },         { "Source IP", "Src IP", NULL },
			{ "Source Port", "Src Port", NULL }, { "Destination IP", "Dst IP", NULL },
			{ "Destination Port", "Dst Port", NULL }, { "Protocol", NULL, NULL }
		};
		memset(used, 0, (size_t)hdr->nfields);
		feat_ids_init(&s->ids);
		for (int i = 0; i < FEAT_NIDS; i++)
			s->ids.field[i] = find_unused(hdr, ID_NAMES[i][0], ID_NAMES[i] + 1, used);
		rc = feat_ids_add(fc, &s->ids, err);
		static const char *const NO_ALIAS[2] = { NULL, NULL };
		s->id_off = -1;
		s->id_field = find_unused(hdr, "id", NO_ALIAS, used);
		if (!rc && s->id_field >= 0) {
			int c = feat_add_meta_column(fc, "id", NIDS_TYPE_U64, err);
			rc = c < 0 ? c : 0;
			if (c >= 0)
				s->id_off = fc->h->meta[c].off;
		}
	}
	free(used);
	return rc ? rc : 1;
}

static int protocol(feat_ctx *fc, const nids_csv_record *rec, const cic_op *op, float *out,
                    nids_err *err)
{
	double v;
	int f = op->field;
	if (nids_parse_float(rec->fields[f], rec->lens[f], &v))
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d (Protocol): '%.40s' is not a number", f + 1,
		                    rec->fields[f]);
	float *o = out + op->col;
	memset(o, 0, sizeof(float) * (NPROTOS + 1));
	for (int p = 0; p < NPROTOS; p++)
		if (v == PROTOS[p]) {
			o[p] = 1;
			return 0;
		}
	if (fc->o->strict)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d '%.40s': unknown Protocol", f + 1, rec->fields[f]);
	o[NPROTOS] = 1;
	fc->st->unseen++;
	return 0;
}

/* Class names as the 2017 files spell them, minus their mangled dash: any run of
 * non-ASCII bytes ("Web Attack \x96 Brute Force", "Web Attack ï¿½ XSS") becomes "-". */
static void clean_label(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if ((unsigned char)*r < 0x80) {
			*w++ = *r++;
			continue;
		}
		while ((unsigned char)*r >= 0x80)
			r++;
		*w++ = '-';
	}
	*w = 0;
}

static int label(feat_ctx *fc, cic_state *s, const nids_csv_record *rec, float *out, nids_err *err)
{
	char *text = rec->fields[s->label_field];
	size_t n = rec->lens[s->label_field];
	if (n < sizeof s->last_label && !strcmp(text, s->last_label)) {
		out[s->label_col] = s->last_y;
		out[s->class_col] = s->last_class;
		return 0;
	}
	char raw[sizeof s->last_label];
	int cache = n < sizeof raw;
	if (cache)
		memcpy(raw, text, n + 1);
	clean_label(text);
	int rc =
	    feat_label(fc, text, strlen(text), NULL, &out[s->label_col], &out[s->class_col], err);
	if (rc)
		return rc;
	if (cache) {
		memcpy(s->last_label, raw, n + 1);
		s->last_y = out[s->label_col];
		s->last_class = out[s->class_col];
	}
	return 0;
}

static int row(feat_ctx *fc, void *state, const nids_csv_record *rec, float *out, nids_err *err)
{
	cic_state *s = state;
	if (rec->lens[s->label_field] == 5 && !strcasecmp(rec->fields[s->label_field], "label"))
		return FEAT_SKIP_HEADER;
	if (feat_all_empty(rec)) {
		fc->st->empty++;
		return FEAT_DROPPED;
	}
	int nonfinite = 0, rc;
	for (int i = 0; i < s->nops; i++) {
		const cic_op *op = &s->ops[i];
		if (op->kind == K_PROTO)
			rc = protocol(fc, rec, op, out, err);
		else
			rc = feat_measure(fc, rec, op->field, op->name, &out[op->col], &nonfinite,
			                  err);
		if (rc)
			return rc;
	}
	if ((rc = feat_nonfinite_done(fc, nonfinite)) || (rc = feat_ids_fill(fc, &s->ids, rec, err)))
		return rc;
	if (s->id_off >= 0) {
		double v;
		if ((rc = feat_number(fc, rec, s->id_field, "id", &v, err)))
			return rc;
		nids_meta_put_u64(fc->meta + s->id_off, v >= 0 && v < 1.8e19 ? (uint64_t)v : NIDS_U64_NONE);
	}
	return label(fc, s, rec, out, err);
}

const feat_format feat_cic = { "cic", detect, init, row, NULL, free_state, NULL };
