"""Multilinear polynomials given by their evaluation table on {0,1}^n.

Convention (used by every protocol in veriml): variable x_0 is the MOST significant bit
of the table index, so fixing x_0 = r folds the two halves of the table:

    f(r, x_1, ..., x_{n-1}) = f_lo + r * (f_hi - f_lo),   f_lo = f[:N/2], f_hi = f[N/2:].

``eq(r, b) = prod_j (r_j b_j + (1 - r_j)(1 - b_j))`` is the multilinear Lagrange kernel,
so ``f(r) = sum_b eq(r, b) f(b)``. Base tables are ``uint64`` of shape (2^n,), extension
tables ``uint64`` of shape (2^n, 2); points are extension arrays of shape (n, 2).
"""

from __future__ import annotations

import numpy as np
from veriml.jit import kernel

from ..field import fast as F
from ..field import ref as R
from ..field.fast import emul, gadd, gmul, gsub


# ---------------------------------------------------------------- reference


def fold_ref(table, r):
    table = np.asarray(table, dtype=np.uint64)
    if table.ndim == 1:
        table = np.stack([table, np.zeros_like(table)], axis=-1)
    half = table.shape[0] // 2
    lo, hi = table[:half], table[half:]
    return R.ext_add(lo, R.ext_mul(R.ext_sub(hi, lo), np.asarray(r, dtype=np.uint64)[None, :]))


def eq_table_ref(point):
    point = np.asarray(point, dtype=np.uint64).reshape(-1, 2)
    table = np.array([[1, 0]], dtype=np.uint64)
    one = np.array([1, 0], dtype=np.uint64)
    for r in point:  # x_0 first: it becomes the most significant bit
        lo = R.ext_mul(table, R.ext_sub(one, r)[None, :])
        hi = R.ext_mul(table, r[None, :])
        table = np.stack([lo, hi], axis=1).reshape(-1, 2)
    return table


def evaluate_ref(table, point):
    t = np.asarray(table, dtype=np.uint64)
    for r in np.asarray(point, dtype=np.uint64).reshape(-1, 2):
        t = fold_ref(t, r)
    if t.ndim == 1:
        t = np.stack([t, np.zeros_like(t)], axis=-1)
    return t[0]


# ---------------------------------------------------------------- kernels


@kernel
def _fold_base(table, r0, r1, out):
    half = table.shape[0] // 2
    for i in range(half):
        d = gsub(table[half + i], table[i])
        out[i, 0] = gadd(table[i], gmul(d, r0))
        out[i, 1] = gmul(d, r1)


@kernel
def _fold_ext(table, r0, r1, out):
    half = table.shape[0] // 2
    for i in range(half):
        d0 = gsub(table[half + i, 0], table[i, 0])
        d1 = gsub(table[half + i, 1], table[i, 1])
        m0, m1 = emul(d0, d1, r0, r1)
        out[i, 0] = gadd(table[i, 0], m0)
        out[i, 1] = gadd(table[i, 1], m1)


@kernel
def _eq_table(point, out):
    n = point.shape[0]
    out[0, 0] = np.uint64(1)
    out[0, 1] = np.uint64(0)
    size = 1
    for j in range(n):
        r0 = point[j, 0]
        r1 = point[j, 1]
        # expand in place from the back: entry i -> (2i, 2i+1)
        for i in range(size - 1, -1, -1):
            a0 = out[i, 0]
            a1 = out[i, 1]
            h0, h1 = emul(a0, a1, r0, r1)
            out[2 * i + 1, 0] = h0
            out[2 * i + 1, 1] = h1
            out[2 * i, 0] = gsub(a0, h0)
            out[2 * i, 1] = gsub(a1, h1)
        size *= 2


@kernel
def _dot_ext_base(eq, table):
    acc0 = np.uint64(0)
    acc1 = np.uint64(0)
    for i in range(table.shape[0]):
        acc0 = gadd(acc0, gmul(eq[i, 0], table[i]))
        acc1 = gadd(acc1, gmul(eq[i, 1], table[i]))
    return acc0, acc1


@kernel
def _dot_ext_ext(eq, table):
    acc0 = np.uint64(0)
    acc1 = np.uint64(0)
    for i in range(table.shape[0]):
        m0, m1 = emul(eq[i, 0], eq[i, 1], table[i, 0], table[i, 1])
        acc0 = gadd(acc0, m0)
        acc1 = gadd(acc1, m1)
    return acc0, acc1


