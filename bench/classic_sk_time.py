#!/usr/bin/python3
"""scikit-learn's side of bench/classic.sh: the models and settings of
../shared/bench/sklearn_baselines.py (imported from there) and its metrics protocol
(peerlib.scores_report), timed in wall and CPU seconds (CPU: every thread of the
process, time.process_time). Scoring is timed for one pass, predict_proba()[:, 1] for the
classifiers and the anomaly score for the others, as nids-score makes one
(sklearn_baselines.py times predict_proba() and predict() together): the fastest of
PASSES passes (default 5) after one untimed pass, as bench/classic_time.c does, so that
first-touch costs and a busy moment of a shared machine count on neither side.

  classic_sk_time.py PEERS_DIR DATA_DIR MODEL SEED     -> one JSON line
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
from peerlib import load, scores_report  # noqa: E402
from sklearn_baselines import MODELS  # noqa: E402

name, seed = sys.argv[3], int(sys.argv[4])
Xtr, ytr, Xte, yte = load(sys.argv[2])
build, anomaly_score, _ = MODELS[name]
supervised = anomaly_score is None
Xfit = Xtr if supervised else Xtr[ytr == 0]
model = build(seed)
w0, c0 = time.perf_counter(), time.process_time()
model.fit(Xfit, ytr) if supervised else model.fit(Xfit)
w1, c1 = time.perf_counter(), time.process_time()
# one untimed pass first, as classic_time.c makes, then the fastest of PASSES passes
score = (lambda X: model.predict_proba(X)[:, 1]) if supervised else (lambda X: anomaly_score(model, X))
score(Xte)
passes = int(__import__("os").environ.get("PASSES", "5"))
score_wall = score_cpu = float("inf")
for _ in range(passes):
    w1s, c1s = time.perf_counter(), time.process_time()
    s = score(Xte)
    w2, c2 = time.perf_counter(), time.process_time()
    if w2 - w1s < score_wall:
        score_wall, score_cpu = w2 - w1s, c2 - c1s
# the metrics exactly as sklearn_baselines.one_run computes them
thr = 0.5 if supervised else float(__import__("numpy").percentile(anomaly_score(model, Xfit), 95))
r = scores_report(yte, s, thr)
if supervised:
    r.update(scores_report(yte, model.predict(Xte).astype(float), 0.5), auroc=r["auroc"])
r.update(fit_wall=w1 - w0, fit_cpu=c1 - c0, score_wall=score_wall, score_cpu=score_cpu)
print(json.dumps({k: float(v) for k, v in r.items()}))
