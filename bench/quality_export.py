#!/usr/bin/python3
"""quality_export.py STREAM OUT.npy [LABELS.npy [--flip]]: a record stream's feature
columns as float32 X (exactly the values nids trains on and scores, read through
nids-cat), and its label column as int8 y (1 = attack; with --flip, 1 = normal, for the
KDD Cup 99 protocol in which normal traffic is the anomaly). NIDS_BIN: the programs."""
import os
import subprocess
import sys

import numpy as np

BIN = os.environ.get("NIDS_BIN", "build/bin")


def main():
    src, xout = sys.argv[1], sys.argv[2]
    yout = sys.argv[3] if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else None
    flip = "--flip" in sys.argv
    info = subprocess.run([f"{BIN}/nids-cat", "-i", src], check=True, capture_output=True,
                          text=True).stdout.splitlines()
    n = int(info[0].split("\t")[1])
    cols = [line.split("\t") for line in info[1:1 + n]]
    feats = [c[1] for c in cols if c[2] == "feature"]
    want = feats + (["label"] if yout else [])
    txt = subprocess.run([f"{BIN}/nids-cat", "-H", "-c", ",".join(want), src], check=True,
                         capture_output=True).stdout
    a = np.loadtxt(txt.decode().splitlines(), delimiter="\t", dtype=np.float64, ndmin=2)
    X = a[:, :len(feats)].astype(np.float32)
    np.save(xout, X)
    if yout:
        y = a[:, len(feats)].astype(np.int8)
        np.save(yout, (1 - y) if flip else y)


if __name__ == "__main__":
    main()
