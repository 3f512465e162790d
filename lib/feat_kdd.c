/* feat_kdd.c: KDD Cup 1999 (kdd99) and NSL-KDD (nslkdd) records.
 *
 * Both have the 41 KDD features in the documented order, then the label (the attack
 * name, with a trailing dot in KDD Cup 99); NSL-KDD adds a difficulty level. The three
 * symbolic features are one-hot over fixed vocabularies: the values in the training
 * files (kddcup.data, KDDTrain+), so train and test files always get the same columns.
 * Note that "other" is one of KDD's own services; values outside the vocabulary (the
 * corrected test set has service "icmp") go to the "_other" slot. */
#include <stdlib.h>
#include <string.h>

#include "feat_impl.h"

static const char *const KDD_FEATURES[41] = {
	"duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
	"wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in", "num_compromised",
	"root_shell", "su_attempted", "num_root", "num_file_creations", "num_shells",
	"num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login", "count",
	"srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate",
	"same_srv_rate", "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
	"dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
	"dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
	"dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate"
};

static const char *const PROTOCOLS[] = { "icmp", "tcp", "udp" };
static const char *const FLAGS[] = { "OTH", "REJ", "RSTO", "RSTOS0", "RSTR", "S0",
	                             "S1",  "S2",  "S3",   "SF",     "SH" };
static const char *const SERVICES[] = {
	"IRC",       "X11",       "Z39_50",     "aol",        "auth",       "bgp",
	"courier",   "csnet_ns",  "ctf",        "daytime",    "discard",    "domain",
	"domain_u",  "echo",      "eco_i",      "ecr_i",      "efs",        "exec",
	"finger",    "ftp",       "ftp_data",   "gopher",     "harvest",    "hostnames",
	"http",      "http_2784", "http_443",   "http_8001",  "imap4",      "iso_tsap",
	"klogin",    "kshell",    "ldap",       "link",       "login",      "mtp",
	"name",      "netbios_dgm", "netbios_ns", "netbios_ssn", "netstat", "nnsp",
	"nntp",      "ntp_u",     "other",      "pm_dump",    "pop_2",      "pop_3",
	"printer",   "private",   "red_i",      "remote_job", "rje",        "shell",
	"smtp",      "sql_net",   "ssh",        "sunrpc",     "supdup",     "systat",
	"telnet",    "tftp_u",    "tim_i",      "time",       "urh_i",      "urp_i",
	"uucp",      "uucp_path", "vmnet",      "whois"
};
#define COUNT(a) ((int)(sizeof a / sizeof *a))

static const feat_vocab VOCABS[3] = {
	{ "protocol_type", PROTOCOLS, COUNT(PROTOCOLS) },
	{ "service", SERVICES, COUNT(SERVICES) },
	{ "flag", FLAGS, COUNT(FLAGS) },
};

/* Output layout: the 41 features in order, each symbolic one replaced by its one-hot
 * group; then label, class, and for NSL-KDD difficulty (meta). */
typedef struct kdd_state {
	int nsl;
	int label_col, class_col, difficulty_col;
} kdd_state;

static int is_protocol(const char *s)
{
	return !strcmp(s, "tcp") || !strcmp(s, "udp") || !strcmp(s, "icmp");
}

static int detect_common(const nids_csv_record *r)
{
	double v;
	return r->nfields >= 42 && is_protocol(r->fields[1]) &&
	       nids_parse_float(r->fields[0], r->lens[0], &v) == 0;
}

/* NSL-KDD: 43 fields, the last a number (difficulty). */
static int detect_nsl(const nids_csv_record *r)
{
	double v;
	return r->nfields == 43 && detect_common(r) &&
	               nids_parse_float(r->fields[42], r->lens[42], &v) == 0
	               ? 2
	               : 0;
}

/* KDD Cup 99: 42 fields; sure when the label has its trailing dot. */
static int detect_kdd99(const nids_csv_record *r)
{
	if (r->nfields != 42 || !detect_common(r))
		return 0;
	return r->lens[41] && r->fields[41][r->lens[41] - 1] == '.' ? 2 : 1;
}

static int init(feat_ctx *fc, int nsl, void **state, nids_err *err)
{
	int rc = feat_refuse_csv_options(fc, nsl ? "nslkdd" : "kdd99", 0, err);
	if (rc)
		return rc;
	kdd_state *s = calloc(1, sizeof *s);
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	*state = s;
	s->nsl = nsl;
	for (int i = 0; !rc && i < 41; i++) {
		if (i >= 1 && i <= 3)
			rc = feat_add_onehot(fc, &VOCABS[i - 1], err);
		else
			rc = feat_add_column(fc, KDD_FEATURES[i], NIDS_ROLE_FEATURE, err);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc && (s->label_col = feat_add_column(fc, "label", NIDS_ROLE_LABEL, err)) < 0)
		rc = s->label_col;
	if (!rc && (s->class_col = feat_add_column(fc, "class", NIDS_ROLE_CLASS, err)) < 0)
		rc = s->class_col;
	if (!rc && nsl && (s->difficulty_col = feat_add_column(fc, "difficulty", NIDS_ROLE_META, err)) < 0)
		rc = s->difficulty_col;
	fc->nfields = nsl ? 43 : 42;
	return rc;
}

static int init_nsl(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err)
{
	(void)first;
	return init(fc, 1, state, err);
}

static int init_kdd99(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err)
{
	(void)first;
	return init(fc, 0, state, err);
}

static int row(feat_ctx *fc, void *state, const nids_csv_record *rec, float *out, nids_err *err)
{
	kdd_state *s = state;
	float *o = out;
	int rc;
	for (int i = 0; i < 41; i++) {
		if (i >= 1 && i <= 3) {
			const feat_vocab *v = &VOCABS[i - 1];
			memset(o, 0, sizeof(float) * (size_t)(v->n + 1));
			if ((rc = feat_onehot(fc, v, rec->fields[i], o, i, err)))
				return rc;
			o += v->n + 1;
			continue;
		}
		double x;
		if ((rc = feat_number(fc, rec, i, KDD_FEATURES[i], &x, err)))
			return rc;
		*o++ = feat_f32(fc, rec, i, x);
	}
	char *label = rec->fields[41];
	size_t n = rec->lens[41];
	if (n && label[n - 1] == '.')
		label[--n] = 0;
	if (!n)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "field 42: empty label");
	int cls = feat_class(fc, label, err);
	if (cls < 0)
		return cls;
	out[s->label_col] = feat_is_benign(fc, label) ? 0.0f : 1.0f;
	out[s->class_col] = (float)cls;
	if (s->nsl) {
		double d;
		if ((rc = feat_number(fc, rec, 42, "difficulty", &d, err)))
			return rc;
		out[s->difficulty_col] = feat_f32(fc, rec, 42, d);
	}
	return 0;
}

const feat_format feat_nslkdd = { "nslkdd", detect_nsl, init_nsl, row, NULL, free, NULL };
/* NSL-KDD's features (the same fields, vocabularies and row), so that a model trained on
 * either scores the other, the usual cross-dataset check. */
const feat_format feat_kdd99 = { "kdd99", detect_kdd99, init_kdd99, row, NULL, free, "nslkdd" };
