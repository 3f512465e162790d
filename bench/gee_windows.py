#!/usr/bin/python3
"""GEE's per-source window features (Nguyen et al. 2019) in pandas: the reference that
nids-window is checked against, written from the feature rules alone.

    gee_windows.py [--window S] [--min-flows N] [--by src|dst] [--mixed] [--exact] FILE
        reads raw UGR'16 CSV (13 fields, no header; .zst too) and prints one TSV row per
        (window, address) group: time, address, flows, the 69 features, label, class.
    gee_windows.py --compare A.tsv B.tsv [--rtol R]
        compares two such tables (B may be `nids-cat` output of nids-window): the same
        groups with the same flows, label and class, every feature within R relative
        (values under 1e-9 in magnitude compare as zero). Exit 0 when equal.

By default duration, packets and bytes are rounded to float32 first, as the record
stream stores them (nids-featurize); --exact keeps the CSV's double values.
"""
import argparse
import ipaddress
import math
import subprocess
import sys

import numpy as np
import pandas as pd

PORTS = [20, 21, 22, 23, 25, 50, 51, 53, 67, 68, 69, 80, 110, 119, 123, 135, 136, 137,
         138, 139, 143, 161, 162, 389, 443, 3389]
FIELDS = ["te", "td", "sa", "da", "sp", "dp", "pr", "flg", "fwd", "stos", "pkt", "byt",
          "label"]
BENIGN = {"background", "normal", "benign"}


def feature_names(by):
    stats = ["duration", "packets", "bytes", "packet_rate", "byte_rate"]
    names = ["mean_" + s for s in stats] + ["sd_" + s for s in stats]
    names += ["entropy_proto", "entropy_src_addr" if by == "dst" else "entropy_dst_addr",
              "entropy_sport", "entropy_dport", "entropy_flags"]
    for d in ("sport", "dport"):
        names += ["%s_%d" % (d, p) for p in PORTS] + [d + "_other"]
    return names


def read(path):
    if path.endswith(".zst"):
        text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
        import io
        return pd.read_csv(io.BytesIO(text), header=None, names=FIELDS)
    return pd.read_csv(path, header=None, names=FIELDS)


def addr_key(s):
    a = ipaddress.ip_address(s)
    if a.version == 4:
        a = ipaddress.IPv6Address("::ffff:" + s)
    return int(a)


def entropy(df, keys, col, n):
    """Shannon entropy in bits of col within each group of keys."""
    c = df.groupby(keys + [col], sort=False).size()
    p = c / n.reindex(c.index.droplevel(-1)).to_numpy()
    return (-(p * np.log2(p))).groupby(level=list(range(len(keys)))).sum()


def windows(df, window, min_flows, by, mixed, exact):
    if not exact:
        for c in ("td", "pkt", "byt"):
            df[c] = df[c].astype(np.float32).astype(np.float64)
    t = pd.to_datetime(df["te"]).astype("int64") // 10**9
    df["w"] = t - t % window
    df["key"] = df["sa"] if by == "src" else df["da"]
    df["peer"] = df["da"] if by == "src" else df["sa"]
    nz = df["td"] != 0
    df["prate"] = (df["pkt"] / df["td"]).where(nz)
    df["brate"] = (df["byt"] / df["td"]).where(nz)
    keys = ["w", "key"]
    g = df.groupby(keys, sort=False)
    n = g.size()
    cols = ["td", "pkt", "byt", "prate", "brate"]
    out = pd.DataFrame(index=n.index)
    for c in cols:
        out["mean_" + c] = g[c].mean()
    for c in cols:
        out["sd_" + c] = g[c].std(ddof=1)
    for c in ("pr", "peer", "sp", "dp", "flg"):
        out["ent_" + c] = entropy(df, keys, c, n)
    slot = {p: i for i, p in enumerate(PORTS)}
    for c, name in (("sp", "sport"), ("dp", "dport")):
        s = df[c].map(slot).fillna(len(PORTS)).astype(int)
        cnt = df.assign(slot=s).groupby(keys + ["slot"], sort=False).size().unstack(
            fill_value=0).reindex(columns=range(len(PORTS) + 1), fill_value=0)
        prop = cnt.div(n.reindex(cnt.index), axis=0)
        for i in range(len(PORTS) + 1):
            out["%s_%d" % (name, i)] = prop[i]
    out = out.fillna(0.0)
    lab = df.groupby(keys + ["label"], sort=False).size()
    top = lab.groupby(level=[0, 1]).max()
    top_label = lab.groupby(level=[0, 1]).idxmax().map(lambda k: k[2])
    majority = 2 * top > n.reindex(top.index)
    attacks = df.assign(a=~df["label"].isin(BENIGN)).groupby(keys, sort=False)["a"].sum()
    out["flows"] = n
    out["cls"] = top_label.where(majority, "mixed")
    out["attack"] = (2 * attacks >= n).astype(int)
    out = out[out["flows"] >= min_flows]
    if not mixed:
        out = out[out["cls"] != "mixed"]
    out = out.reset_index()
    out["order"] = out["key"].map(addr_key)
    return out.sort_values(["w", "order"])


