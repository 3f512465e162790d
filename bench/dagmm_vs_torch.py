#!/usr/bin/python3
"""Trains ../shared/bench/dagmm_torch.py's DAGMM from the initial weights of a nids dagmm
model, on the rows of a nids stream, and prints the loss and its three terms, so that the
two implementations can be compared step for step.

  nids-fit -t dagmm --epochs 0 --seed S [--dropout 0] -o init.bin rows.rec
  nids-cat -H -c FEATURE,... rows.rec > rows.tsv       (the feature columns, in order)
  dagmm_vs_torch.py init.bin rows.tsv STEPS            lockstep: one full batch per step,
                                                       no dropout; compare with
  nids-fit -t dagmm --epochs STEPS --batch ROWS --dropout 0 -o /dev/null rows.rec
  dagmm_vs_torch.py init.bin rows.tsv EPOCHS --train   batches of 1024, dropout 0.5 (torch's
                                                       own shuffling and dropout draws), per
                                                       epoch means of the terms
Add --torch-init to start from torch's own initialisation (seed S) instead.
"""
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/bench"))
from dagmm_torch import DAGMM  # noqa: E402


def nids_tensors(path):
    """The named float32 tensors of a nids model file (nids-model(5)); the checksum is
    not verified: nids-fit just wrote the file."""
    b = open(path, "rb").read()
    if b[:8] != b"\x89NIDM\r\n\x1a":
        sys.exit(f"{path}: not a nids model file")
    tlen = struct.unpack_from("<I", b, 24)[0]
    text = b[28:28 + tlen].decode()
    arena = (28 + tlen + 63) // 64 * 64
    out = {}
    for line in text.splitlines():
        if line.startswith("tensor="):
            name, r, c, off = line[len("tensor="):].split()
            r, c, off = int(r), int(c), int(off)
            out[name] = np.frombuffer(b, "<f4", r * c, arena + 4 * off).reshape(r, c).copy()
        elif line.startswith("seed="):
            out["seed"] = int(line[5:])
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit(__doc__)
    model, rows, steps = args[0], args[1], int(args[2])
    train, torch_init = "--train" in sys.argv, "--torch-init" in sys.argv
    torch.set_num_threads(1)
    t = nids_tensors(model)
    X = torch.from_numpy(np.loadtxt(rows, dtype=np.float32, delimiter="\t", ndmin=2))
    torch.manual_seed(t["seed"])
    m = DAGMM(X.shape[1])
    if not train:
        m.est[2].p = 0.0
    if not torch_init:
        dense = [x for x in list(m.enc) + list(m.dec) if isinstance(x, torch.nn.Linear)]
        dense += [m.est[0], m.est[3]]
        names = [f"comp{i}" for i in range(len(dense) - 2)] + ["est0", "estout0"]
        with torch.no_grad():
            for layer, name in zip(dense, names):
                layer.weight.copy_(torch.from_numpy(t[name + ".w"]))
                layer.bias.copy_(torch.from_numpy(t[name + ".b"][0]))
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    m.train()
    n, batch = len(X), (1024 if train else len(X))
    for step in range(steps):
        terms = np.zeros(4)
        for idx in (torch.randperm(n) if train else torch.arange(n)).split(batch):
            xb = X[idx]
            xr, z, gamma = m(xb)
            phi, mu, cov = m.gmm(z, gamma)
            rec = ((xb - xr) ** 2).sum(1).mean()
            energy = m.energy(z, phi, mu, cov).mean()
            penalty = (1 / torch.diagonal(cov, dim1=-2, dim2=-1)).sum()
            loss = rec + m.lambda1 * energy + m.lambda2 * penalty
            opt.zero_grad()
            loss.backward()
            opt.step()
            terms += np.array([loss.item(), rec.item(), energy.item(), penalty.item()]) * len(xb)
        terms /= n
        if math.isnan(terms[0]):
            sys.exit(f"step {step + 1}: the loss is nan")
        print(f"{'epoch' if train else 'step'} {step + 1} loss {terms[0]:.6g} "
              f"recon {terms[1]:.6g} energy {terms[2]:.6g} penalty {terms[3]:.6g}", flush=True)


if __name__ == "__main__":
    main()
