"""Linear layers: Gemm, MatMul, Conv, ConvTranspose, BatchNormalization."""

from __future__ import annotations

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.qops import as_tensor
from veriml.quant.policy import weight_scale


def _t(b, v):
    """Transpose the last two axes of a constant or tensor."""
    if isinstance(v, Tensor):
        return qops.index_map(b, v, lambda a: np.swapaxes(a, -1, -2))
    return np.swapaxes(np.asarray(v), -1, -2)


def Gemm(cx, v):
    b = cx.b
    a, w = v[0], v[1]
    c = v[2] if len(v) > 2 else None
    if cx.attr("transA", 0):
        a = _t(b, a)
    if cx.attr("transB", 0):
        w = _t(b, w)
    alpha, beta = float(cx.attr("alpha", 1.0)), float(cx.attr("beta", 1.0))
    if alpha != 1.0:
        if isinstance(w, Tensor):
            a = qops.mul(b, a, alpha)
        else:
            w = np.asarray(w, dtype=np.float64) * alpha
    y = qops.matmul(b, a, w)
    if c is not None:
        if not isinstance(c, Tensor):
            c = np.asarray(c, dtype=np.float64) * beta
        elif beta != 1.0:
            c = qops.mul(b, c, beta)
        y = qops.add(b, y, c)
    return [y]


def MatMul(cx, v):
    b = cx.b
    a, w = v
    a_vec = len(np.shape(a) if not isinstance(a, Tensor) else a.shape) == 1
    w_vec = len(np.shape(w) if not isinstance(w, Tensor) else w.shape) == 1
    if a_vec:
        a = qops.index_map(b, a, lambda x: x[None, :]) if isinstance(a, Tensor) else np.asarray(a)[None, :]
    if w_vec:
        w = qops.index_map(b, w, lambda x: x[:, None]) if isinstance(w, Tensor) else np.asarray(w)[:, None]
    y = qops.matmul(b, a, w)
    if a_vec or w_vec:
        y = qops.index_map(b, y, lambda x: x[..., 0, :] if a_vec and not w_vec else
                           (x[..., 0] if w_vec and not a_vec else x[..., 0, 0]))
    return [y]