@kernel
def _eval_base_split(table, eq_hi, eq_lo):
    """sum_hi eq_hi[hi] sum_lo eq_lo[lo] table[hi * L + lo] for a base table (L = len(eq_lo))."""
    nlo = eq_lo.shape[0]
    s0 = np.uint64(0)
    s1 = np.uint64(0)
    for hi in range(eq_hi.shape[0]):
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        base = hi * nlo
        for lo in range(nlo):
            v = table[base + lo]
            a0 = gadd(a0, gmul(eq_lo[lo, 0], v))
            a1 = gadd(a1, gmul(eq_lo[lo, 1], v))
        m0, m1 = emul(a0, a1, eq_hi[hi, 0], eq_hi[hi, 1])
        s0 = gadd(s0, m0)
        s1 = gadd(s1, m1)
    return s0, s1


# ---------------------------------------------------------------- API


def fold(table, r):
    """Fix the first (most significant) variable to the extension element ``r``."""
    table = np.ascontiguousarray(table, dtype=np.uint64)
    r = np.asarray(r, dtype=np.uint64)
    out = np.empty((table.shape[0] // 2, 2), dtype=np.uint64)
    if table.ndim == 1:
        _fold_base(table, r[0], r[1], out)
    else:
        _fold_ext(table, r[0], r[1], out)
    return out


fold_ext_kernel = _fold_ext  # (table, r0, r1, out): out may be table[:half] (in place)


def eq_table(point):
    """All 2^n values eq(point, b), b in {0,1}^n in table order (x_0 = MSB)."""
    point = np.ascontiguousarray(point, dtype=np.uint64).reshape(-1, 2)
    out = np.empty((1 << point.shape[0], 2), dtype=np.uint64)
    _eq_table(point, out)
    return out


def eq_eval(a, b):
    """eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)) for two extension points."""
    a = np.asarray(a, dtype=np.uint64).reshape(-1, 2)
    b = np.asarray(b, dtype=np.uint64).reshape(-1, 2)
    one = np.array([1, 0], dtype=np.uint64)
    ab = F.ext_mul(a, b)
    # a b + (1-a)(1-b) = 2ab - a - b + 1
    terms = F.ext_add(F.ext_sub(F.ext_sub(F.ext_add(ab, ab), a), b), one)
    acc = one
    for t in terms:
        acc = F.ext_mul(acc, t)
    return acc


def dot_eq(eq, table):
    """sum_b eq[b] table[b] for an extension eq table and a base or extension table, as (2,)."""
    if table.ndim == 1:
        return np.array(_dot_ext_base(eq, table), dtype=np.uint64)
    return np.array(_dot_ext_ext(eq, table), dtype=np.uint64)


def evaluate_base(table, point):
    """f(point) for a base table, via eq(x, b) = eq(x_hi, b_hi) eq(x_lo, b_lo): two eq tables
    of ~2^(n/2) entries instead of one of 2^n (for a verifier evaluating a public table)."""
    table = np.ascontiguousarray(table, dtype=np.uint64)
    point = np.ascontiguousarray(point, dtype=np.uint64).reshape(-1, 2)
    n = point.shape[0]
    if table.ndim != 1 or table.shape[0] != 1 << n:
        raise ValueError("evaluate_base needs a base table of 2^len(point) entries")
    h = n // 2
    return np.array(_eval_base_split(table, eq_table(point[:h]), eq_table(point[h:])), dtype=np.uint64)


def evaluate(table, point):
    """f(point) for a base or extension table, as one extension element (2,)."""
    table = np.ascontiguousarray(table, dtype=np.uint64)
    point = np.asarray(point, dtype=np.uint64).reshape(-1, 2)
    if table.shape[0] != 1 << point.shape[0]:
        raise ValueError(f"table of {table.shape[0]} entries needs a point of {int(np.log2(table.shape[0]))} coordinates")
    eq = eq_table(point)
    if table.ndim == 1:
        return np.array(_dot_ext_base(eq, table), dtype=np.uint64)
    return np.array(_dot_ext_ext(eq, table), dtype=np.uint64)
