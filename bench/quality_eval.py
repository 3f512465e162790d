#!/usr/bin/python3
"""quality_eval.py: figures for bench/quality.md from the files bench/quality.sh writes.

  quality_eval.py auroc Y SCORES      AUROC of a score file against labels (1 = positive)
  quality_eval.py combos WORK         every ensemble configuration, offline, into
                                      WORK/combos.tsv; one line per configuration
  quality_eval.py select WORK         the rule of bench/quality.md over combos.tsv
  quality_eval.py tables WORK         markdown tables of the single models, ensembles, peers
  quality_eval.py mixed WORK          ensembles whose members read differently transformed
                                      inputs (offline only: a model file holds one
                                      normalization), into WORK/mixed.tsv, and their best
  quality_eval.py reach CONFIGS MIXED whether any configuration of CONFIGS (as combos.tsv)
                                      or MIXED (as mixed.tsv) is within 0.005 of the best
                                      single model on every dataset, however chosen

The offline ensemble is -t ensemble's arithmetic (lib/model_ensemble.c) applied to the
scores of the single models that are its members (nids-fit -j 1 with the member's seed:
replica k of a neural type from seed + 100 k), on the training rows (standardization)
and the test rows: z-score with the mean and population sd of the training scores, or
the empirical CDF of at most 10000 order statistics of them; replicas averaged; types
combined by mean, max, or average of maximum over 2 buckets (type i in bucket i mod 2).
bench/quality.md checks it against nids-fit -t ensemble itself.
"""
import itertools
import json
import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

MODELS = ["ae", "vae", "aegmm", "kmeans", "iforest"]
NEURAL = {"ae", "vae", "aegmm"}
CDF_MAX = 10000


def auroc(y, s):
    return roc_auc_score(y, s)


def load(path):
    return np.loadtxt(path, dtype=np.float32, ndmin=1)


def standardize(train, test, rank):
    if not rank:
        mu = np.float32(train.astype(np.float64).mean())
        sd = np.float32(train.astype(np.float64).std())
        sd = np.float64(sd) if sd > 0 else 1.0
        return (test.astype(np.float64) - np.float64(mu)) / sd
    c = np.sort(train)
    n = len(c)
    m = min(n, CDF_MAX)
    if m > 1:
        idx = np.floor(np.arange(m) * (n - 1) / (m - 1) + 0.5).astype(int)
        c = c[idx]
    v = test
    lo = np.searchsorted(c, v, side="right") - 1
    lo = np.clip(lo, 0, m - 2)
    hi = lo + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(c[lo] == v, 0.0, (v.astype(np.float64) - c[lo]) / (c[hi].astype(np.float64) - c[lo]))
    r = (lo + frac) / (m - 1)
    r = np.where(v < c[0], 0.0, r)
    r = np.where(v >= c[-1], 1.0, r)
    return r


def combine(groups, rule, buckets=2):
    g = np.stack(groups)
    if rule == "mean":
        return g.mean(0)
    if rule == "max":
        return g.max(0)
    nb = min(buckets, len(groups))
    return np.stack([g[b::nb].max(0) for b in range(nb)]).mean(0)


