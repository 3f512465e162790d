#!/usr/bin/python3
"""The fidelity targets' reference values, with scikit-learn and pandas (bench/fidelity.sh).

    fidelity_check.py report PAIRS.tsv NIDS.json
        PAIRS.tsv: `nids-cat -c class,pred` of a scored stream; NIDS.json: nids-roc
        --multiclass --json of it. Prints the largest difference between nids's figures
        and classification_report / confusion_matrix's, and the label count.
    fidelity_check.py corr DATA.tsv KEPT.txt ORDER... --thr T
        DATA.tsv: `nids-cat -c ORDER...` of the stream; KEPT.txt: nids-select's list.
        Prints whether pandas' recipe (upper triangle of |DataFrame.corr()| > T) keeps
        the same columns, and both lists' lengths.
    fidelity_check.py tree DATA.tsv IMP.tsv DEPTH CRITERION
        DATA.tsv: `nids-cat -c FEATURES...,class`; IMP.tsv: nids-fit --importances of a
        tree of that depth and criterion. Prints the largest difference from
        DecisionTreeClassifier(...).feature_importances_ and both trees' node counts.
"""
import json
import sys

import numpy as np
import pandas as pd


def report(pairs, nids_json):
    from sklearn.metrics import classification_report, confusion_matrix
    df = pd.read_csv(pairs, sep="\t", dtype=str, keep_default_na=False)
    yt, yp = df["class"].tolist(), df["pred"].tolist()
    labels = sorted(set(yt) | set(yp))
    rep = classification_report(yt, yp, labels=labels, output_dict=True, zero_division=0)
    cm = confusion_matrix(yt, yp, labels=labels)
    nj = json.load(open(nids_json))
    assert nj["labels"] == labels, "labels differ"
    worst = 0.0
    for c in nj["classes"]:
        r = rep[c["name"]]
        for a, b in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            worst = max(worst, abs(c[a] - r[b]))
        assert c["support"] == r["support"]
    worst = max(worst, abs(nj["accuracy"] - rep["accuracy"]))
    for k, name in (("macro_avg", "macro avg"), ("weighted_avg", "weighted avg")):
        for a, b in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            worst = max(worst, abs(nj[k][a] - rep[name][b]))
    same_cm = np.array_equal(np.array(nj["confusion"]), cm)
    print(f"labels {len(labels)} rows {len(yt)} max|diff| {worst:.3g} confusion_matrix equal {same_cm}")


def corr(data, kept, order, thr):
    df = pd.read_csv(data, sep="\t")[order]
    c = df.corr().abs()
    upper = c.where(np.triu(np.ones(c.shape), k=1).astype(bool))
    drop = [col for col in upper.columns if any(upper[col] > thr)]
    want = [col for col in order if col not in drop]
    got = [l.strip() for l in open(kept) if l.strip() and not l.startswith("#")]
    print(f"pandas keeps {len(want)}, nids keeps {len(got)}, same columns {want == got}")
    if want != got:
        print("pandas:", want, "\nnids:  ", got)


def tree(data, imp, depth, crit):
    from sklearn.tree import DecisionTreeClassifier
    df = pd.read_csv(data, sep="\t", keep_default_na=False)
    y = df.pop("class").to_numpy()
    X = df.to_numpy(dtype=np.float32)
    t = DecisionTreeClassifier(criterion=crit, max_depth=depth, random_state=0).fit(X, y)
    ours = pd.read_csv(imp, sep="\t").set_index("feature")["importance"]
    d = max(abs(ours[f] - v) for f, v in zip(df.columns, t.feature_importances_))
    print(f"features {X.shape[1]} rows {X.shape[0]} sklearn nodes {t.tree_.node_count} "
          f"max|diff| {d:.3g}")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "report":
        report(sys.argv[2], sys.argv[3])
    elif what == "corr":
        i = sys.argv.index("--thr")
        corr(sys.argv[2], sys.argv[3], sys.argv[4:i], float(sys.argv[i + 1]))
    elif what == "tree":
        tree(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
