"""Numba kernels for Goldilocks and its quadratic extension.

Two layers:

* scalar kernels (``gadd``, ``gmul``, ``emul`` ...) that other kernels call
  inside their own loops (sumcheck rounds, NTT, LogUp);
* array functions with the same names and signatures as :mod:`veriml.field.ref`
  (``add``, ``mul``, ``ext_mul`` ...) that accept any broadcastable shapes.

The 64x64 -> 128-bit product is built from four 32x32 products (LLVM vectorises this
form, see shared/PERF-NOTES.md), then reduced with 2^64 = 2^32 - 1 and 2^96 = -1 (mod p).
Every constant is a ``np.uint64``: numba promotes a mix of uint64 and int64 to float64.
"""

from __future__ import annotations

import numpy as np
from veriml.jit import kernel

P = np.uint64(0xFFFFFFFF00000001)
EPS = np.uint64(0xFFFFFFFF)  # 2^64 mod p = 2^32 - 1
MASK32 = np.uint64(0xFFFFFFFF)
S32 = np.uint64(32)
ZERO = np.uint64(0)
ONE = np.uint64(1)
W = np.uint64(7)


@kernel
def gadd(a, b):
    s = a + b
    if s < a:  # carried past 2^64: add 2^64 mod p
        s += EPS
    if s >= P:
        s -= P
    return s


@kernel
def gsub(a, b):
    d = a - b
    if a < b:  # borrowed 2^64: subtract 2^64 mod p
        d -= EPS
    return d


@kernel
def gneg(a):
    if a == ZERO:
        return ZERO
    return P - a


@kernel
def reduce128(hi, lo):
    """hi * 2^64 + lo mod p, for any 64-bit hi and lo."""
    hi_hi = hi >> S32
    hi_lo = hi & MASK32
    t = lo - hi_hi  # 2^96 = -1
    if lo < hi_hi:
        t -= EPS
    m = hi_lo * EPS  # hi_lo * 2^64 = hi_lo * (2^32 - 1), fits in 64 bits
    r = t + m
    if r < t:
        r += EPS
    if r >= P:
        r -= P
    return r


@kernel
def gmul(a, b):
    a0 = a & MASK32
    a1 = a >> S32
    b0 = b & MASK32
    b1 = b >> S32
    t0 = a0 * b0
    t1 = a0 * b1
    t2 = a1 * b0
    t3 = a1 * b1
    mid = t1 + (t0 >> S32)
    mid2 = t2 + (mid & MASK32)
    lo = (mid2 << S32) | (t0 & MASK32)
    hi = t3 + (mid >> S32) + (mid2 >> S32)
    return reduce128(hi, lo)


@kernel
def gpow(a, e):
    r = ONE
    base = a
    e = np.uint64(e)
    while e > ZERO:
        if e & ONE:
            r = gmul(r, base)
        base = gmul(base, base)
        e >>= ONE
    return r


@kernel
def ginv(a):
    """a^(p-2); the inverse of 0 is 0."""
    return gpow(a, P - np.uint64(2))


@kernel
def emul(a0, a1, b0, b1):
    """(a0 + a1 x)(b0 + b1 x) mod x^2 - 7."""
    c0 = gadd(gmul(a0, b0), gmul(W, gmul(a1, b1)))
    c1 = gadd(gmul(a0, b1), gmul(a1, b0))
    return c0, c1


@kernel
def einv(a0, a1):
    norm = gsub(gmul(a0, a0), gmul(W, gmul(a1, a1)))
    ni = ginv(norm)
    return gmul(a0, ni), gneg(gmul(a1, ni))


# ---------------------------------------------------------------- flat array kernels


@kernel
def _add_flat(a, b, out):
    for i in range(out.size):
        out[i] = gadd(a[i], b[i])


@kernel
def _sub_flat(a, b, out):
    for i in range(out.size):
        out[i] = gsub(a[i], b[i])


@kernel
def _mul_flat(a, b, out):
    for i in range(out.size):
        out[i] = gmul(a[i], b[i])


@kernel
def _neg_flat(a, out):
    for i in range(out.size):
        out[i] = gneg(a[i])


@kernel
def _pow_flat(a, e, out):
    for i in range(out.size):
        out[i] = gpow(a[i], e)


