"""Normalizations with exact integer statistics: LayerNormalization, InstanceNormalization."""

from __future__ import annotations

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.policy import quantize


def normalize(b, x, axes, eps):
    """(x - mean) / sqrt(var + eps) over ``axes``: sum, rounding div, square, isqrt, div."""
    n = int(np.prod([x.shape[a] for a in axes]))
    x = qops.shrink(b, x, 28)
    mu = qops.mean(b, x, axes)
    d = b.emit("sub", [x, mu])
    d, _ = qops.fit_product(b, d, d, n)
    sq = b.emit("mul", [d, d], scale=2 * d.scale)
    var = qops.div_const_round(b, qops.reduce_sum(b, sq, axes), n)
    e = max(int(quantize(eps, var.scale)), 1)
    var = b.emit("add", [var, qops.iconst(b, e)])
    std = qops.sqrt(b, var, s_out=d.scale)
    # |d_i| <= sqrt(n * var): the normalized value never exceeds sqrt(n) (2x for rounding)
    return qops.divide(b, d, std, s_out=16, limit=2.0 * np.sqrt(n) + 2.0)


def _affine(b, y, scale, bias, shape):
    if scale is not None:
        y = qops.mul(b, y, scale if isinstance(scale, Tensor) else np.asarray(scale, np.float64).reshape(shape))
    if bias is not None:
        y = qops.add(b, y, bias if isinstance(bias, Tensor) else np.asarray(bias, np.float64).reshape(shape))
    return y


def LayerNormalization(cx, v):
    b, x = cx.b, v[0]
    axis = cx.attr("axis", -1) % len(x.shape)
    axes = tuple(range(axis, len(x.shape)))
    y = normalize(b, x, axes, float(cx.attr("epsilon", 1e-5)))
    scale = v[1] if len(v) > 1 else None
    bias = v[2] if len(v) > 2 else None
    shp = x.shape[axis:]
    y = _affine(b, y, scale if isinstance(scale, Tensor) or scale is None else np.reshape(scale, shp),
                bias if isinstance(bias, Tensor) or bias is None else np.reshape(bias, shp), shp)
    return [y] + [None] * (len(cx.node.output) - 1)


def InstanceNormalization(cx, v):
    b, x = cx.b, v[0]
    axes = tuple(range(2, len(x.shape)))
    y = normalize(b, x, axes, float(cx.attr("epsilon", 1e-5)))
    shape = (1, -1) + (1,) * (len(x.shape) - 2)
    return [_affine(b, y, v[1], v[2], shape)]
