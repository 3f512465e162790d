/* gen_ugr16.c: synthetic flows in the raw UGR'16 CSV format (13 fields, no header:
 * te, td, sa, da, sp, dp, pr, flg, fwd, stos, pkt, byt, label), time-ordered and
 * labelled, for nids-window's scale benchmark and the GEE example. SYNTHETIC: the
 * patterns below are made up to look like the dataset's classes, not measured.
 *
 *   background    clients of a /16 talking to servers on common ports (web, DNS, mail,
 *                 ssh, ntp) and ephemeral ports; heavy-tailed durations and sizes
 *   scan44        one source, SYN-only single-packet flows to many addresses and ports
 *   dos           one source to one server port 80, many short high-rate flows
 *   anomaly-spam  one source to many mail servers on port 25, a few KB each
 *
 * Attack episodes (scan, DoS, spam in turn, one at a time) start at random and last 2
 * to 6 minutes each; inside one, half the flows are the attack's, so that about -a of
 * all flows are attacks. Every choice comes from a seeded splitmix64, so a seed gives the
 * same file.
 *
 * usage: gen_ugr16 [-n flows] [-r flows-per-second] [-s seed] [-a attack-fraction]
 *                  [-H hosts] [-t start-epoch]   > flows.csv */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t state;

static uint64_t next(void)
{
	uint64_t z = (state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double uniform(void) { return (double)(next() >> 11) * 0x1p-53; }
static unsigned below(unsigned n) { return (unsigned)(((next() >> 32) * n) >> 32); }

/* A heavy-tailed positive value with the given median (log-normal, sigma s). */
static double lognormal(double median, double s)
{
	double u1 = uniform(), u2 = uniform();
	double z = sqrt(-2 * log(u1 + 1e-300)) * cos(2 * M_PI * u2);
	return median * exp(s * z);
}

/* ---- fast text output ---- */
static char buf[1 << 16];
static size_t len;

static void flush(void)
{
	if (len && fwrite(buf, 1, len, stdout) != len) {
		perror("gen_ugr16: write");
		exit(1);
	}
	len = 0;
}
static void put(const char *s, size_t n)
{
	if (len + n > sizeof buf)
		flush();
	memcpy(buf + len, s, n);
	len += n;
}
static void putu(uint64_t v)
{
	char t[24];
	int i = 24;
	do
		t[--i] = (char)('0' + v % 10);
	while (v /= 10);
	put(t + i, (size_t)(24 - i));
}
static void putc1(char c) { put(&c, 1); }
static void put_ip(uint32_t a)
{
	putu(a >> 24), putc1('.'), putu(a >> 16 & 255), putc1('.'), putu(a >> 8 & 255);
	putc1('.'), putu(a & 255);
}
/* milliseconds as seconds with three decimals */
static void put_ms(uint64_t ms)
{
	char t[4] = { '.', (char)('0' + ms / 100 % 10), (char)('0' + ms / 10 % 10),
		      (char)('0' + ms % 10) };
	putu(ms / 1000);
	put(t, 4);
}

typedef struct flow {
	uint32_t sa, da;
	unsigned sp, dp, pkt;
	uint64_t ms, byt;
	const char *pr, *flg, *label;
} flow;

static void emit(const char *when, const flow *f)
{
	put(when, 19);
	putc1(',');
	put_ms(f->ms);
	putc1(',');
	put_ip(f->sa);
	putc1(',');
	put_ip(f->da);
	putc1(',');
	putu(f->sp);
	putc1(',');
	putu(f->dp);
	putc1(',');
	put(f->pr, strlen(f->pr));
	putc1(',');
	put(f->flg, 6);
	put(",0,0,", 5);
	putu(f->pkt);
	putc1(',');
	putu(f->byt);
	putc1(',');
	put(f->label, strlen(f->label));
	putc1('\n');
}

#define NET 0x2AD90000u /* 42.217.0.0/16, the "inside" */

static void background(flow *f, unsigned hosts)
{
	static const unsigned SERVICE[] = { 80, 443, 443, 80, 53, 53, 25, 22, 123, 993, 8080 };
	unsigned client = below(hosts);
	/* a skewed server choice: a few popular servers, a long tail */
	unsigned server = (unsigned)(hosts * pow(uniform(), 3));
	uint32_t inside = NET + client, outside = 0x5B000000u + server * 2654435761u % 0x20000000u;
	unsigned svc = SERVICE[below(sizeof SERVICE / sizeof *SERVICE)];
	unsigned eph = 1024 + below(64511);
	int out = below(2);
	f->sa = out ? inside : outside;
	f->da = out ? outside : inside;
	f->sp = out ? eph : svc;
	f->dp = out ? svc : eph;
	int udp = svc == 53 || svc == 123;
	f->pr = udp ? "UDP" : below(50) ? "TCP" : "ICMP";
	f->flg = udp ? ".A...." : below(8) ? ".AP.SF" : ".A..S.";
	f->pkt = 1 + (unsigned)fmin(lognormal(4, 1.5), 1e6);
	f->byt = (uint64_t)(f->pkt * (40 + lognormal(300, 0.8)));
	f->ms = below(3) ? (uint64_t)fmin(lognormal(800, 2.0), 3.6e6) : 0;
}

static void attack(flow *f, int kind, uint32_t src, uint32_t target)
{
	if (kind == 0) { /* scan44 */
		f->sa = src;
		f->da = NET + below(65536);
		f->sp = 40000 + below(20000);
		f->dp = below(4) ? 22 + below(3) * 1000 : 1 + below(10000);
		f->pr = "TCP";
		f->flg = "....S.";
		f->pkt = 1;
		f->byt = 40 + below(2) * 4;
		f->ms = 0;
		f->label = "scan44";
	} else if (kind == 1) { /* dos */
		f->sa = src;
		f->da = target;
		f->sp = 1024 + below(64511);
		f->dp = 80;
		f->pr = "TCP";
		f->flg = below(4) ? "....S." : ".A..S.";
		f->pkt = 1 + below(30);
		f->byt = f->pkt * 60;
		f->ms = below(10);
		f->label = "dos";
	} else { /* anomaly-spam */
		f->sa = src;
		f->da = 0x6E000000u + below(1u << 20) * 97u;
		f->sp = 1024 + below(64511);
		f->dp = 25;
		f->pr = "TCP";
		f->flg = ".AP.SF";
		f->pkt = 8 + below(20);
		f->byt = 1500 + below(6000);
		f->ms = 200 + below(3000);
		f->label = "anomaly-spam";
	}
}

int main(int argc, char **argv)
{
	long long n = 1000000, start = 1469626200; /* 2016-07-27 13:30:00 UTC */
	double rate = 5000, attack_frac = 0.02;
	unsigned hosts = 20000;
	state = 1;
	int c;
	while ((c = getopt(argc, argv, "n:r:s:a:H:t:")) != -1) {
		switch (c) {
		case 'n': n = atoll(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 's': state = strtoull(optarg, NULL, 10); break;
		case 'a': attack_frac = atof(optarg); break;
		case 'H': hosts = (unsigned)atol(optarg); break;
		case 't': start = atoll(optarg); break;
		default:
			fprintf(stderr, "usage: gen_ugr16 [-n flows] [-r flows-per-second] [-s seed] "
			                "[-a attack-fraction] [-H hosts] [-t start-epoch]\n");
			return 2;
		}
	}
	if (n < 0 || rate <= 0 || hosts < 1 || attack_frac < 0 || attack_frac > 0.5) {
		fprintf(stderr, "gen_ugr16: bad option value\n");
		return 2;
	}
	char when[20] = "";
	long long shown = -1;
	/* attack episodes: one at a time, each 2-6 minutes, started so that about
	 * attack_frac of the flows fall in them; inside an episode, half the flows are its */
	long long episode_end = -1;
	int kind = 0, episodes = 0;
	uint32_t src = 0, target = 0;
	double p_start = attack_frac * 2 / (240 * rate); /* per flow, for the mean length */
	for (long long i = 0; i < n; i++) {
		long long sec = start + (long long)((double)i / rate);
		if (sec != shown) {
			time_t tt = (time_t)sec;
			struct tm tm;
			gmtime_r(&tt, &tm);
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
			shown = sec;
		}
		flow f;
		if (sec >= episode_end && uniform() < p_start) {
			episode_end = sec + 120 + below(240);
			kind = episodes++ % 3; /* scan, dos, spam in turn */
			src = 0x0A000000u + below(1u << 24);
			target = NET + below(65536);
		}
		if (sec < episode_end && below(2)) {
			attack(&f, kind, src, target);
		} else {
			background(&f, hosts);
			f.label = "background";
		}
		emit(when, &f);
	}
	flush();
	return fflush(stdout) ? 1 : 0;
}
