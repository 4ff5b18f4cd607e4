"""Elementwise arithmetic: Add, Sub, Mul, Div, Neg, Abs, Pow, Sqrt, Reciprocal, Exp, Log, ..."""

from __future__ import annotations

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.qops import as_tensor, iconst


def _c(v):
    return not isinstance(v, Tensor)


def Add(cx, v):
    return [qops.add(cx.b, v[0], v[1])]


def Sub(cx, v):
    return [qops.sub(cx.b, v[0], v[1])]


def Mul(cx, v):
    return [qops.mul(cx.b, v[0], v[1])]


def Div(cx, v):
    b = cx.b
    x, d = v
    if _c(d):
        d = np.asarray(d)
        if d.dtype.kind in "iu" and isinstance(x, Tensor) and x.kind != "float":
            # integer division truncates toward zero: sign(x) sign(d) floor(|x| / |d|)
            if np.any(d == 0):
                cx.unsupported("integer Div by zero")
            sx = b.emit("sign", [x], scale=0, kind="int")
            ax = b.emit("mul", [x, sx], scale=0, kind="int")
            q = b.emit("div", [ax, iconst(b, np.abs(d))], kind="int")
            sign = b.emit("mul", [sx, iconst(b, np.sign(d))], scale=0, kind="int")
            return [b.emit("mul", [q, sign], scale=0, kind="int")]
        with np.errstate(divide="ignore"):
            return [qops.mul(b, x, 1.0 / d.astype(np.float64))]
    x = as_tensor(b, x)
    return [qops.divide(b, x, d)]


def Neg(cx, v):
    return [qops.neg(cx.b, v[0])]


def Abs(cx, v):
    return [qops.absval(cx.b, v[0])]


def Sign(cx, v):
    return [cx.b.emit("sign", [v[0]], scale=0, kind=v[0].kind)]


def Sqrt(cx, v):
    return [qops.sqrt(cx.b, v[0])]


def Reciprocal(cx, v):
    return [qops.recip(cx.b, v[0])]


def Exp(cx, v):
    b, x = cx.b, v[0]
    lo, hi = qops.observed_range(b, x)
    return [qops.lookup(b, x, "exp", max(lo, -24.0), max(hi, -23.0), bits_max=18)]


def Log(cx, v):
    b, x = cx.b, v[0]
    lo, hi = qops.observed_range(b, x)
    lo = max(lo, 0.0)
    return [qops.lookup(b, x, "log", lo, max(hi, lo + 2.0**-8), bits_max=18)]


def Erf(cx, v):
    return [qops.lookup(cx.b, v[0], "erf", -4.0, 4.0)]


def _unary_table(fn, lo, hi):
    def op(cx, v):
        return [qops.lookup(cx.b, v[0], fn, lo, hi)]
    op.__name__ = fn
    return op


Sin = _unary_table("sin", -np.pi * 8, np.pi * 8)
Cos = _unary_table("cos", -np.pi * 8, np.pi * 8)
Atan = _unary_table("atan", -64.0, 64.0)
Asin = _unary_table("asin", -1.0, 1.0)
Acos = _unary_table("acos", -1.0, 1.0)


def Tan(cx, v):
    lo, hi = qops.observed_range(cx.b, v[0])
    return [qops.lookup(cx.b, v[0], "tan", max(lo, -1.5), min(hi, 1.5))]


def Pow(cx, v):
    b, x, e = cx.b, v[0], v[1]
    if not _c(e):
        if _c(x):
            xv = np.asarray(x, dtype=np.float64)
            if xv.size == 1 and xv.reshape(-1)[0] > 0:
                base = float(xv.reshape(-1)[0])
                # base^e = exp(e * ln base)
                t = qops.mul(b, e, np.log(base))
                lo, hi = qops.observed_range(b, t)
                y = qops.lookup(b, t, "exp", max(lo, -24.0), hi, bits_max=18)
                return [y]
        cx.unsupported("Pow with a non-constant exponent")
    ev = np.asarray(e, dtype=np.float64)
    if ev.size != 1:
        cx.unsupported("Pow with a tensor exponent")
    p = float(ev.reshape(-1)[0])
    if p == 1.0:
        return [x]
    if p == 0.5:
        return [qops.sqrt(b, x)]
    if p == -0.5:
        return [qops.recip(b, qops.sqrt(b, x))]
    if p == -1.0:
        return [qops.recip(b, x)]
    if p == int(p) and 2 <= p <= 8:
        y = x
        for _ in range(int(p) - 1):
            y = qops.mul(b, y, x)
        return [y]
    lo, hi = qops.observed_range(b, x)
    if p != int(p):
        lo = max(lo, 0.0)
    return [qops.lookup(b, x, "pow", lo, max(hi, lo + 2.0**-8), params=(p,), bits_max=18)]


def Floor(cx, v):
    x = v[0]
    if x.kind != "float" or x.scale <= 0:
        return [x]
    return [qops.floor_div_pow2(cx.b, x, x.scale)]


def Ceil(cx, v):
    x = v[0]
    if x.kind != "float" or x.scale <= 0:
        return [x]
    return [qops.neg(cx.b, qops.floor_div_pow2(cx.b, qops.neg(cx.b, x), x.scale))]


def Round(cx, v):
    """Round half to even: r = round-half-up(x); where x was an exact tie and r is odd, r - 1."""
    b, x = cx.b, v[0]
    if x.kind != "float" or x.scale <= 0:
        return [x]
    s = x.scale
    r = qops.to_scale(b, x, 0)
    back = b.emit("scale_const", [r], {"c": 1 << s}, scale=s)
    tie = b.emit("cmp", [b.emit("sub", [x, back]), iconst(b, -(1 << (s - 1)))], {"op": "eq"}, scale=0, kind="int")
    half = qops.floor_div_pow2(b, r, 1)
    odd = b.emit("sub", [r, b.emit("scale_const", [half], {"c": 2}, scale=0)], scale=0)
    fix = b.emit("mul", [tie, odd], scale=0, kind="int")
    return [b.emit("sub", [r, fix], scale=0)]


def _variadic(pair):
    def op(cx, v):
        acc = v[0]
        for t in v[1:]:
            acc = pair(cx, [acc, t])[0]
        return [as_tensor(cx.b, acc)]
    return op


def _minmax(name):
    def op(cx, v):
        a, c = v
        if _c(a):
            a, c = c, a
        c = as_tensor(cx.b, c, a.scale)
        a, c = qops.align(cx.b, a, c)
        return [cx.b.emit(name, [a, c], kind=a.kind)]
    return op


Sum = _variadic(Add)
Max = _variadic(_minmax("max"))
Min = _variadic(_minmax("min"))


def Mean(cx, v):
    s = Sum(cx, v)[0]
    return [qops.mul(cx.b, s, 1.0 / len(v))]
