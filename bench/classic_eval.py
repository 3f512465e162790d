#!/usr/bin/python3
"""Metrics of a scored stream as peerlib.py computes them for the scikit-learn baselines.

  nids-cat -c score,label scored.rec | classic_eval.py [--threshold T | --train-scores F]

The threshold is 0.5 (supervised), or the 95th percentile of the score column of the
nids-cat text file F (the train-benign rows scored by the same model, unsupervised).
Prints one JSON line: auroc, auprc, f1, precision, recall, accuracy, threshold.
"""
import argparse
import json
import sys

import numpy as np
from sklearn.metrics import (average_precision_score, f1_score, precision_score,
                             recall_score, roc_auc_score)


def read(f):
    a = np.loadtxt(f, skiprows=1, ndmin=2)
    return a[:, 0], a[:, 1].astype(np.int8)


ap = argparse.ArgumentParser()
ap.add_argument("--threshold", type=float, default=0.5)
ap.add_argument("--train-scores")
a = ap.parse_args()
s, y = read(sys.stdin)
thr = a.threshold
if a.train_scores:
    with open(a.train_scores) as f:
        thr = float(np.percentile(read(f)[0], 95))
pred = (s > thr).astype(np.int8)
print(json.dumps(dict(auroc=roc_auc_score(y, s), auprc=average_precision_score(y, s),
                      f1=f1_score(y, pred), precision=precision_score(y, pred, zero_division=0),
                      recall=recall_score(y, pred), accuracy=float((pred == y).mean()),
                      threshold=thr)))
