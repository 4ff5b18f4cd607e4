"""Readable reference arithmetic for Goldilocks and its quadratic extension.

Every function here converts to Python integers, computes the textbook formula and
converts back. It is slow and obviously correct; :mod:`veriml.field.fast` must agree
with it bit for bit (see ``tests/test_field.py``).

Base field: F_p with p = 2^64 - 2^32 + 1, elements are canonical ``uint64`` values in
[0, p). Extension: F_p2 = F_p[x] / (x^2 - 7) (7 is a quadratic non-residue mod p),
an element c0 + c1*x is stored as the last axis ``[..., 2]`` of a ``uint64`` array.
"""

from __future__ import annotations

import numpy as np

P = 0xFFFFFFFF00000001
W = 7  # x^2 = W in the extension


def _obj(a) -> np.ndarray:
    return np.asarray(a, dtype=np.uint64).astype(object)


def _u64(a) -> np.ndarray:
    return np.asarray(a, dtype=object).astype(np.uint64)


def add(a, b):
    return _u64((_obj(a) + _obj(b)) % P)


def sub(a, b):
    return _u64((_obj(a) - _obj(b)) % P)


def neg(a):
    return _u64((-_obj(a)) % P)


def mul(a, b):
    return _u64((_obj(a) * _obj(b)) % P)


def inv(a):
    """Elementwise inverse; the inverse of 0 is defined as 0."""
    flat = [pow(int(x), P - 2, P) for x in np.asarray(a, dtype=np.uint64).ravel()]
    return np.array(flat, dtype=np.uint64).reshape(np.shape(a))


def pow_(a, e: int):
    flat = [pow(int(x), int(e), P) for x in np.asarray(a, dtype=np.uint64).ravel()]
    return np.array(flat, dtype=np.uint64).reshape(np.shape(a))


def ext_add(a, b):
    return add(a, b)


def ext_sub(a, b):
    return sub(a, b)


def ext_neg(a):
    return neg(a)


def ext_mul(a, b):
    """(a0 + a1 x)(b0 + b1 x) = a0 b0 + W a1 b1 + (a0 b1 + a1 b0) x."""
    a, b = np.broadcast_arrays(_obj(a), _obj(b))
    c0 = (a[..., 0] * b[..., 0] + W * a[..., 1] * b[..., 1]) % P
    c1 = (a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0]) % P
    return _u64(np.stack([c0, c1], axis=-1))


def ext_mul_base(a, b):
    """Extension element times base element."""
    a = _obj(a)
    b = _obj(b)[..., None]
    return _u64((a * b) % P)


def ext_inv(a):
    """(a0 + a1 x)^-1 = (a0 - a1 x) / (a0^2 - W a1^2); the inverse of 0 is 0."""
    a = _obj(a)
    norm = (a[..., 0] * a[..., 0] - W * a[..., 1] * a[..., 1]) % P
    ninv = np.vectorize(lambda n: pow(int(n), P - 2, P), otypes=[object])(norm) if norm.size else norm
    c0 = (a[..., 0] * ninv) % P
    c1 = (-a[..., 1] * ninv) % P
    return _u64(np.stack([c0, c1], axis=-1))
