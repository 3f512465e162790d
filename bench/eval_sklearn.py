#!/usr/bin/python3
"""The scikit-learn side of bench/eval.sh: reads the same nids stream as nids-roc
(uncompressed blocks, parsed with numpy; checksums are not verified, which only
favours this side) and computes AUROC, average precision and the best F1 with its
threshold. Prints one JSON line with the values and the seconds spent loading and
computing.

usage: eval_sklearn.py rows.rec"""
import json
import struct
import sys
import time

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score


def read_stream(path):
    """Rows of an uncompressed nids stream (man/nids-stream.5) as float32 [rows, C]."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:8] != b"\x89NIDS\r\n\x1a":
        sys.exit(f"{path}: not a nids stream")
    hlen, ncols = struct.unpack_from("<II", buf, 16)
    pos, parts = hlen, []
    while pos < len(buf):
        rows, flags, plen, _ = struct.unpack_from("<IIII", buf, pos)
        pos += 16
        if flags & 0x4:      # end block; a concatenated stream would start again here
            pos += plen
            if pos < len(buf):
                sys.exit(f"{path}: concatenated streams are not handled here")
            break
        if flags & 0x1:
            sys.exit(f"{path}: compressed blocks are not handled here")
        if not flags & 0x2:  # a class block carries no rows
            parts.append(np.frombuffer(buf, "<f4", rows * ncols, pos).reshape(rows, ncols))
        pos += plen
    return np.concatenate(parts)


def main():
    t0 = time.perf_counter()
    x = read_stream(sys.argv[1])
    score, label = x[:, 0], x[:, 1].astype(np.int8)
    t1 = time.perf_counter()
    auroc = roc_auc_score(label, score)
    auprc = average_precision_score(label, score)
    p, r, t = precision_recall_curve(label, score)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * p * r / (p + r)
    best = int(np.nanargmax(f1[:-1]))
    t2 = time.perf_counter()
    print(json.dumps({"rows": len(label), "auroc": auroc, "auprc": auprc,
                      "best_f1": float(f1[best]), "best_f1_threshold": float(t[best]),
                      "load_s": round(t1 - t0, 3), "metrics_s": round(t2 - t1, 3)}))


if __name__ == "__main__":
    main()
