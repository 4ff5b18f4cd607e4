"""Number-theoretic transforms over Goldilocks, and the multilinear basis change.

Goldilocks p = 2^64 - 2^32 + 1 has p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537, so F_p^* holds a
cyclic subgroup of every order 2^k, k <= 32 (2-adicity 32). With the multiplicative generator
g = 7, ``omega_k = 7^((p - 1) / 2^k)`` is a primitive 2^k-th root of unity.

Transforms (``n = 2^k``, along the last axis; leading axes are a batch):

* ``ntt(a)[j]   = sum_i a[i] * omega^(i j)``        (coefficients -> evaluations on <omega>)
* ``intt(e)[i]  = n^-1 sum_j e[j] * omega^(-i j)``  (inverse)
* ``coset_ntt(a, s)[j] = sum_i a[i] (s omega^j)^i``  (evaluations on the coset s<omega>)

``ntt_ref`` is the O(n^2) textbook sum over Python integers; ``ntt`` is an iterative radix-2
decimation-in-time kernel (bit-reverse, then butterflies ``(u, v) -> (u + w v, u - w v)``),
cache-blocked (the first stages run inside blocks of ``BLOCK`` elements) and parallel over
blocks / butterflies above ``PARALLEL_THRESHOLD``. Its multiply is the full 64x64 -> 128-bit
product through an LLVM ``i128`` multiply (faster in the NTT than the 32-bit split, see
shared/PERF-NOTES.md), reduced with 2^64 = 2^32 - 1 and 2^96 = -1.

Multilinear basis change (:func:`eval_to_coeffs`, :func:`coeffs_to_eval`). A multilinear
f(x_0..x_{n-1}) has an evaluation table on {0,1}^n and a coefficient table
``f(x) = sum_S c[S] prod_{j in S} x_j`` indexed the same way (bit of x_0 = MSB of the index).
Per variable, f = A + x_j B with ``f|_{x_j=0} = A`` and ``f|_{x_j=1} = A + B``, so the
evaluation -> coefficient map is the butterfly ``(lo, hi) -> (lo, hi - lo)`` over every
variable (the Moebius transform) and its inverse is ``(lo, hi) -> (lo, hi + lo)`` (the zeta
transform); n 2^(n-1) additions each.
"""

from __future__ import annotations

import numpy as np
from veriml.jit import intrinsic, kernel, parallel_pays, prange

from .field.fast import gadd, gmul, gsub, reduce128

__all__ = [
    "P", "GENERATOR", "TWO_ADICITY", "root_of_unity", "ntt", "intt", "coset_ntt", "coset_intt",
    "ntt_ref", "intt_ref", "coset_ntt_ref", "eval_to_coeffs", "coeffs_to_eval",
    "eval_to_coeffs_ref", "coeffs_to_eval_ref", "twiddles", "bit_reverse",
]

P = 0xFFFFFFFF00000001
GENERATOR = 7
TWO_ADICITY = 32
BLOCK_LOG = 13  # first stages run inside blocks of 2^13 elements (64 KiB, fits L2)
PARALLEL_THRESHOLD = 1 << 16
_BUTTERFLY_S = 2e-9  # seconds per butterfly, serial
CHUNK = 1 << 16  # butterflies per task in the large stages
PARALLEL = True  # set False to force the serial kernel
_U1 = np.uint64(1)


