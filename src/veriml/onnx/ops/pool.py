"""Pooling: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, LpPool."""

from __future__ import annotations

import numpy as np

from veriml.ir.windows import take_windows, window_index
from veriml.quant import qops
from veriml.quant.qops import iconst
from veriml.onnx.ops.linear import _conv_pads


def _windows(cx, x):
    kernel = list(cx.attr("kernel_shape"))
    nd = len(kernel)
    strides = list(cx.attr("strides", [1] * nd))
    dil = list(cx.attr("dilations", [1] * nd))
    pads = _conv_pads(cx, x.shape[2:], kernel, strides, dil)
    ceil = int(cx.attr("ceil_mode", 0))
    widx, outs = window_index(x.shape[2:], kernel, strides, pads, dil, ceil)
    return widx, outs, kernel, pads, strides, dil, ceil


def _gathered(b, x, widx, outs, fill_valid):
    """(N, C, K, *O) window taps; padding is -1 (zero) or, with fill_valid, a valid tap."""
    kp = int(np.prod(widx.shape[:len(outs)])) if outs else 1
    wflat = widx.reshape((-1,) + tuple(outs))
    if fill_valid:
        first = np.max(wflat, axis=0, keepdims=True)  # any valid tap of the window
        wflat = np.where(wflat < 0, first, wflat)

    def f(a):
        return take_windows(a, wflat, fill=-1)
    return qops.index_map(b, x, f), kp


def MaxPool(cx, v):
    b, x = cx.b, v[0]
    widx, outs, *_ = _windows(cx, x)
    g, _ = _gathered(b, x, widx, outs, fill_valid=True)
    y = qops.reduce_pairwise(b, g, 2, "max", keepdims=False)
    return [y] + [None] * (len(cx.node.output) - 1)


def AveragePool(cx, v):
    b, x = cx.b, v[0]
    widx, outs, kernel, pads, strides, dil, ceil = _windows(cx, x)
    g, kp = _gathered(b, x, widx, outs, fill_valid=False)
    s = qops.reduce_sum(b, g, (2,), keepdims=False)
    wflat = widx.reshape((-1,) + tuple(outs))
    if cx.attr("count_include_pad", 0):
        nd = len(kernel)
        padded = [x.shape[2 + d] + pads[d] + pads[d + nd] for d in range(nd)]
        pidx, _ = window_index(padded, kernel, strides, [0] * (2 * nd), dil, ceil)
        count = (pidx.reshape((-1,) + tuple(outs)) >= 0).sum(axis=0)
    else:
        count = (wflat >= 0).sum(axis=0)
    count = np.maximum(count, 1)
    if np.all(count == count.flat[0]):
        return [qops.div_const_round(b, s, int(count.flat[0]))]
    return [b.emit("div", [s, iconst(b, count)], {"round": 1})]


def GlobalAveragePool(cx, v):
    x = v[0]
    return [qops.mean(cx.b, x, tuple(range(2, len(x.shape))), keepdims=True)]


def GlobalMaxPool(cx, v):
    b, x = cx.b, v[0]
    for ax in range(2, len(x.shape)):
        x = qops.reduce_pairwise(b, x, ax, "max")
    return [x]


def LpPool(cx, v):
    b, x = cx.b, v[0]
    p = int(cx.attr("p", 2))
    widx, outs, *_ = _windows(cx, x)
    g, _ = _gathered(b, x, widx, outs, fill_valid=False)
    if p == 1:
        return [qops.reduce_sum(b, qops.absval(b, g), (2,), keepdims=False)]
    if p != 2:
        cx.unsupported(f"LpPool with p={p}")
    g, _ = qops.fit_product(b, g, g, g.shape[2])
    sq = b.emit("mul", [g, g], scale=2 * g.scale)
    return [qops.sqrt(b, qops.reduce_sum(b, sq, (2,), keepdims=False))]
