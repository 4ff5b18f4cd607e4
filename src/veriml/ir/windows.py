"""Sliding-window index maps shared by ``conv``, pooling and the front-end.

``window_index`` returns, for an N-D spatial shape, an int64 array of shape
``(K1, ..., Kn, O1, ..., On)`` holding the flat spatial index that kernel tap ``k`` of output
position ``o`` reads, or ``-1`` where it reads padding.
"""

from __future__ import annotations

import math

import numpy as np


def out_size(size, k, stride, pad_begin, pad_end, dil, ceil_mode=False):
    """Output length of one spatial axis (ONNX pooling/conv formula, PyTorch ceil rule)."""
    span = size + pad_begin + pad_end - dil * (k - 1) - 1
    if ceil_mode:
        n = -(-span // stride) + 1
        if (n - 1) * stride >= size + pad_begin:
            n -= 1
    else:
        n = span // stride + 1
    return max(int(n), 0)


def window_index(spatial, kernel, strides, pads, dilations, ceil_mode=False):
    """Flat input index (or -1 for padding) of every (kernel tap, output position)."""
    nd = len(spatial)
    outs = [out_size(spatial[d], kernel[d], strides[d], pads[d], pads[d + nd], dilations[d], ceil_mode)
            for d in range(nd)]
    flat = np.zeros(tuple(kernel) + tuple(outs), dtype=np.int64)
    valid = np.ones(flat.shape, dtype=bool)
    mult = 1
    for d in reversed(range(nd)):
        o = np.arange(outs[d]) * strides[d] - pads[d]
        k = np.arange(kernel[d]) * dilations[d]
        shape_k = [1] * (2 * nd)
        shape_k[d] = kernel[d]
        shape_o = [1] * (2 * nd)
        shape_o[nd + d] = outs[d]
        pos = k.reshape(shape_k) + o.reshape(shape_o)
        valid &= (pos >= 0) & (pos < spatial[d])
        flat = flat + pos * mult
        mult *= spatial[d]
    return np.where(valid, flat, -1), outs


def take_windows(x, idx, fill=0):
    """Apply ``window_index`` to ``x`` of shape (N, C, *spatial): (N, C, K..., O...)."""
    n, c = x.shape[:2]
    xf = x.reshape(n, c, -1)
    xf = np.concatenate([xf, np.full((n, c, 1), fill, dtype=x.dtype)], axis=2)
    safe = np.where(idx >= 0, idx, xf.shape[2] - 1)
    return xf[:, :, safe]


def kernel_size(kernel):
    return int(math.prod(kernel))
