"""Benchmarks of the proving core (sumcheck, LogUp-GKR).

Prints one JSON object per line: {"name", "log_size", "seconds", "bytes"}; seconds is the
median of 5 runs with the numba kernels warm (one untimed run first).

    python benchmarks/core_iop.py [--only sumcheck_product|logup] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from veriml.field import random_base
from veriml.iop import logup as LU
from veriml.iop import range_check as RC
from veriml.iop import sumcheck as SC
from veriml.transcript import Transcript


def _median_time(fn, runs: int):
    fn()  # warm: compile or load the kernels, touch the memory
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_sumcheck_product(log_size: int, runs: int) -> dict:
    """Sumcheck of sum_b f(b) g(b), f and g base tables, extension challenges; the prover
    computes the claim itself."""
    rng = np.random.default_rng(1)
    f, g = random_base(rng, 1 << log_size), random_base(rng, 1 << log_size)

    def run():
        return SC.prove([f, g], [(1, (0, 1))], Transcript("bench"))

    secs, out = _median_time(run, runs)
    SC.verify(out.proof, out.claim, [(1, (0, 1))], log_size, 2, Transcript("bench"))
    return {"name": "sumcheck_product", "log_size": log_size, "seconds": round(secs, 4),
            "bytes": len(out.proof.to_bytes())}


def bench_logup(log_size: int, table_bits: int, runs: int) -> dict:
    """2^log_size values looked up in the range table [0, 2^table_bits): multiplicities,
    both fraction trees, both GKRs with all their sumchecks, the column evaluations."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 1 << table_bits, 1 << log_size, dtype=np.uint64)

    def run():
        limbs = RC.decompose(x, table_bits)
        m = RC.multiplicities(limbs, table_bits)
        return RC.prove(limbs, table_bits, m, Transcript("bench"))

    secs, (proof, _) = _median_time(run, runs)
    RC.verify(proof, 1 << log_size, table_bits, Transcript("bench"))
    return {"name": "logup", "log_size": log_size, "table_log_size": table_bits,
            "seconds": round(secs, 4), "bytes": len(proof.to_bytes())}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["sumcheck_product", "logup"])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    if args.only in (None, "sumcheck_product"):
        print(json.dumps(bench_sumcheck_product(22, args.runs)), flush=True)
    if args.only in (None, "logup"):
        print(json.dumps(bench_logup(20, 16, args.runs)), flush=True)


if __name__ == "__main__":
    main()