def emit(out, by):
    names = feature_names(by)
    w = sys.stdout.write
    w("\t".join(["time", "src_addr" if by == "src" else "dst_addr", "flows"] + names +
                ["label", "class"]) + "\n")
    fcols = [c for c in out.columns if c.startswith(("mean_", "sd_", "ent_", "sport_",
                                                      "dport_"))]
    assert len(fcols) == 69
    for r in out.itertuples(index=False):
        d = r._asdict()
        ts = pd.Timestamp(int(d["w"]), unit="s").strftime("%Y-%m-%dT%H:%M:%SZ")
        vals = ["%.17g" % d[c] for c in fcols]
        w("\t".join([ts, d["key"], str(d["flows"])] + vals + [str(d["attack"]),
                                                             d["cls"]]) + "\n")


def compare(a_path, b_path, rtol):
    a = pd.read_csv(a_path, sep="\t", dtype=str, keep_default_na=False)
    b = pd.read_csv(b_path, sep="\t", dtype=str, keep_default_na=False)
    if list(a.columns) != list(b.columns):
        print("columns differ: %s vs %s" % (list(a.columns), list(b.columns)))
        return 1
    ids = [c for c in a.columns[:3]] + ["label", "class"]
    if len(a) != len(b):
        print("%d groups vs %d" % (len(a), len(b)))
        return 1
    bad = 0
    worst = 0.0
    for i in range(len(a)):
        for c in ids:
            if a[c][i] != b[c][i]:
                print("row %d: %s: '%s' vs '%s'" % (i + 1, c, a[c][i], b[c][i]))
                bad += 1
        for c in a.columns[3:-2]:
            x, y = float(a[c][i]), float(b[c][i])
            scale = max(abs(x), abs(y))
            if scale < 1e-9:
                continue
            rel = abs(x - y) / scale
            worst = max(worst, rel)
            if rel > rtol:
                print("row %d (%s %s): %s: %.17g vs %.17g (relative %.3g)" %
                      (i + 1, a["time"][i], a.iloc[i, 1], c, x, y, rel))
                bad += 1
    print("%d groups, %d features each: %d differences; largest relative difference %.3g"
          % (len(a), len(a.columns) - 5, bad, worst))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--window", type=int, default=180)
    ap.add_argument("--min-flows", type=int, default=10)
    ap.add_argument("--by", choices=["src", "dst"], default="src")
    ap.add_argument("--mixed", action="store_true")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.compare:
        if len(a.files) != 2:
            ap.error("--compare takes two files")
        return compare(a.files[0], a.files[1], a.rtol)
    out = windows(read(a.files[0]), a.window, a.min_flows, a.by, a.mixed, a.exact)
    emit(out, a.by)
    return 0


if __name__ == "__main__":
    sys.exit(main())