def combos(work):
    out = []
    for ds in sorted(os.listdir(work)):
        for tr in ("minmax", "quantile", "log1p"):
            d = os.path.join(work, ds, tr)
            if not os.path.exists(os.path.join(d, "y_test.txt")):
                continue
            y = np.loadtxt(os.path.join(d, "y_test.txt"))
            have = lambda m, s: os.path.exists(os.path.join(d, f"{m}.{s}.test"))
            cache = {}

            def scores(m, s):
                if (m, s) not in cache:
                    cache[m, s] = (load(os.path.join(d, f"{m}.{s}.train")),
                                   load(os.path.join(d, f"{m}.{s}.test")))
                return cache[m, s]
            avail = [m for m in MODELS if all(have(m, s) for s in (0, 1, 2))]
            for r in range(1, len(avail) + 1):
                for members in itertools.combinations(avail, r):
                    for K in (1, 2, 3):
                        seeds_of = lambda m, s: [s + 100 * k for k in range(K if m in NEURAL else 1)]
                        if K > 1 and not any(m in NEURAL for m in members):
                            continue
                        if not all(have(m, q) for m in members for s in (0, 1, 2) for q in seeds_of(m, s)):
                            continue
                        for rank in (0, 1):
                            for rule in ("mean", "max", "aom"):
                                if r == 1 and (rule != "mean" or rank):
                                    continue
                                if r <= 2 and rule == "aom":
                                    continue   # two types in two buckets: aom is mean
                                au = []
                                for s in (0, 1, 2):
                                    groups = []
                                    for m in members:
                                        reps = [standardize(*scores(m, q), rank) for q in seeds_of(m, s)]
                                        groups.append(np.mean(reps, 0))
                                    au.append(auroc(y, combine(groups, rule)))
                                out.append(dict(dataset=ds, transform=tr, members=",".join(members), seeds=K,
                                                standardize="rank" if rank else "zscore", combine=rule,
                                                auroc=float(np.mean(au)), sd=float(np.std(au)),
                                                runs=" ".join("%.4f" % a for a in au)))
    with open(os.path.join(work, "combos.tsv"), "w") as f:
        keys = ["dataset", "transform", "members", "seeds", "standardize", "combine", "auroc", "sd", "runs"]
        f.write("\t".join(keys) + "\n")
        for o in out:
            f.write("\t".join(("%.4f" % o[k]) if isinstance(o[k], float) else str(o[k]) for k in keys) + "\n")
    print(f"{len(out)} configurations -> {work}/combos.tsv")


def train_cpu(work):
    """Median training CPU seconds (user + sys) of each single model on nsl (seeds 0-2,
    minmax and quantile)."""
    out = {}
    for m in MODELS:
        t = []
        for tr in ("minmax", "quantile"):
            for sd in (0, 1, 2):
                f = os.path.join(work, "nsl", tr, f"{m}.{sd}.time")
                if os.path.exists(f):
                    w, u, sy = map(float, open(f).read().split()[:3])
                    t.append(u + sy)
        if t:
            out[m] = float(np.median(t))
    return out


def score_rates(work):
    """Rows/s of each model's share of nids-score (the cost stage's output)."""
    out = {}
    f = os.path.join(work, "score_cost.txt")
    for line in open(f) if os.path.exists(f) else ():
        p = line.split()
        out[p[0]] = float(p[1])
    return out


def select(work):
    """The rule of bench/quality.md applied to combos.tsv: cost first, then the mean over
    nsl and kdd99 of the 3-seed mean AUROC."""
    cpu, rate = train_cpu(work), score_rates(work)
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(work, "combos.tsv"))][1:]
    by = {}
    for ds, tr, mem, K, st, cb, au, sd, runs in rows:
        by.setdefault((tr, mem, K, st, cb), {})[ds] = (float(au), float(sd))
    cand = []
    for (tr, mem, K, st, cb), v in by.items():
        if "nsl" not in v or "kdd99" not in v:
            continue
        members = mem.split(",")
        reps = lambda m: int(K) if m in NEURAL else 1
        if not all(m in cpu and m in rate for m in members):
            continue
        tcost = sum(reps(m) * cpu[m] for m in members) / cpu["ae"]
        scost = sum(reps(m) / rate[m] for m in members) * rate["ae"]
        ok = tcost <= 4.5 and scost <= 3
        score = (v["nsl"][0] + v["kdd99"][0]) / 2
        cand.append((ok, score, tcost, scost, tr, mem, K, st, cb, v))
    cand.sort(key=lambda c: (-c[0], -c[1]))
    best = [c for c in cand if c[0]]
    top = best[0][1] if best else None
    chosen = min((c for c in best if c[1] >= top - 0.0005), key=lambda c: (c[2] + c[3], -c[1])) if best else None
    print("training CPU (s, nsl median):", {k: round(v, 2) for k, v in cpu.items()})
    print("scoring rows/s (model share):", {k: int(v) for k, v in rate.items()})
    print("eligible\tmean(nsl,kdd99)\ttrain/ae\tscore/ae\ttransform\tmembers\tseeds\tstandardize\tcombine\tnsl\tkdd99")
    for c in cand:
        print("%s\t%.4f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%.4f ± %.4f\t%.4f ± %.4f" % (
            "yes" if c[0] else "no", c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
            *c[9]["nsl"], *c[9]["kdd99"]))
    if chosen:
        print("chosen:", chosen[4], chosen[5], "seeds", chosen[6], chosen[7], chosen[8],
              "%.4f" % chosen[1])


