"""Sound interval analysis: one function per primitive, collected in ``BOUNDS``.

Each function gets the input tensors (with their proven ``lo``/``hi``), the node attrs and
``const_of(tensor_id)`` (the integer value of a ``const`` tensor, else None) and returns the
interval ``(lo, hi)`` (Python ints) that contains every possible output value.
"""

from __future__ import annotations

import math

import numpy as np

from veriml.ir.tables import get_table


def _fceil(x):
    """Round a float bound outward (sound for the float error of the computation)."""
    return int(math.ceil(x * (1 + 1e-9))) + 1 if x > 0 else int(math.ceil(x * (1 - 1e-9))) + 1


def _ffloor(x):
    return -_fceil(-x)


def _corners(a, b, f):
    vals = [f(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return min(vals), max(vals)


def b_const(ts, attrs, const_of):
    v = attrs["value"]
    return (int(v.min()), int(v.max())) if v.size else (0, 0)


def b_add(ts, attrs, const_of):
    return ts[0].lo + ts[1].lo, ts[0].hi + ts[1].hi


def b_sub(ts, attrs, const_of):
    return ts[0].lo - ts[1].hi, ts[0].hi - ts[1].lo


def b_mul(ts, attrs, const_of):
    return _corners(ts[0], ts[1], lambda x, y: x * y)


def b_scale_const(ts, attrs, const_of):
    c = attrs["c"]
    return min(c * ts[0].lo, c * ts[0].hi), max(c * ts[0].lo, c * ts[0].hi)


def _linear_bound(lo, hi, w, axis):
    """Interval of sum_k w_k x_k with lo <= x_k <= hi, worst over the other axis of w."""
    wf = w.astype(np.float64)
    pos = np.clip(wf, 0, None)
    neg = np.clip(wf, None, 0)
    top = (pos * float(hi) + neg * float(lo)).sum(axis=axis)
    bot = (pos * float(lo) + neg * float(hi)).sum(axis=axis)
    return _ffloor(float(bot.min())) if bot.size else 0, _fceil(float(top.max())) if top.size else 0


def b_matmul(ts, attrs, const_of):
    a, b = ts
    wb = const_of(b.id)
    if wb is not None:
        return _linear_bound(a.lo, a.hi, wb, axis=-2)
    wa = const_of(a.id)
    if wa is not None:
        return _linear_bound(b.lo, b.hi, wa, axis=-1)
    k = a.shape[-1]
    lo, hi = _corners(a, b, lambda x, y: x * y)
    return k * lo, k * hi


def b_conv(ts, attrs, const_of):
    x, w = ts
    lo, hi = min(x.lo, 0), max(x.hi, 0)
    wv = const_of(w.id)
    if wv is not None:
        return _linear_bound(lo, hi, wv.reshape(wv.shape[0], -1), axis=1)
    k = int(np.prod(w.shape[1:]))
    c = [p * q for p in (lo, hi) for q in (w.lo, w.hi)]
    return k * min(c), k * max(c)


def b_sum(ts, attrs, const_of):
    n = 1
    for ax in attrs["axes"]:
        n *= ts[0].shape[ax]
    return n * ts[0].lo, n * ts[0].hi


def b_gather(ts, attrs, const_of):
    lo, hi = ts[0].lo, ts[0].hi
    if attrs["idx"].size and attrs["idx"].min() < 0:
        lo, hi = min(lo, 0), max(hi, 0)
    return lo, hi


def b_concat(ts, attrs, const_of):
    return min(t.lo for t in ts), max(t.hi for t in ts)


def b_same(ts, attrs, const_of):
    return ts[0].lo, ts[0].hi


def b_rescale(ts, attrs, const_of):
    k = attrs["k"]
    if k == 0:
        return ts[0].lo, ts[0].hi
    if k > 62:
        return 0, 0
    h = 1 << (k - 1)
    return (ts[0].lo + h) >> k, (ts[0].hi + h) >> k


def b_div(ts, attrs, const_of):
    a, b = ts
    blo, bhi = max(b.lo, 1), max(b.hi, 1)
    if attrs.get("round", 0):
        f = lambda x, y: (2 * x + y) // (2 * y)  # noqa: E731
    else:
        f = lambda x, y: x // y  # noqa: E731
    vals = [f(x, y) for x in (a.lo, a.hi) for y in (blo, bhi)]
    return min(vals), max(vals)


def b_clamp(ts, attrs, const_of):
    lo = min(max(ts[0].lo, attrs["lo"]), attrs["hi"])
    hi = max(min(ts[0].hi, attrs["hi"]), attrs["lo"])
    return lo, hi


def b_max(ts, attrs, const_of):
    return max(ts[0].lo, ts[1].lo), max(ts[0].hi, ts[1].hi)


def b_min(ts, attrs, const_of):
    return min(ts[0].lo, ts[1].lo), min(ts[0].hi, ts[1].hi)


def b_cmp(ts, attrs, const_of):
    return 0, 1


def b_isqrt(ts, attrs, const_of):
    return math.isqrt(max(ts[0].lo, 0)), math.isqrt(max(ts[0].hi, 0))


def b_sign(ts, attrs, const_of):
    return -1, 1


def b_lookup(ts, attrs, const_of):
    t = get_table(attrs)
    i0 = max(ts[0].lo - attrs["lo"], 0)
    i1 = min(ts[0].hi - attrs["lo"], t.size - 1)
    seg = t[i0:i1 + 1]
    return int(seg.min()), int(seg.max())


BOUNDS = {
    "const": b_const,
    "add": b_add,
    "sub": b_sub,
    "mul": b_mul,
    "scale_const": b_scale_const,
    "matmul": b_matmul,
    "conv": b_conv,
    "sum": b_sum,
    "gather": b_gather,
    "concat": b_concat,
    "reshape": b_same,
    "rescale": b_rescale,
    "div": b_div,
    "clamp": b_clamp,
    "max": b_max,
    "min": b_min,
    "cmp": b_cmp,
    "isqrt": b_isqrt,
    "sign": b_sign,
    "lookup": b_lookup,
}