def _conv_pads(cx, spatial, kernel, strides, dilations):
    nd = len(spatial)
    pads = list(cx.attr("pads", [0] * (2 * nd)))
    auto = cx.attr("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = [0] * (2 * nd)
        for d in range(nd):
            out = -(-spatial[d] // strides[d])
            total = max((out - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - spatial[d], 0)
            small, big = total // 2, total - total // 2
            pads[d], pads[d + nd] = (small, big) if auto == "SAME_UPPER" else (big, small)
    elif auto == "VALID":
        pads = [0] * (2 * nd)
    return pads


def _bias(b, y, bias):
    if bias is None:
        return y
    shape = (1, -1) + (1,) * (len(y.shape) - 2)
    if isinstance(bias, Tensor):
        return qops.add(b, y, qops.index_map(b, bias, lambda a: a.reshape(shape)))
    return qops.add(b, y, np.asarray(bias, dtype=np.float64).reshape(shape))


def Conv(cx, v):
    b = cx.b
    x, w = as_tensor(b, v[0]), v[1]
    bias = v[2] if len(v) > 2 else None
    wshape = w.shape if isinstance(w, Tensor) else np.shape(w)
    kernel = list(wshape[2:])
    nd = len(kernel)
    strides = list(cx.attr("strides", [1] * nd))
    dil = list(cx.attr("dilations", [1] * nd))
    pads = _conv_pads(cx, x.shape[2:], kernel, strides, dil)
    w = as_tensor(b, w)
    k = int(np.prod(wshape[1:]))
    x, w = qops.fit_product(b, x, w, k)
    attrs = {"strides": tuple(strides), "pads": tuple(pads), "dilations": tuple(dil),
             "groups": int(cx.attr("group", 1))}
    y = b.emit("conv", [x, w], attrs, scale=x.scale + w.scale)
    return [_bias(b, qops.requant(b, y), bias)]


def ConvTranspose(cx, v):
    """Zero-insertion + padding (one gather) followed by a conv with the flipped kernel."""
    b = cx.b
    x, w = as_tensor(b, v[0]), v[1]
    if isinstance(w, Tensor):
        cx.unsupported("ConvTranspose with non-constant weights")
    w = np.asarray(w, dtype=np.float64)
    bias = v[2] if len(v) > 2 else None
    g = int(cx.attr("group", 1))
    kernel = list(w.shape[2:])
    nd = len(kernel)
    strides = list(cx.attr("strides", [1] * nd))
    dil = list(cx.attr("dilations", [1] * nd))
    pads = list(cx.attr("pads", [0] * (2 * nd)))
    opad = list(cx.attr("output_padding", [0] * nd))
    spatial = x.shape[2:]
    if cx.attr("auto_pad", "NOTSET") not in ("NOTSET", "VALID") or cx.attr("output_shape") is not None:
        out_shape = cx.attr("output_shape") or [spatial[d] * strides[d] for d in range(nd)]
        pads = [0] * (2 * nd)
        for d in range(nd):
            total = strides[d] * (spatial[d] - 1) + opad[d] + ((kernel[d] - 1) * dil[d] + 1) - out_shape[d]
            pads[d], pads[d + nd] = (total // 2, total - total // 2) if cx.attr("auto_pad") != "SAME_LOWER" \
                else (total - total // 2, total // 2)
    sl = []
    for d in range(nd):
        before = dil[d] * (kernel[d] - 1) - pads[d]
        after = dil[d] * (kernel[d] - 1) - pads[d + nd] + opad[d]
        sl.append((before, after))

    def upsample(a):
        n, c = a.shape[:2]
        shape = [n, c] + [(s - 1) * st + 1 for s, st in zip(spatial, strides)]
        out = -np.ones(shape, dtype=np.int64)
        out[(slice(None), slice(None)) + tuple(slice(None, None, st) for st in strides)] = a
        for d, (bf, af) in enumerate(sl):
            ax = d + 2
            if bf < 0:
                out = np.take(out, np.arange(-bf, out.shape[ax]), axis=ax)
                bf = 0
            if af < 0:
                out = np.take(out, np.arange(0, out.shape[ax] + af), axis=ax)
                af = 0
            widths = [(0, 0)] * out.ndim
            widths[ax] = (bf, af)
            out = np.pad(out, widths, constant_values=-1)
        return out

    xu = qops.index_map(b, x, upsample)
    cin, coutg = w.shape[0], w.shape[1]
    wf = np.flip(w, axis=tuple(range(2, 2 + nd)))
    wf = wf.reshape((g, cin // g, coutg) + tuple(kernel)).swapaxes(1, 2).reshape((g * coutg, cin // g) + tuple(kernel))
    wt = qops.qconst(b, wf)
    xu, wt = qops.fit_product(b, xu, wt, int(np.prod(wf.shape[1:])))
    attrs = {"strides": (1,) * nd, "pads": (0,) * (2 * nd), "dilations": tuple(dil), "groups": g}
    y = b.emit("conv", [xu, wt], attrs, scale=xu.scale + wt.scale)
    return [_bias(b, qops.requant(b, y), bias)]


def BatchNormalization(cx, v):
    """Folded: y = x * a + c with a = gamma / sqrt(var + eps), c = beta - mean * a (per channel)."""
    b = cx.b
    x, gamma, beta, mean, var = v[:5]
    if any(isinstance(t, Tensor) for t in (gamma, beta, mean, var)):
        cx.unsupported("BatchNormalization with non-constant statistics")
    eps = float(cx.attr("epsilon", 1e-5))
    a = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(var, np.float64) + eps)
    c = np.asarray(beta, np.float64) - np.asarray(mean, np.float64) * a
    shape = (1, -1) + (1,) * (len(x.shape) - 2)
    y = qops.mul(b, x, a.reshape(shape))
    return [qops.add(b, y, c.reshape(shape))] + [None] * (len(cx.node.output) - 1)


_ = weight_scale
