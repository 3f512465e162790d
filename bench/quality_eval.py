#!/usr/bin/python3
"""quality_eval.py: figures for bench/quality.md from the files bench/quality.sh writes.

  quality_eval.py auroc Y SCORES      AUROC of a score file against labels (1 = positive)
  quality_eval.py combos WORK         every ensemble configuration, offline, into
                                      WORK/combos.tsv; one line per configuration
  quality_eval.py singles WORK        single models: AUROC mean and sd over seeds
  quality_eval.py peers WORK          the peers' JSON lines as a table

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


def main():
    if sys.argv[1] == "auroc":
        print("%.4f" % auroc(np.loadtxt(sys.argv[2]), np.loadtxt(sys.argv[3])))
    elif sys.argv[1] == "combos":
        combos(sys.argv[2])


if __name__ == "__main__":
    main()
