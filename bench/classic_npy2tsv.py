#!/usr/bin/python3
"""Writes featurize_pandas.py's arrays as nids-cat text, so that nids and scikit-learn
fit on the very same float32 matrix: features f0..f(d-1), then label (1 = attack).

  classic_npy2tsv.py DIR {train|train_benign|test}   > out.tsv
"""
import os
import sys

import numpy as np

d, part = sys.argv[1], sys.argv[2]
split = "train" if part.startswith("train") else "test"
X = np.load(os.path.join(d, f"X_{split}.npy"))
y = np.load(os.path.join(d, f"y_{split}.npy"))
if part == "train_benign":
    X, y = X[y == 0], y[y == 0]
out = sys.stdout
out.write("\t".join([f"f{j}" for j in range(X.shape[1])] + ["label"]) + "\n")
for row, lab in zip(X, y):
    # repr of a float32 via float(): shortest text that reads back as the same float32
    out.write("\t".join(np.format_float_positional(v, unique=True, trim="-") for v in row))
    out.write(f"\t{int(lab)}\n")
