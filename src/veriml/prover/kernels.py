"""Numba kernels of the model prover (contractions with eq tables, index-map weights),
each with a numpy reference in ``tests/prover/test_kernels.py``."""

from __future__ import annotations

import numpy as np
from veriml.jit import kernel

from ..field.fast import gadd, gmul

ZERO = np.uint64(0)


@kernel
def contract_mid(x, eq, out):
    """out[b, c] = sum_r eq[r] * x[b, r, c] for base x (B, R, C), eq (R, 2) -> out (B, C, 2)."""
    B, R, C = x.shape
    for b in range(B):
        for c in range(C):
            out[b, c, 0] = ZERO
            out[b, c, 1] = ZERO
        for r in range(R):
            e0 = eq[r, 0]
            e1 = eq[r, 1]
            for c in range(C):
                v = x[b, r, c]
                out[b, c, 0] = gadd(out[b, c, 0], gmul(e0, v))
                out[b, c, 1] = gadd(out[b, c, 1], gmul(e1, v))


@kernel
def contract_last(x, eq, out):
    """out[b, c] = sum_r eq[r] * x[b, c, r] for base x (B, C, R), eq (R, 2) -> out (B, C, 2)."""
    B, C, R = x.shape
    for b in range(B):
        for c in range(C):
            a0 = ZERO
            a1 = ZERO
            for r in range(R):
                v = x[b, c, r]
                a0 = gadd(a0, gmul(eq[r, 0], v))
                a1 = gadd(a1, gmul(eq[r, 1], v))
            out[b, c, 0] = a0
            out[b, c, 1] = a1


@kernel
def scatter_eq(eq, idx, out):
    """out[idx[i]] += eq[i] for idx[i] >= 0: the weights W_r(j) = sum_{i: idx(i)=j} eq(r, i)
    of an index map, so that sum_i eq(r, i) x[idx(i)] = sum_j W_r(j) x[j]."""
    for j in range(out.shape[0]):
        out[j, 0] = ZERO
        out[j, 1] = ZERO
    for i in range(idx.shape[0]):
        j = idx[i]
        if j >= 0:
            out[j, 0] = gadd(out[j, 0], eq[i, 0])
            out[j, 1] = gadd(out[j, 1], eq[i, 1])


def contract_rows(x2d: np.ndarray, eq: np.ndarray) -> np.ndarray:
    """sum_r eq[r] x[r, :] for a base (R, C) matrix -> (C, 2)."""
    x3 = np.ascontiguousarray(x2d, dtype=np.uint64).reshape(1, x2d.shape[0], x2d.shape[1])
    out = np.empty((1, x2d.shape[1], 2), dtype=np.uint64)
    contract_mid(x3, np.ascontiguousarray(eq, dtype=np.uint64), out)
    return out[0]


def index_weights(eq: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, 2), dtype=np.uint64)
    scatter_eq(np.ascontiguousarray(eq, dtype=np.uint64), np.ascontiguousarray(idx, dtype=np.int64), out)
    return out
