"""Scalar arithmetic in F_p2 = F_p[x]/(x^2 - 7) on Python integers, for protocol logic.

The verifiers (and the per-round bookkeeping of the provers) handle a few dozen field
elements per round; doing that with textbook formulas on Python ints is both the readable
reference and faster than numpy calls on tiny arrays. An element c0 + c1*x is the tuple
``(c0, c1)`` of canonical integers in [0, p).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

P = 0xFFFFFFFF00000001
W = 7

Ext = tuple[int, int]
ZERO: Ext = (0, 0)
ONE: Ext = (1, 0)


def ext(value) -> Ext:
    """Normalise an int (base element), a pair, or a (2,) uint64 array to an ``Ext``."""
    if isinstance(value, (int, np.integer)):
        return (int(value) % P, 0)
    if isinstance(value, tuple) and len(value) == 2:
        return (int(value[0]) % P, int(value[1]) % P)
    a, b = np.asarray(value, dtype=np.uint64).reshape(2).tolist()
    return (a, b)


def add(a: Ext, b: Ext) -> Ext:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def sub(a: Ext, b: Ext) -> Ext:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def neg(a: Ext) -> Ext:
    return ((-a[0]) % P, (-a[1]) % P)


def mul(a: Ext, b: Ext) -> Ext:
    """(a0 + a1 x)(b0 + b1 x) = a0 b0 + 7 a1 b1 + (a0 b1 + a1 b0) x."""
    return ((a[0] * b[0] + W * a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def scale(a: Ext, k: int) -> Ext:
    return ((a[0] * k) % P, (a[1] * k) % P)


def inv(a: Ext) -> Ext:
    """(a0 - a1 x) / (a0^2 - 7 a1^2); raises ZeroDivisionError on 0."""
    norm = (a[0] * a[0] - W * a[1] * a[1]) % P
    if norm == 0:
        raise ZeroDivisionError("inverse of 0 in F_p2")
    ni = pow(norm, P - 2, P)
    return ((a[0] * ni) % P, (-a[1] * ni) % P)


def is_zero(a: Ext) -> bool:
    return a[0] == 0 and a[1] == 0


def prod(values: Iterable[Ext]) -> Ext:
    acc = ONE
    for v in values:
        acc = mul(acc, v)
    return acc


def total(values: Iterable[Ext]) -> Ext:
    acc = ZERO
    for v in values:
        acc = add(acc, v)
    return acc


def to_array(values: Sequence[Ext]) -> np.ndarray:
    """List of ``Ext`` -> (k, 2) uint64 array."""
    return np.array([[v[0], v[1]] for v in values], dtype=np.uint64).reshape(-1, 2)


def from_array(arr) -> list[Ext]:
    """(k, 2) uint64 array -> list of ``Ext``."""
    return [(a, b) for a, b in np.asarray(arr, dtype=np.uint64).reshape(-1, 2).tolist()]


# ---------------------------------------------------------------- polynomials


def _node_weights(degree: int) -> list[int]:
    """Barycentric weights 1 / prod_{m != k} (k - m) for the nodes 0..degree (base field)."""
    out = []
    for k in range(degree + 1):
        den = 1
        for m in range(degree + 1):
            if m != k:
                den = den * (k - m) % P
        out.append(pow(den, P - 2, P))
    return out


_WEIGHTS: dict[int, list[int]] = {}
_INV2 = (P + 1) // 2


def interpolate(values: Sequence[Ext], r: Ext) -> Ext:
    """s(r) for the polynomial of degree < len(values) with s(k) = values[k], k = 0, 1, ...

    Lagrange form: s(r) = sum_k s(k) * w_k * prod_{m != k} (r - m), w_k = 1/prod_{m != k}(k - m).
    """
    d = len(values) - 1
    if d == 2:  # s(r) = s0 (r-1)(r-2)/2 - s1 r (r-2) + s2 r (r-1)/2
        r0, r1 = r
        a0, a1 = (r0 - 1) % P, r1
        b0, b1 = (r0 - 2) % P, r1
        rb = ((r0 * b0 + W * r1 * b1) % P, (r0 * b1 + r1 * b0) % P)  # r (r-2)
        ab = ((a0 * b0 + W * a1 * b1) % P, (a0 * b1 + a1 * b0) % P)  # (r-1)(r-2)
        ra = ((r0 * a0 + W * r1 * a1) % P, (r0 * a1 + r1 * a0) % P)  # r (r-1)
        v0, v1, v2 = values
        c0 = (v0[0] * ab[0] + W * v0[1] * ab[1] + v2[0] * ra[0] + W * v2[1] * ra[1]) * _INV2 \
            - (v1[0] * rb[0] + W * v1[1] * rb[1])
        c1 = (v0[0] * ab[1] + v0[1] * ab[0] + v2[0] * ra[1] + v2[1] * ra[0]) * _INV2 \
            - (v1[0] * rb[1] + v1[1] * rb[0])
        return (c0 % P, c1 % P)
    if d not in _WEIGHTS:
        _WEIGHTS[d] = _node_weights(d)
    weights = _WEIGHTS[d]
    diffs = [sub(r, (m, 0)) for m in range(d + 1)]
    acc = ZERO
    for k in range(d + 1):
        term = scale(values[k], weights[k])
        for m in range(d + 1):
            if m != k:
                term = mul(term, diffs[m])
        acc = add(acc, term)
    return acc


def eq(a: Sequence[Ext], b: Sequence[Ext]) -> Ext:
    """eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j))."""
    if len(a) != len(b):
        raise ValueError("eq of points of different lengths")
    acc = ONE
    for x, y in zip(a, b):
        xy = mul(x, y)
        acc = mul(acc, add(sub(sub(add(xy, xy), x), y), ONE))
    return acc


def eq_bits(point: Sequence[Ext], index: int) -> Ext:
    """eq(point, bits(index)) with x_0 the most significant bit (the table convention)."""
    n = len(point)
    acc = ONE
    for j, r in enumerate(point):
        bit = (index >> (n - 1 - j)) & 1
        acc = mul(acc, r if bit else sub(ONE, r))
    return acc


def prefix_indicator(point: Sequence[Ext], count: int) -> Ext:
    """MLE of the indicator of {i < count} on {0,1}^n at ``point``, in O(n).

    sum_{i < count} eq(point, i): walk the bits of ``count`` from the top; every 1-bit of
    ``count`` at position j contributes the whole subcube of indices that agree with
    ``count`` above j and have bit j = 0.
    """
    n = len(point)
    if count >= 1 << n:
        return ONE
    acc = ZERO
    prefix = ONE  # eq of the agreed high bits
    for j, r in enumerate(point):
        bit = (count >> (n - 1 - j)) & 1
        if bit:
            acc = add(acc, mul(prefix, sub(ONE, r)))
            prefix = mul(prefix, r)
        else:
            prefix = mul(prefix, sub(ONE, r))
    return acc


def identity_mle(point: Sequence[Ext]) -> Ext:
    """MLE of the table t(i) = i on {0,1}^n: sum_j 2^(n-1-j) x_j (x_0 is the MSB)."""
    n = len(point)
    acc = ZERO
    for j, r in enumerate(point):
        acc = add(acc, scale(r, 1 << (n - 1 - j)))
    return acc
