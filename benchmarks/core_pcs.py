"""Benchmark of the WHIR PCS: commit / open / verify / proof size at 2^20 base-field values.

Prints one JSON object per line: {"name", "log_size", "seconds"[, "bytes"]}, the median of
``--reps`` warm runs (one untimed warm-up run compiles / loads the numba kernels first).

    python benchmarks/core_pcs.py [--log-size 20] [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import veriml.field as F
from veriml.pcs import PcsParams, commit, open as pcs_open, verify
from veriml.poly import multilinear as ML
from veriml.transcript import Transcript


def _run(params, table, point, value):
    t0 = time.perf_counter()
    cm, pd = commit(params, [table])
    t1 = time.perf_counter()
    tp = Transcript("bench")
    cm.absorb_into(tp)
    proof = pcs_open(params, pd, [(0, point, value)], tp)
    data = proof.to_bytes()
    t2 = time.perf_counter()
    tv = Transcript("bench")
    cm.absorb_into(tv)
    ok = verify(params, cm, [(0, point, value)], data, tv)
    t3 = time.perf_counter()
    assert ok
    return t1 - t0, t2 - t1, t3 - t2, len(data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-size", type=int, default=20)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    n = args.log_size
    rng = np.random.default_rng(0)
    params = PcsParams.default()
    table = F.random_base(rng, 1 << n)
    point = F.random_ext(rng, n)
    value = ML.evaluate(table, point)
    _run(params, table, point, value)  # warm-up
    runs = [_run(params, table, point, value) for _ in range(args.reps)]
    med = [statistics.median(r[j] for r in runs) for j in range(3)]
    for name, sec in zip(("pcs_commit", "pcs_open", "pcs_verify"), med):
        print(json.dumps({"name": name, "log_size": n, "seconds": round(sec, 4)}))
    print(json.dumps({"name": "pcs_proof", "log_size": n, "seconds": round(med[1], 4), "bytes": runs[0][3]}))


if __name__ == "__main__":
    main()
