"""Activations: Relu, LeakyRelu, PRelu, Elu, Selu, Celu, Clip, Sigmoid, Tanh, Softmax, ..."""

from __future__ import annotations

import math

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.qops import as_tensor, iconst


def Relu(cx, v):
    return [qops.relu(cx.b, v[0])]


def _neg_part(b, x):
    return b.emit("min", [x, iconst(b, 0)], kind=x.kind)


def LeakyRelu(cx, v):
    b, x = cx.b, v[0]
    alpha = float(cx.attr("alpha", 0.01))
    return [qops.add(b, qops.relu(b, x), qops.mul(b, _neg_part(b, x), alpha))]


def PRelu(cx, v):
    b, x, slope = cx.b, v[0], v[1]
    return [qops.add(b, qops.relu(b, x), qops.mul(b, _neg_part(b, x), slope))]


def _relu_plus_table(b, x, fn, params, lo=-24.0, pos_gain=1.0):
    """pos_gain * relu(x) + f(min(x, 0)) for f saturating at -inf (Elu, Selu, Celu)."""
    neg = qops.lookup(b, _neg_part(b, x), fn, lo, 0.0, params=params)
    pos = qops.relu(b, x)
    if pos_gain != 1.0:
        pos = qops.mul(b, pos, pos_gain)
    return qops.add(b, pos, neg)


def Elu(cx, v):
    return [_relu_plus_table(cx.b, v[0], "elu", (float(cx.attr("alpha", 1.0)),))]


def Selu(cx, v):
    alpha = float(cx.attr("alpha", 1.67326319217681884765625))
    gamma = float(cx.attr("gamma", 1.05070102214813232421875))
    # selu(min(x,0)) carries gamma; the positive part is gamma * relu(x)
    return [_relu_plus_table(cx.b, v[0], "selu", (alpha, gamma), pos_gain=gamma)]


def Celu(cx, v):
    return [_relu_plus_table(cx.b, v[0], "celu", (float(cx.attr("alpha", 1.0)),))]


def Clip(cx, v):
    b, x = cx.b, v[0]
    if cx.opset < 11:
        lo, hi = cx.attr("min", -np.inf), cx.attr("max", np.inf)
    else:
        lo = v[1] if len(v) > 1 and v[1] is not None else -np.inf
        hi = v[2] if len(v) > 2 and v[2] is not None else np.inf
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        cx.unsupported("Clip with non-constant bounds")
    lo, hi = float(np.asarray(lo)), float(np.asarray(hi))
    s = x.scale
    lo_i = max(int(math.ceil(lo * 2.0**s)) if np.isfinite(lo) else x.lo, x.lo)
    hi_i = min(int(math.floor(hi * 2.0**s)) if np.isfinite(hi) else x.hi, x.hi)
    if lo_i > hi_i:
        hi_i = lo_i
    return [b.emit("clamp", [x], {"lo": lo_i, "hi": hi_i}, kind=x.kind)]


def Sigmoid(cx, v):
    return [qops.lookup(cx.b, v[0], "sigmoid", -16.0, 16.0)]


def Tanh(cx, v):
    return [qops.lookup(cx.b, v[0], "tanh", -8.0, 8.0)]


def _hard_sigmoid(b, x, alpha, beta):
    y = qops.add(b, qops.mul(b, x, alpha), np.float64(beta))
    one = 1 << y.scale if y.scale >= 0 else 1
    return b.emit("clamp", [y], {"lo": 0, "hi": one})


def HardSigmoid(cx, v):
    return [_hard_sigmoid(cx.b, v[0], float(cx.attr("alpha", 0.2)), float(cx.attr("beta", 0.5)))]


def HardSwish(cx, v):
    return [qops.mul(cx.b, v[0], _hard_sigmoid(cx.b, v[0], 1.0 / 6.0, 0.5))]


def Softplus(cx, v):
    """relu(x) + log(1 + exp(-|x|)) (the table saturates towards 0)."""
    b, x = cx.b, v[0]
    na = qops.neg(b, qops.absval(b, x))
    return [qops.add(b, qops.relu(b, x), qops.lookup(b, na, "softplus", -24.0, 0.0))]


def Softsign(cx, v):
    b, x = cx.b, v[0]
    den = qops.add(b, qops.absval(b, x), np.float64(1.0))
    return [qops.divide(b, x, den)]


def Gelu(cx, v):
    b, x = cx.b, v[0]
    if cx.attr("approximate", "none") == "tanh":
        return [qops.mul(b, x, qops.lookup(b, x, "gelu_tanh", -8.0, 8.0))]
    return [qops.mul(b, x, qops.lookup(b, x, "phi", -8.0, 8.0))]


def Mish(cx, v):
    b, x = cx.b, v[0]
    return [qops.mul(b, x, qops.lookup(b, x, "tanh_softplus", -20.0, 12.0))]


def _softmax_axis(cx, x):
    axis = cx.attr("axis", -1 if cx.opset >= 13 else 1)
    return axis % len(x.shape)


def _coerce2d(cx, x, axis):
    """Opset < 13 Softmax flattens to 2-D at ``axis``."""
    if cx.opset >= 13 or axis == len(x.shape) - 1:
        return x, axis, None
    shape2 = (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
    return cx.b.emit("reshape", [x], {"shape": shape2}, kind=x.kind), 1, x.shape


def _exp_shifted(b, x, axis):
    """(x - max, exp(x - max)) with exp from a table on [-24, 0]."""
    m = qops.reduce_pairwise(b, x, axis, "max")
    d = b.emit("sub", [x, m])
    return d, qops.lookup(b, d, "exp", -24.0, 0.0, s_out=16)


def Softmax(cx, v):
    b, x = cx.b, as_tensor(cx.b, v[0])
    x, axis, back = _coerce2d(cx, x, _softmax_axis(cx, x))
    _, e = _exp_shifted(b, x, axis)
    s = qops.reduce_sum(b, e, (axis,))
    s = b.emit("max", [s, iconst(b, 1)])
    num = qops.to_scale(b, e, e.scale + 16)
    y = b.emit("div", [num, s], {"round": 1}, scale=16)
    y = b.emit("clamp", [y], {"lo": 0, "hi": 1 << 16})  # exact: e_i <= sum_j e_j
    if back is not None:
        y = b.emit("reshape", [y], {"shape": back})
    return [y]


def LogSoftmax(cx, v):
    b, x = cx.b, as_tensor(cx.b, v[0])
    x, axis, back = _coerce2d(cx, x, _softmax_axis(cx, x))
    d, e = _exp_shifted(b, x, axis)
    s = qops.reduce_sum(b, e, (axis,))
    n = x.shape[axis]
    ls = qops.lookup(b, s, "log", 1.0, float(n))
    y = qops.sub(b, d, ls)
    if back is not None:
        y = b.emit("reshape", [y], {"shape": back})
    return [y]
