"""Comparisons and boolean logic (values 0/1 at scale 0): Less, Greater, Equal, Not, And, Where, ..."""

from __future__ import annotations

import math

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.policy import quantize
from veriml.quant.qops import as_tensor, iconst

_SWAP = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le", "eq": "eq"}


def _threshold(c, scale, op):
    """Integer threshold: the constant quantized exactly like the inputs (round half up).

    x op c is then decided on the quantized values, so equal floats compare equal and the
    result differs from float only when |x - c| < 2^-scale.
    """
    return quantize(np.asarray(c, dtype=np.float64), scale).astype(np.float64), op


def compare(b, a, c, op):
    if not isinstance(a, Tensor):
        a, c, op = c, a, _SWAP[op]
    if isinstance(c, Tensor):
        a, c = qops.align(b, a, c)
        return b.emit("cmp", [a, c], {"op": op}, scale=0, kind="bool")
    t, op2 = _threshold(c, a.scale, op)
    lim = float(2**61)
    if op2 == "eq":
        t = np.where(np.isnan(t), lim, t)
    t = np.clip(t, -lim, lim).astype(np.int64)
    return b.emit("cmp", [a, iconst(b, t)], {"op": op2}, scale=0, kind="bool")


def Less(cx, v):
    return [compare(cx.b, v[0], v[1], "lt")]


def Greater(cx, v):
    return [compare(cx.b, v[0], v[1], "gt")]


def LessOrEqual(cx, v):
    return [compare(cx.b, v[0], v[1], "le")]


def GreaterOrEqual(cx, v):
    return [compare(cx.b, v[0], v[1], "ge")]


def Equal(cx, v):
    return [compare(cx.b, v[0], v[1], "eq")]


def Not(cx, v):
    return [cx.b.emit("sub", [iconst(cx.b, 1), v[0]], scale=0, kind="bool")]


def _bool(b, v):
    return as_tensor(b, np.asarray(v).astype(np.int64)) if not isinstance(v, Tensor) else v


def And(cx, v):
    return [cx.b.emit("mul", [_bool(cx.b, v[0]), _bool(cx.b, v[1])], scale=0, kind="bool")]


def Or(cx, v):
    return [cx.b.emit("max", [_bool(cx.b, v[0]), _bool(cx.b, v[1])], scale=0, kind="bool")]


def Xor(cx, v):
    b = cx.b
    return [b.emit("cmp", [_bool(b, v[0]), _bool(b, v[1])], {"op": "ne"}, scale=0, kind="bool")]


def Where(cx, v):
    """b + c * (a - b) with c in {0, 1} (exact: no rescale)."""
    b = cx.b
    c, x, y = v
    if not isinstance(c, Tensor):
        c = iconst(b, np.asarray(c).astype(np.int64), "bool")
    ref = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else None
    s = ref.scale if ref is not None else None
    x, y = as_tensor(b, x, s), as_tensor(b, y, s)
    x, y = qops.align(b, x, y)
    kind = "float" if "float" in (x.kind, y.kind) else x.kind
    diff = b.emit("sub", [x, y], kind=kind)
    sel = b.emit("mul", [c, diff], scale=x.scale, kind=kind)
    return [b.emit("add", [y, sel], kind=kind)]


_ = math
