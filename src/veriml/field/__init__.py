"""Goldilocks field F_p, p = 2^64 - 2^32 + 1, and its extension F_p[x]/(x^2 - 7).

``veriml.field.ref`` is the readable reference, ``veriml.field.fast`` the numba
implementation with the same array API; this package re-exports the fast one.
Base elements are canonical ``uint64`` values; extension elements are ``uint64``
arrays whose last axis holds (c0, c1) for c0 + c1*x.
"""

from __future__ import annotations

import numpy as np

from . import fast, ref
from .fast import (
    add,
    ext_add,
    ext_inv,
    ext_mul,
    ext_mul_base,
    ext_neg,
    ext_sub,
    inv,
    mul,
    neg,
    pow_,
    sub,
)

GOLDILOCKS_P = 0xFFFFFFFF00000001
EXT_W = 7
IMPLEMENTATIONS = {"ref": ref, "fast": fast}


def random_base(rng: np.random.Generator, shape) -> np.ndarray:
    """Uniform canonical base-field elements."""
    return rng.integers(0, GOLDILOCKS_P, size=shape, dtype=np.uint64)


def random_ext(rng: np.random.Generator, shape) -> np.ndarray:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return random_base(rng, shape + (2,))


def from_int(values) -> np.ndarray:
    """Signed integers (|x| < p) to field elements: x >= 0 -> x, x < 0 -> p + x."""
    v = np.asarray(values, dtype=np.int64)
    out = v.astype(np.uint64)
    neg_mask = v < 0
    out[neg_mask] = np.uint64(GOLDILOCKS_P) - (-v[neg_mask]).astype(np.uint64)
    return out


def to_int(values) -> np.ndarray:
    """Field elements to signed integers in (-p/2, p/2) as int64."""
    u = np.asarray(values, dtype=np.uint64)
    half = np.uint64(GOLDILOCKS_P // 2)
    out = u.astype(np.int64)
    big = u > half
    out[big] = -((np.uint64(GOLDILOCKS_P) - u[big]).astype(np.int64))
    return out


def ext_from_base(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.uint64)
    return np.stack([a, np.zeros_like(a)], axis=-1)


__all__ = [
    "GOLDILOCKS_P", "EXT_W", "IMPLEMENTATIONS", "add", "sub", "mul", "neg", "inv", "pow_",
    "ext_add", "ext_sub", "ext_neg", "ext_mul", "ext_mul_base", "ext_inv",
    "random_base", "random_ext", "from_int", "to_int", "ext_from_base", "fast", "ref",
]