def tables(work):
    """Markdown tables: single models and the ensemble runs (seeds 0-2), and the peers."""
    dss = ["nsl", "kdd99", "cic17", "cse18"]
    print("| transform | model | " + " | ".join(dss) + " |")
    print("|---|---|" + "---|" * len(dss))
    for tr in ("minmax", "quantile", "log1p"):
        for m in MODELS + ["ens"]:
            cells, any_ = [], False
            for ds in dss:
                d = os.path.join(work, ds, tr)
                if not os.path.exists(os.path.join(d, "y_test.txt")):
                    cells.append("—")
                    continue
                y = np.loadtxt(os.path.join(d, "y_test.txt"))
                au = [auroc(y, load(os.path.join(d, f"{m}.{q}.test"))) for q in (0, 1, 2)
                      if os.path.exists(os.path.join(d, f"{m}.{q}.test"))]
                any_ |= bool(au)
                cells.append("%.4f ± %.4f" % (np.mean(au), np.std(au)) + ("" if len(au) == 3 else f" ({len(au)} seed)")
                             if au else "—")
            if any_:
                print(f"| {tr} | {'ensemble (default)' if m == 'ens' else m} | " + " | ".join(cells) + " |")
    print()
    f = os.path.join(work, "peers.jsonl")
    print("| peer | dataset | transform | AUROC (seeds 0-2) | train s/seed | score rows/s |")
    print("|---|---|---|---|---|---|")
    for line in open(f) if os.path.exists(f) else ():
        r = json.loads(line)
        name, ds, tr = r["model"].rsplit(" ", 2)
        print(f"| {name} | {ds} | {tr} | {r['auroc']:.4f} ± {r['auroc_std']:.4f} | "
              f"{r.get('train_s', 0):.1f} | {r.get('score_rows_per_s', 0):,.0f} |")


def mixed(work):
    """Every ensemble of 2 to 4 (model, transform) members with at least two transforms
    among them (minmax and quantile; one seed; each member on its own transform's arrays),
    scored offline on every dataset as combos() scores the single-transform ones: whether
    mixing the inputs would let one configuration, chosen on nsl and kdd99, hold up on
    the CIC samples."""
    dss = ["nsl", "kdd99", "cic17", "cse18"]
    pool = [(m, tr) for m in ("ae", "vae", "kmeans", "iforest") for tr in ("minmax", "quantile")]
    cpu, rate = train_cpu(work), score_rates(work)
    ys = {ds: np.loadtxt(os.path.join(work, ds, "quantile", "y_test.txt")) for ds in dss}
    cache = {}

    def std(ds, m, tr, s, rank):
        if (ds, m, tr, s) not in cache:
            d = os.path.join(work, ds, tr)
            cache[ds, m, tr, s] = (load(os.path.join(d, f"{m}.{s}.train")),
                                   load(os.path.join(d, f"{m}.{s}.test")))
        return standardize(*cache[ds, m, tr, s], rank)
    out = []
    for r in (2, 3, 4):
        for members in itertools.combinations(pool, r):
            if len({tr for _, tr in members}) < 2:
                continue
            for rank in (0, 1):
                for rule in ("mean", "max", "aom") if r > 2 else ("mean", "max"):
                    au = {ds: np.mean([auroc(ys[ds], combine([std(ds, m, tr, s, rank) for m, tr in members], rule))
                                       for s in (0, 1, 2)]) for ds in dss}
                    tcost = sum(cpu[m] for m, _ in members) / cpu["ae"]
                    scost = sum(1 / rate[m] for m, _ in members) * rate["ae"]
                    out.append((tcost <= 4.5 and scost <= 3, (au["nsl"] + au["kdd99"]) / 2,
                                "+".join(f"{m}@{tr}" for m, tr in members),
                                "rank" if rank else "zscore", rule, au))
    out.sort(key=lambda o: (-o[0], -o[1]))
    with open(os.path.join(work, "mixed.tsv"), "w") as f:
        f.write("eligible\tmean(nsl,kdd99)\tmembers\tstandardize\tcombine\t" + "\t".join(dss) + "\n")
        for ok, mean, mem, st, cb, au in out:
            f.write("%s\t%.4f\t%s\t%s\t%s\t" % ("yes" if ok else "no", mean, mem, st, cb) +
                    "\t".join("%.4f" % au[ds] for ds in dss) + "\n")
    print(f"{len(out)} mixed configurations -> {work}/mixed.tsv")
    best = out[0]
    print("best within the cost rule by mean(nsl, kdd99): %s %s %s %.4f;" % (*best[2:5], best[1]),
          " ".join("%s %.4f" % (ds, best[5][ds]) for ds in dss))
    for ds in ("cic17", "cse18"):
        o = max(out, key=lambda o: o[5][ds])
        print(f"highest on {ds} of all: %s %s %s %.4f (mean(nsl, kdd99) %.4f)" % (*o[2:5], o[5][ds], o[1]))