@kernel
def _batch_inv_flat(a, out):
    """Montgomery's trick: one exponentiation for the whole batch; zeros map to zero."""
    n = a.size
    acc = ONE
    for i in range(n):
        out[i] = acc
        if a[i] != ZERO:
            acc = gmul(acc, a[i])
    inv = ginv(acc)
    for i in range(n - 1, -1, -1):
        if a[i] != ZERO:
            out[i] = gmul(out[i], inv)
            inv = gmul(inv, a[i])
        else:
            out[i] = ZERO


@kernel
def _ext_mul_flat(a, b, out):
    for i in range(out.shape[0]):
        c0, c1 = emul(a[i, 0], a[i, 1], b[i, 0], b[i, 1])
        out[i, 0] = c0
        out[i, 1] = c1


@kernel
def _ext_mul_base_flat(a, b, out):
    for i in range(out.shape[0]):
        out[i, 0] = gmul(a[i, 0], b[i])
        out[i, 1] = gmul(a[i, 1], b[i])


@kernel
def _ext_inv_flat(a, out):
    """Batch inverse over F_p2 via norms: (a0 - a1 x) / N(a), N(a) batch-inverted."""
    n = a.shape[0]
    norms = np.empty(n, dtype=np.uint64)
    for i in range(n):
        norms[i] = gsub(gmul(a[i, 0], a[i, 0]), gmul(W, gmul(a[i, 1], a[i, 1])))
    ninv = np.empty(n, dtype=np.uint64)
    _batch_inv_flat(norms, ninv)
    for i in range(n):
        out[i, 0] = gmul(a[i, 0], ninv[i])
        out[i, 1] = gneg(gmul(a[i, 1], ninv[i]))


# ---------------------------------------------------------------- array API


def _prep2(a, b, ext_a=False, ext_b=False):
    a = np.asarray(a, dtype=np.uint64)
    b = np.asarray(b, dtype=np.uint64)
    sa = a.shape[:-1] if ext_a else a.shape
    sb = b.shape[:-1] if ext_b else b.shape
    shape = np.broadcast_shapes(sa, sb)
    a = np.ascontiguousarray(np.broadcast_to(a, shape + ((2,) if ext_a else ())))
    b = np.ascontiguousarray(np.broadcast_to(b, shape + ((2,) if ext_b else ())))
    return a, b, shape


def _binary(kernel, a, b):
    a, b, shape = _prep2(a, b)
    out = np.empty(shape, dtype=np.uint64)
    kernel(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


def add(a, b):
    return _binary(_add_flat, a, b)


def sub(a, b):
    return _binary(_sub_flat, a, b)


def mul(a, b):
    return _binary(_mul_flat, a, b)


def neg(a):
    a = np.ascontiguousarray(a, dtype=np.uint64)
    out = np.empty_like(a)
    _neg_flat(a.reshape(-1), out.reshape(-1))
    return out


def inv(a):
    """Elementwise inverse by one batched inversion; the inverse of 0 is 0."""
    a = np.ascontiguousarray(a, dtype=np.uint64)
    out = np.empty_like(a)
    _batch_inv_flat(a.reshape(-1), out.reshape(-1))
    return out


def pow_(a, e: int):
    a = np.ascontiguousarray(a, dtype=np.uint64)
    out = np.empty_like(a)
    _pow_flat(a.reshape(-1), np.uint64(e), out.reshape(-1))
    return out


def ext_add(a, b):
    return add(a, b)


def ext_sub(a, b):
    return sub(a, b)


def ext_neg(a):
    return neg(a)


def ext_mul(a, b):
    a, b, shape = _prep2(a, b, True, True)
    out = np.empty(shape + (2,), dtype=np.uint64)
    _ext_mul_flat(a.reshape(-1, 2), b.reshape(-1, 2), out.reshape(-1, 2))
    return out


def ext_mul_base(a, b):
    a, b, shape = _prep2(a, b, True, False)
    out = np.empty(shape + (2,), dtype=np.uint64)
    _ext_mul_base_flat(a.reshape(-1, 2), b.reshape(-1), out.reshape(-1, 2))
    return out


def ext_inv(a):
    a = np.ascontiguousarray(a, dtype=np.uint64)
    out = np.empty_like(a)
    _ext_inv_flat(a.reshape(-1, 2), out.reshape(-1, 2))
    return out
