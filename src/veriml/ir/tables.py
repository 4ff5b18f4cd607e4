"""Lookup tables of the ``lookup`` primitive, built deterministically from their key.

A table is defined by ``(fn, params, s_in, s_out, lo, bits)``:
``T[i] = floor(f((lo + i) / 2^s_in; params) * 2^s_out + 1/2)`` for ``0 <= i < 2^bits``,
clipped to +-2^61 (so log(0) is a large negative number, not -inf).

``fn = "d:<name>"`` with ``params = (h, *params of name)`` is the forward difference
``f(x + h) - f(x)`` of a function above: the slope table of an interpolated lookup
(``veriml.quant.qops.lookup``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

MAX_TABLE_BITS = 20
_CLIP = float(2**61)
_erf = np.frompyfunc(math.erf, 1, 1)


def _erf_f(x):
    return _erf(x).astype(np.float64)


def _softplus(x):
    return np.logaddexp(0.0, x)


FUNCTIONS = {
    "sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
    "tanh": np.tanh,
    "exp": np.exp,
    "erf": _erf_f,
    "phi": lambda x: 0.5 * (1.0 + _erf_f(x / math.sqrt(2.0))),
    "gelu_tanh": lambda x: 0.5 * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3))),
    "log": lambda x: np.log(np.maximum(x, 1e-300)),
    "softplus": _softplus,
    "elu": lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
    "selu": lambda x, alpha, gamma: gamma * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
    "celu": lambda x, alpha: np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(np.minimum(x, 0) / alpha)),
    "reciprocal": lambda x: 1.0 / np.where(x == 0, 1e-300, x),
    "sqrt": lambda x: np.sqrt(np.maximum(x, 0)),
    "pow": lambda x, e: np.power(np.abs(x), e) * np.where(x < 0, np.cos(np.pi * e), 1.0),
    "tanh_softplus": lambda x: np.tanh(_softplus(x)),
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "atan": np.arctan,
    "asin": lambda x: np.arcsin(np.clip(x, -1, 1)),
    "acos": lambda x: np.arccos(np.clip(x, -1, 1)),
}


@lru_cache(maxsize=256)
def _build(fn, params, s_in, s_out, lo, bits):
    if bits > MAX_TABLE_BITS:
        raise ValueError(f"table {fn}: {bits} bits > {MAX_TABLE_BITS}")
    x = (lo + np.arange(2**bits, dtype=np.float64)) / 2.0**s_in
    with np.errstate(all="ignore"):
        if fn.startswith("d:"):
            f, h = FUNCTIONS[fn[2:]], params[0]
            y = (f(x + h, *params[1:]) - f(x, *params[1:])) * 2.0**s_out
        else:
            y = FUNCTIONS[fn](x, *params) * 2.0**s_out
    y = np.nan_to_num(y, nan=0.0, posinf=_CLIP, neginf=-_CLIP)
    t = np.floor(np.clip(y, -_CLIP, _CLIP) + 0.5).astype(np.int64)
    t.setflags(write=False)
    return t


def build_table(fn, params, s_in, s_out, lo, bits):
    """The table as an int64 array of length 2^bits."""
    return _build(fn, tuple(float(p) for p in params), int(s_in), int(s_out), int(lo), int(bits))


def get_table(attrs):
    """Table of a ``lookup`` node's attrs."""
    return build_table(attrs["fn"], attrs.get("params", ()), attrs["s_in"], attrs["s_out"],
                       attrs["lo"], attrs["bits"])