def reach(configs, mixed_tsv):
    """The bar "at least the best single model - 0.005 on every dataset" against every
    configuration measured, chosen with the test labels or not: the best single model
    (one member, one seed, either transform) of each dataset, how many configurations
    clear each bar, whether any clears all four, and the closest by summed shortfall."""
    dss = ["nsl", "kdd99", "cic17", "cse18"]
    rows = [l.rstrip("\n").split("\t") for l in open(configs)][1:]
    best, by = {}, {}
    for ds, tr, mem, K, st, cb, au, sd, runs in rows:
        if "," not in mem and K == "1" and float(au) > best.get(ds, (0,))[0]:
            best[ds] = (float(au), f"{mem}@{tr}")
        by.setdefault(f"{mem.replace(',', '+')}@{tr} seeds {K} {st} {cb}", {})[ds] = float(au)
    head = [l.rstrip("\n").split("\t") for l in open(mixed_tsv)]
    for r in head[1:]:
        d = dict(zip(head[0], r))
        by[f"{d['members']} {d['standardize']} {d['combine']}"] = {ds: float(d[ds]) for ds in dss}
    bar = {ds: best[ds][0] - 0.005 for ds in dss}
    print("bar (best single - 0.005):", ", ".join(f"{ds} {best[ds][1]} {best[ds][0]:.4f} -> {bar[ds]:.4f}" for ds in dss))
    full = {k: v for k, v in by.items() if all(ds in v for ds in dss)}
    print(f"{len(full)} configurations measured on all four datasets ({len(by) - len(full)} on fewer)")
    for ds in dss:
        print(f"  clear the {ds} bar: {sum(v[ds] >= bar[ds] for v in full.values())}")
    short = lambda v: sum(max(0.0, bar[ds] - v[ds]) for ds in dss)
    ranked = sorted(full.items(), key=lambda kv: short(kv[1]))
    print(f"clear all four: {sum(short(v) == 0 for v in full.values())}; the closest (summed shortfall):")
    for k, v in ranked[:8]:
        print(f"  {short(v):.4f}  {k}: " + ", ".join(f"{ds} {v[ds]:.4f}" for ds in dss))


def main():
    if sys.argv[1] == "auroc":
        print("%.4f" % auroc(np.loadtxt(sys.argv[2]), np.loadtxt(sys.argv[3])))
    elif sys.argv[1] == "combos":
        combos(sys.argv[2])
    elif sys.argv[1] == "select":
        select(sys.argv[2])
    elif sys.argv[1] == "tables":
        tables(sys.argv[2])
    elif sys.argv[1] == "mixed":
        mixed(sys.argv[2])
    elif sys.argv[1] == "reach":
        reach(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
