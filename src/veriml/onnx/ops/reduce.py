"""Reductions: ReduceSum/Mean/Max/Min/L1/L2/SumSquare, ArgMax/ArgMin, TopK."""

from __future__ import annotations

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.qops import iconst


def _axes(cx, v, x, input_from):
    """Reduction axes: attribute before opset ``input_from``, second input after."""
    if cx.opset >= input_from and len(v) > 1 and v[1] is not None:
        if isinstance(v[1], Tensor):
            cx.unsupported("non-constant reduction axes")
        axes = [int(a) for a in np.asarray(v[1]).reshape(-1)]
    else:
        axes = cx.attr("axes")
    if not axes:
        if cx.attr("noop_with_empty_axes", 0):
            return []
        axes = range(len(x.shape))
    return sorted({a % len(x.shape) for a in axes})


def _squeeze(b, x, axes, keep):
    if keep or not axes:
        return x
    return qops.index_map(b, x, lambda a: np.squeeze(a, tuple(axes)))


def ReduceSum(cx, v):
    x = v[0]
    axes = _axes(cx, v, x, 13)
    keep = cx.attr("keepdims", 1)
    return [qops.reduce_sum(cx.b, x, axes, keep)]


def ReduceMean(cx, v):
    x = v[0]
    axes = _axes(cx, v, x, 18)
    keep = cx.attr("keepdims", 1)
    return [qops.mean(cx.b, x, axes, keep) if axes else x]


def _pairwise(op):
    def red(cx, v):
        x = v[0]
        axes = _axes(cx, v, x, 18)
        for ax in axes:
            x = qops.reduce_pairwise(cx.b, x, ax, op, keepdims=True)
        return [_squeeze(cx.b, x, axes, cx.attr("keepdims", 1))]
    return red


ReduceMax = _pairwise("max")
ReduceMin = _pairwise("min")


def ReduceL1(cx, v):
    x = v[0]
    axes = _axes(cx, v, x, 18)
    return [qops.reduce_sum(cx.b, qops.absval(cx.b, x), axes, cx.attr("keepdims", 1))]


def ReduceSumSquare(cx, v):
    x = v[0]
    axes = _axes(cx, v, x, 18)
    return [qops.reduce_sum(cx.b, qops.mul(cx.b, x, x), axes, cx.attr("keepdims", 1))]


def ReduceL2(cx, v):
    b, x = cx.b, v[0]
    axes = _axes(cx, v, x, 18)
    x, _ = qops.fit_product(b, x, x, int(np.prod([x.shape[a] for a in axes])))
    sq = b.emit("mul", [x, x], scale=2 * x.scale)
    s = qops.reduce_sum(b, sq, axes, cx.attr("keepdims", 1))
    return [qops.sqrt(b, s)]


def _arg(cx, v, op):
    """Index of the first max/min: n - max_i(eq_i * (n - i)) with eq_i = (x_i == max)."""
    b, x = cx.b, v[0]
    axis = cx.attr("axis", 0) % len(x.shape)
    keep = cx.attr("keepdims", 1)
    last = cx.attr("select_last_index", 0)
    n = x.shape[axis]
    m = qops.reduce_pairwise(b, x, axis, op)
    eq = b.emit("cmp", [x, m], {"op": "eq"}, scale=0, kind="int")
    shape = [1] * len(x.shape)
    shape[axis] = n
    w = np.arange(1, n + 1) if last else np.arange(n, 0, -1)
    score = b.emit("mul", [eq, iconst(b, w.reshape(shape))], scale=0, kind="int")
    best = qops.reduce_pairwise(b, score, axis, "max")
    idx = best if last else b.emit("sub", [iconst(b, n), best], scale=0, kind="int")
    if last:
        idx = b.emit("sub", [best, iconst(b, 1)], scale=0, kind="int")
    return [_squeeze(b, idx, [axis], keep)]


def ArgMax(cx, v):
    return _arg(cx, v, "max")


def ArgMin(cx, v):
    return _arg(cx, v, "min")


def TopK(cx, v):
    """k rounds of (max, first argmax, mask it out with a large negative)."""
    b, x = cx.b, v[0]
    k = int(np.asarray(v[1]).reshape(-1)[0]) if cx.opset >= 10 else cx.attr("k")
    axis = cx.attr("axis", -1) % len(x.shape)
    largest = cx.attr("largest", 1)
    if not largest:
        x = qops.neg(b, x)
    n = x.shape[axis]
    shape = [1] * len(x.shape)
    shape[axis] = n
    vals, idxs = [], []
    cur = x
    big = x.hi - x.lo + 1
    for _ in range(k):
        m = qops.reduce_pairwise(b, cur, axis, "max")
        eq = b.emit("cmp", [cur, m], {"op": "eq"}, scale=0, kind="int")
        score = b.emit("mul", [eq, iconst(b, np.arange(n, 0, -1).reshape(shape))], scale=0, kind="int")
        best = qops.reduce_pairwise(b, score, axis, "max")
        idx = b.emit("sub", [iconst(b, n), best], scale=0, kind="int")
        hit = b.emit("cmp", [iconst(b, np.arange(n).reshape(shape)), idx], {"op": "eq"}, scale=0, kind="int")
        cur = b.emit("sub", [cur, b.emit("scale_const", [hit], {"c": big}, scale=cur.scale)])
        vals.append(m)
        idxs.append(idx)
    val = b.emit("concat", vals, {"axis": axis}) if k > 1 else vals[0]
    ind = b.emit("concat", idxs, {"axis": axis}, kind="int") if k > 1 else idxs[0]
    if not largest:
        val = qops.neg(b, val)
    return [val, ind]


def ReduceLogSumExp(cx, v):
    """m + log(sum exp(x - m)) with m the max (exp on [-24, 0], log on [1, n])."""
    b, x = cx.b, v[0]
    axes = _axes(cx, v, x, 18)
    m = x
    for ax in axes:
        m = qops.reduce_pairwise(b, m, ax, "max")
    d = b.emit("sub", [x, m])
    e = qops.lookup(b, d, "exp", -24.0, 0.0, s_out=16)
    s = qops.reduce_sum(b, e, axes, keepdims=True)
    n = int(np.prod([x.shape[a] for a in axes]))
    y = qops.add(b, m, qops.lookup(b, s, "log", 1.0, float(max(n, 2))))
    return [_squeeze(b, y, axes, cx.attr("keepdims", 1))]