def root_of_unity(log_n: int) -> int:
    """Primitive 2^log_n-th root of unity ``7^((p - 1) / 2^log_n)``."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise ValueError(f"Goldilocks has 2-adicity {TWO_ADICITY}; no root of order 2^{log_n}")
    return pow(GENERATOR, (P - 1) >> log_n, P)


def _log2_exact(n: int) -> int:
    if n < 1 or n & (n - 1):
        raise ValueError(f"transform length must be a power of two, got {n}")
    return n.bit_length() - 1


# ---------------------------------------------------------------- reference


def ntt_ref(a, inverse: bool = False):
    """O(n^2) textbook DFT over Python integers (last axis; for tests)."""
    a = np.asarray(a, dtype=np.uint64)
    n = a.shape[-1]
    k = _log2_exact(n)
    w = root_of_unity(k)
    if inverse:
        w = pow(w, P - 2, P)
    ninv = pow(n, P - 2, P)
    flat = a.reshape(-1, n)
    out = np.empty_like(flat)
    for r, row in enumerate(flat):
        vals = [int(x) for x in row]
        for j in range(n):
            wj = pow(w, j, P)
            acc, wij = 0, 1
            for v in vals:
                acc += v * wij
                wij = wij * wj % P
            out[r, j] = acc % P * ninv % P if inverse else acc % P
    return out.reshape(a.shape)


def intt_ref(e):
    return ntt_ref(e, inverse=True)


def coset_ntt_ref(a, shift: int):
    a = np.asarray(a, dtype=np.uint64)
    n = a.shape[-1]
    scale = np.array([pow(int(shift), i, P) for i in range(n)], dtype=object)
    scaled = (a.astype(object) * scale % P).astype(np.uint64)
    return ntt_ref(scaled)


def eval_to_coeffs_ref(table):
    """Moebius transform with Python integers: c[S] = sum_{T subset S} (-1)^{|S - T|} f(T)."""
    t = np.asarray(table, dtype=np.uint64)
    vals = t.astype(object).copy()
    n = vals.shape[0]
    half = n // 2
    while half:
        for start in range(0, n, 2 * half):
            vals[start + half : start + 2 * half] = (
                vals[start + half : start + 2 * half] - vals[start : start + half]
            ) % P
        half //= 2
    return vals.astype(np.uint64)


def coeffs_to_eval_ref(coeffs):
    """Zeta transform with Python integers: f(S) = sum_{T subset S} c[T]."""
    c = np.asarray(coeffs, dtype=np.uint64)
    vals = c.astype(object).copy()
    n = vals.shape[0]
    half = n // 2
    while half:
        for start in range(0, n, 2 * half):
            vals[start + half : start + 2 * half] = (
                vals[start + half : start + 2 * half] + vals[start : start + half]
            ) % P
        half //= 2
    return vals.astype(np.uint64)


# ---------------------------------------------------------------- kernels


@intrinsic
def _mul_wide(typingctx, a, b):
    """(hi, lo) of the 128-bit product of two uint64 (one LLVM ``mul i128``)."""
    from llvmlite import ir
    from numba.core import types

    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        prod = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        lo = builder.trunc(prod, ir.IntType(64))
        hi = builder.trunc(builder.lshr(prod, ir.Constant(i128, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, [hi, lo])

    return sig, codegen


@kernel
def gmul_wide(a, b):
    """a * b mod p via the 128-bit product."""
    hi, lo = _mul_wide(a, b)
    return reduce128(hi, lo)


@kernel
def _twiddle_table(log_n, root):
    """Concatenated per-stage tables: stage with half-size h holds omega_{2h}^j, j < h, at h-1."""
    n = np.int64(1) << log_n
    tw = np.empty(max(n - 1, 1), dtype=np.uint64)
    if n == 1:
        tw[0] = _U1
        return tw
    # top stage: omega_n^j for j < n/2, then each lower stage takes every other entry
    h = n // 2
    base = h - 1
    tw[base] = _U1
    for j in range(1, h):
        tw[base + j] = gmul_wide(tw[base + j - 1], root)
    while h > 1:
        h2 = h // 2
        for j in range(h2):
            tw[h2 - 1 + j] = tw[h - 1 + 2 * j]
        h = h2
    return tw


@kernel
def _bitrev_permute(x, log_n):
    n = x.shape[0]
    shift = 64 - log_n
    for i in range(n):
        j = np.int64((_reverse64(np.uint64(i))) >> np.uint64(shift)) if log_n > 0 else 0
        if i < j:
            t = x[i]
            x[i] = x[j]
            x[j] = t


@kernel
def _reverse64(v):
    v = ((v >> np.uint64(1)) & np.uint64(0x5555555555555555)) | ((v & np.uint64(0x5555555555555555)) << np.uint64(1))
    v = ((v >> np.uint64(2)) & np.uint64(0x3333333333333333)) | ((v & np.uint64(0x3333333333333333)) << np.uint64(2))
    v = ((v >> np.uint64(4)) & np.uint64(0x0F0F0F0F0F0F0F0F)) | ((v & np.uint64(0x0F0F0F0F0F0F0F0F)) << np.uint64(4))
    v = ((v >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)) | ((v & np.uint64(0x00FF00FF00FF00FF)) << np.uint64(8))
    v = ((v >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)) | ((v & np.uint64(0x0000FFFF0000FFFF)) << np.uint64(16))
    return (v >> np.uint64(32)) | (v << np.uint64(32))


@kernel
def _stage(x, tw, h, lo, hi):
    """Butterflies of the stage with half-size h on x[lo:hi] (lo, hi multiples of 2h)."""
    off = h - 1
    for start in range(lo, hi, 2 * h):
        for j in range(h):
            u = x[start + j]
            v = gmul_wide(x[start + j + h], tw[off + j])
            x[start + j] = gadd(u, v)
            x[start + j + h] = gsub(u, v)


@kernel
def _stage_span(x, tw, h, b0, b1):
    """Butterflies number b0..b1-1 (in stage order) of the stage with half-size h."""
    off = h - 1
    blk = b0 // h
    j = b0 - blk * h
    i = blk * 2 * h + j
    for _ in range(b0, b1):
        u = x[i]
        v = gmul_wide(x[i + h], tw[off + j])
        x[i] = gadd(u, v)
        x[i + h] = gsub(u, v)
        j += 1
        i += 1
        if j == h:
            j = 0
            i += h


@kernel
def _dit_blocks(x, tw, log_from, blk, b0, b1):
    for c in range(b0, b1):
        lo = c * blk
        h = np.int64(1) << log_from
        while h < blk:
            _stage(x, tw, h, lo, lo + blk)
            h *= 2


@kernel
def _dit_serial(x, tw, log_from, log_n):
    """DIT stages h = 2^log_from .. 2^(log_n - 1) on the whole array (serial)."""
    n = x.shape[0]
    log_blk = min(BLOCK_LOG, log_n)
    blk = np.int64(1) << log_blk
    _dit_blocks(x, tw, log_from, blk, 0, n // blk)
    h = max(blk, np.int64(1) << log_from)
    while h < n:
        _stage(x, tw, h, 0, n)
        h *= 2


@kernel(parallel=True)
def _dit_parallel(x, tw, log_from, log_n):
    n = x.shape[0]
    blk = np.int64(1) << BLOCK_LOG
    n_blk = n // blk
    for c in prange(n_blk):
        _dit_blocks(x, tw, log_from, blk, c, c + 1)
    h = max(blk, np.int64(1) << log_from)
    half = n // 2
    n_chunks = max(half // CHUNK, 1)
    chunk = half // n_chunks
    while h < n:
        for c in prange(n_chunks):
            _stage_span(x, tw, h, c * chunk, (c + 1) * chunk)
        h *= 2


def dit_stages(x: np.ndarray, tw: np.ndarray, log_from: int = 0) -> None:
    """Run the decimation-in-time stages from half-size 2^log_from upward, in place, on 1-D x.

    With x in bit-reversed order and ``log_from = 0`` this is the whole forward NTT
    (natural-order output). ``log_from = b`` starts after the first b stages, which is what
    a low-degree extension needs when its inputs are constant on blocks of 2^b.
    """
    n = x.shape[0]
    log_n = _log2_exact(n)
    if PARALLEL and n >= PARALLEL_THRESHOLD and parallel_pays(_BUTTERFLY_S * n / 2 * (log_n - log_from)):
        _dit_parallel(x, tw, log_from, log_n)
    elif n > 1:
        _dit_serial(x, tw, log_from, log_n)


@kernel
def _scale_powers(x, s):
    """x[i] *= s^i."""
    acc = _U1
    for i in range(x.shape[0]):
        x[i] = gmul_wide(x[i], acc)
        acc = gmul_wide(acc, s)


@kernel
def _scale_const(x, c):
    for i in range(x.shape[0]):
        x[i] = gmul_wide(x[i], c)


@kernel
def _moebius(x, inverse):
    """In place on a 1-D table: (lo, hi) -> (lo, hi - lo) per variable; inverse: hi + lo."""
    n = x.shape[0]
    half = n // 2
    while half >= 1:
        for start in range(0, n, 2 * half):
            for j in range(start, start + half):
                if inverse:
                    x[j + half] = gadd(x[j + half], x[j])
                else:
                    x[j + half] = gsub(x[j + half], x[j])
        half //= 2


# ---------------------------------------------------------------- API


_TW_CACHE: dict[tuple[int, bool], np.ndarray] = {}


def twiddles(log_n: int, inverse: bool = False, cache: bool = True) -> np.ndarray:
    """Per-stage twiddle table for length 2^log_n (cached per process unless ``cache=False``:
    a one-off transform, such as a commitment's codeword, does not keep 8 bytes per point
    alive; the table costs one multiplication per entry, next to the transform's log_n / 2)."""
    key = (log_n, inverse)
    tw = _TW_CACHE.get(key)
    if tw is None:
        w = root_of_unity(log_n)
        if inverse:
            w = pow(w, P - 2, P)
        tw = _twiddle_table(log_n, np.uint64(w))
        if cache:
            if len(_TW_CACHE) > 8:
                _TW_CACHE.clear()
            _TW_CACHE[key] = tw
    return tw


def bit_reverse(x: np.ndarray) -> np.ndarray:
    """Copy of a 1-D array permuted by bit reversal of the index."""
    y = np.array(x, dtype=np.uint64, copy=True)
    _bitrev_permute(y, _log2_exact(y.shape[0]))
    return y


def _rows(a):
    a = np.array(a, dtype=np.uint64, copy=True, order="C")
    n = a.shape[-1]
    return a, a.reshape(-1, n), _log2_exact(n)


def ntt(a) -> np.ndarray:
    """Evaluations of sum_i a[i] X^i at omega^j, j = 0..n-1 (last axis, batched)."""
    out, rows, k = _rows(a)
    tw = twiddles(k)
    for row in rows:
        _bitrev_permute(row, k)
        dit_stages(row, tw)
    return out


def intt(e) -> np.ndarray:
    """Inverse of :func:`ntt`: coefficients from evaluations on <omega>."""
    out, rows, k = _rows(e)
    tw = twiddles(k, inverse=True)
    ninv = np.uint64(pow(1 << k, P - 2, P))
    for row in rows:
        _bitrev_permute(row, k)
        dit_stages(row, tw)
        _scale_const(row, ninv)
    return out


def coset_ntt(a, shift: int = GENERATOR) -> np.ndarray:
    """Evaluations of sum_i a[i] X^i on the coset shift * <omega>."""
    out, rows, k = _rows(a)
    tw = twiddles(k)
    s = np.uint64(int(shift) % P)
    for row in rows:
        _scale_powers(row, s)
        _bitrev_permute(row, k)
        dit_stages(row, tw)
    return out


def coset_intt(e, shift: int = GENERATOR) -> np.ndarray:
    """Inverse of :func:`coset_ntt`."""
    out = intt(e)
    sinv = np.uint64(pow(int(shift) % P, P - 2, P))
    for row in out.reshape(-1, out.shape[-1]):
        _scale_powers(row, sinv)
    return out


def _basis_change(table, inverse: bool) -> np.ndarray:
    t = np.array(table, dtype=np.uint64, copy=True)
    _log2_exact(t.shape[0])
    if t.ndim == 1:
        _moebius(t, inverse)
    else:  # extension (or batched) entries: the map has coefficients +-1, apply per column
        cols = t.reshape(t.shape[0], -1)
        for c in range(cols.shape[1]):
            col = np.ascontiguousarray(cols[:, c])
            _moebius(col, inverse)
            cols[:, c] = col
    return t


def eval_to_coeffs(table) -> np.ndarray:
    """Multilinear evaluation table on {0,1}^n -> coefficient table (same index convention)."""
    return _basis_change(table, inverse=False)


def coeffs_to_eval(coeffs) -> np.ndarray:
    """Coefficient table -> evaluation table on {0,1}^n (inverse of :func:`eval_to_coeffs`)."""
    return _basis_change(coeffs, inverse=True)
