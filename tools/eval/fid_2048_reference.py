"""Reference Fréchet distances of a generated 2048-d case, for @tokenset/eval's benchmark.

Features are defined by a formula any language computes exactly (FNV-1a seeded LCG, as in
`../shared/reference/README.md`, kind "weight": (2u-1)*sqrt(3/fan_in) rounded to float32), then
mixed in float64 so the covariances are full and non-trivial:

  a[r, c] = A[r, c] * (1 + c/1024) + 0.5 * A[r, (7c + 1) % 2048]
  b[r, c] = B[r, c] * (1.1 - c/4096) + 0.3 * B[r, (13c + 5) % 2048] + 0.01

with A = formula("fid2048.features_a", [2500, 2048]), B = formula("fid2048.features_b", [2600, 2048]).
mu = mean, sigma = np.cov(rowvar=False). Writes packages/eval/bench/fid2048-expected.json with the
distance by torch-fidelity's formula (eigenvalues of sigma_a @ sigma_b) and by scipy's sqrtm
(pytorch-fid / ADM evaluator).

Run: python3 tools/eval/fid_2048_reference.py
"""

import json
import os
import time

import numpy as np
import scipy
import scipy.linalg

D = 2048


def fnv1a32(text):
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def formula_weight(name, shape, seed=0):
    numel = int(np.prod(shape))
    fan_in = numel / shape[0]
    x = np.empty(numel, dtype=np.uint64)
    state = fnv1a32(f"{seed}:{name}")
    # The LCG is sequential; run it in chunks with numpy's uint64 arithmetic.
    for i in range(numel):
        state = (1664525 * state + 1013904223) & 0xFFFFFFFF
        x[i] = state
    u = x.astype(np.float64) / 4294967296.0
    return ((2 * u - 1) * np.sqrt(3 / fan_in)).astype(np.float32).reshape(shape)


def features():
    cols = np.arange(D)
    A = formula_weight("fid2048.features_a", [2500, D]).astype(np.float64)
    B = formula_weight("fid2048.features_b", [2600, D]).astype(np.float64)
    a = A * (1 + cols / 1024) + 0.5 * A[:, (7 * cols + 1) % D]
    b = B * (1.1 - cols / 4096) + 0.3 * B[:, (13 * cols + 5) % D] + 0.01
    return a, b


def main():
    a, b = features()
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    diff = mu_a - mu_b
    base = float(diff.dot(diff) + np.trace(s_a) + np.trace(s_b))
    t = time.time()
    tr_eig = float(np.sum(np.sqrt(np.linalg.eigvals(s_a.dot(s_b)).astype("complex128")).real))
    t_eig = time.time() - t
    t = time.time()
    covmean, _ = scipy.linalg.sqrtm(s_a.dot(s_b), disp=False)
    tr_sqrtm = float(np.trace(covmean.real))
    t_sqrtm = time.time() - t
    out = {
        "dim": D,
        "n_a": a.shape[0],
        "n_b": b.shape[0],
        "fid": base - 2 * tr_eig,
        "fid_sqrtm": base - 2 * tr_sqrtm,
        "trace_sigma_a": float(np.trace(s_a)),
        "trace_sigma_b": float(np.trace(s_b)),
        "mean_term": float(diff.dot(diff)),
        "mu_a_head": mu_a[:4].tolist(),
        "sigma_a_head": s_a[0, :4].tolist(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "seconds_eigvals": t_eig,
        "seconds_sqrtm": t_sqrtm,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "eval", "bench", "fid2048-expected.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
