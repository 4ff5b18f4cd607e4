"""Hashing-layer timings: Merkle build, Keccak batch throughput, grinding. Prints JSON lines.

Run: python benchmarks/hash_bench.py [--repeat 5]
Wall-clock medians and minima after a warm-up call (numba cache loaded, kernels compiled).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numba
import numpy as np

from veriml.hash import merkle as M
from veriml.hash.keccak import keccak256_batch
from veriml.transcript import Transcript


def timeit(fn, repeat):
    fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), min(ts)


def emit(**kw):
    print(json.dumps(kw), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    threads = numba.get_num_threads()

    for log_n, width in [(20, 16), (19, 32)]:
        rows = rng.integers(0, M.GOLDILOCKS_P, size=(1 << log_n, width), dtype=np.uint64)
        med, best = timeit(lambda: M.MerkleTree.build(rows), args.repeat)
        emit(bench="merkle_build", leaves=1 << log_n, width_u64=width, threads=threads,
             median_s=round(med, 4), min_s=round(best, 4))
        nodes = np.empty((2 * rows.shape[0] - 1, 4), dtype=np.uint64)
        med, best = timeit(lambda: M._build_serial(rows, nodes, log_n), args.repeat)
        c0 = time.process_time()
        M._build_serial(rows, nodes, log_n)
        cpu = time.process_time() - c0
        emit(bench="merkle_build_serial", leaves=1 << log_n, width_u64=width, threads=1,
             median_s=round(med, 4), min_s=round(best, 4), cpu_s=round(cpu, 4),
             ns_per_hash=round(best / (2 * rows.shape[0] - 1) * 1e9, 1))

    msgs = rng.integers(0, 256, size=(1 << 18, 64), dtype=np.uint8)
    med, best = timeit(lambda: keccak256_batch(msgs), args.repeat)
    emit(bench="keccak256_batch", n=msgs.shape[0], msg_bytes=64, threads=threads,
         median_s=round(med, 4), ns_per_hash=round(best / msgs.shape[0] * 1e9, 1))

    from veriml import transcript as T

    lanes = np.zeros(4, dtype=np.uint64)
    n_try = 1 << 20  # 64 leading zero bits: no hit, so the whole range is hashed
    med, best = timeit(lambda: T._grind_parallel(lanes, 0, 16, n_try // 16, 64), args.repeat)
    emit(bench="grind_kernel", nonces=n_try, threads=threads, median_s=round(med, 4),
         ns_per_hash=round(best / n_try * 1e9, 1))
    Transcript("warm").grind(14)
    for bits in (16, 20):
        tried, secs = 0, 0.0
        for seed in range(4 if bits == 20 else 16):
            t = Transcript(f"bench-{seed}")
            t0 = time.perf_counter()
            nonce = t.grind(bits)
            secs += time.perf_counter() - t0
            tried += nonce + 1  # the search covers whole batches; this undercounts work
        emit(bench="grind", bits=bits, threads=threads, runs=seed + 1,
             mean_s=round(secs / (seed + 1), 4), ns_per_nonce=round(secs / tried * 1e9, 1))


if __name__ == "__main__":
    main()
