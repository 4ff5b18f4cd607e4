"""Recurrent layers, unrolled over the (static) sequence: LSTM, GRU, RNN (ONNX gate layouts)."""

from __future__ import annotations

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.qops import as_tensor

_ACT = {"Sigmoid": ("sigmoid", -16.0, 16.0), "Tanh": ("tanh", -8.0, 8.0)}


def _act(cx, b, x, name):
    if name == "Relu":
        return qops.relu(b, x)
    if name not in _ACT:
        cx.unsupported(f"recurrent activation {name}")
    fn, lo, hi = _ACT[name]
    return qops.lookup(b, x, fn, lo, hi)


def _cols(b, t, lo, hi):
    return qops.index_map(b, t, lambda a: a[..., lo:hi])


def _prep(cx, v, gates):
    """Common arguments: per direction (W^T, R^T, bias W, bias R, h0, c0), X, sizes."""
    b = cx.b
    x = as_tensor(b, v[0])
    if cx.attr("layout", 0):
        x = qops.index_map(b, x, lambda a: np.swapaxes(a, 0, 1))
    w, r = v[1], v[2]
    if isinstance(w, Tensor) or isinstance(r, Tensor):
        cx.unsupported("recurrent weights that are not constant")
    if len(v) > 4 and v[4] is not None:
        lens = np.asarray(v[4]) if not isinstance(v[4], Tensor) else None
        if lens is None or np.any(lens != x.shape[0]):
            cx.unsupported("sequence_lens shorter than the sequence")
    hsz = int(cx.attr("hidden_size", np.shape(r)[-1]))
    dirs = np.shape(w)[0]
    bias = np.asarray(v[3], np.float64) if len(v) > 3 and v[3] is not None else np.zeros((dirs, 2 * gates * hsz))
    return b, x, np.asarray(w, np.float64), np.asarray(r, np.float64), bias, hsz, dirs


def _init(b, v, i, d, batch, hsz):
    if len(v) > i and v[i] is not None:
        h = v[i]
        if isinstance(h, Tensor):
            return qops.index_map(b, h, lambda a: a[d])
        return np.asarray(h, np.float64)[d]
    return np.zeros((batch, hsz))


def _finish(cx, b, ys, hs, cs, seq_first):
    """Stack per-direction outputs into ONNX's Y (seq, dirs, batch, H), Y_h, Y_c."""
    per_dir = []
    for y in ys:
        steps = [qops.index_map(b, t, lambda a: a[None, None]) for t in y]
        per_dir.append(b.emit("concat", qops.align(b, *steps), {"axis": 0}) if len(steps) > 1 else steps[0])
    yall = b.emit("concat", qops.align(b, *per_dir), {"axis": 1}) if len(per_dir) > 1 else per_dir[0]
    hcat = [qops.index_map(b, h, lambda a: a[None]) for h in hs]
    yh = b.emit("concat", qops.align(b, *hcat), {"axis": 0}) if len(hcat) > 1 else hcat[0]
    outs = [yall, yh]
    if cs is not None:
        ccat = [qops.index_map(b, c, lambda a: a[None]) for c in cs]
        outs.append(b.emit("concat", qops.align(b, *ccat), {"axis": 0}) if len(ccat) > 1 else ccat[0])
    if cx.attr("layout", 0):
        outs[0] = qops.index_map(b, outs[0], lambda a: np.transpose(a, (2, 0, 1, 3)))
        outs[1:] = [qops.index_map(b, o, lambda a: np.swapaxes(a, 0, 1)) for o in outs[1:]]
    return outs[:len(cx.node.output)]


def _directions(cx, dirs):
    d = cx.attr("direction", "forward")
    return [d == "reverse"] if dirs == 1 else [False, True]


def LSTM(cx, v):
    b, x, w, r, bias, hsz, dirs = _prep(cx, v, 4)
    acts = cx.attr("activations") or ["Sigmoid", "Tanh", "Tanh"] * dirs
    acts = [a.decode() if isinstance(a, bytes) else a for a in acts]
    if len(v) > 7 and v[7] is not None:
        cx.unsupported("LSTM peepholes")
    seq, batch = x.shape[0], x.shape[1]
    ys, hs, cs = [], [], []
    for d, rev in enumerate(_directions(cx, dirs)):
        h, c = _init(b, v, 5, d, batch, hsz), _init(b, v, 6, d, batch, hsz)
        wb = bias[d, :4 * hsz] + bias[d, 4 * hsz:]
        y = []
        for t in (reversed(range(seq)) if rev else range(seq)):
            xt = qops.index_map(b, x, lambda a, t=t: a[t])
            g = qops.add(b, qops.add(b, qops.matmul(b, xt, w[d].T), qops.matmul(b, h, r[d].T)), wb)
            i = _act(cx, b, _cols(b, g, 0, hsz), acts[3 * d])
            o = _act(cx, b, _cols(b, g, hsz, 2 * hsz), acts[3 * d])
            f = _act(cx, b, _cols(b, g, 2 * hsz, 3 * hsz), acts[3 * d])
            cc = _act(cx, b, _cols(b, g, 3 * hsz, 4 * hsz), acts[3 * d + 1])
            c = qops.add(b, qops.mul(b, f, c), qops.mul(b, i, cc))
            h = qops.mul(b, o, _act(cx, b, c, acts[3 * d + 2]))
            y.append(h)
        ys.append(y[::-1] if rev else y)
        hs.append(h)
        cs.append(c)
    return _finish(cx, b, ys, hs, cs, True)


def GRU(cx, v):
    b, x, w, r, bias, hsz, dirs = _prep(cx, v, 3)
    acts = cx.attr("activations") or ["Sigmoid", "Tanh"] * dirs
    acts = [a.decode() if isinstance(a, bytes) else a for a in acts]
    lbr = cx.attr("linear_before_reset", 0)
    seq, batch = x.shape[0], x.shape[1]
    ys, hs = [], []
    for d, rev in enumerate(_directions(cx, dirs)):
        h = _init(b, v, 5, d, batch, hsz)
        wbias, rbias = bias[d, :3 * hsz], bias[d, 3 * hsz:]
        y = []
        for t in (reversed(range(seq)) if rev else range(seq)):
            xt = qops.index_map(b, x, lambda a, t=t: a[t])
            gx = qops.add(b, qops.matmul(b, xt, w[d].T), wbias)
            rz = qops.add(b, qops.matmul(b, h, r[d, :2 * hsz].T), rbias[:2 * hsz])
            zr = qops.add(b, _cols(b, gx, 0, 2 * hsz), rz)
            z = _act(cx, b, _cols(b, zr, 0, hsz), acts[2 * d])
            rr = _act(cx, b, _cols(b, zr, hsz, 2 * hsz), acts[2 * d])
            if lbr:
                hr = qops.add(b, qops.matmul(b, h, r[d, 2 * hsz:].T), rbias[2 * hsz:])
                pre = qops.add(b, _cols(b, gx, 2 * hsz, 3 * hsz), qops.mul(b, rr, hr))
            else:
                hr = qops.matmul(b, qops.mul(b, rr, h), r[d, 2 * hsz:].T)
                pre = qops.add(b, qops.add(b, _cols(b, gx, 2 * hsz, 3 * hsz), hr), rbias[2 * hsz:])
            hh = _act(cx, b, pre, acts[2 * d + 1])
            # h = hh + z * (h - hh)
            h = qops.add(b, hh, qops.mul(b, z, qops.sub(b, h, hh)))
            y.append(h)
        ys.append(y[::-1] if rev else y)
        hs.append(h)
    return _finish(cx, b, ys, hs, None, True)


def RNN(cx, v):
    b, x, w, r, bias, hsz, dirs = _prep(cx, v, 1)
    acts = cx.attr("activations") or ["Tanh"] * dirs
    acts = [a.decode() if isinstance(a, bytes) else a for a in acts]
    seq, batch = x.shape[0], x.shape[1]
    ys, hs = [], []
    for d, rev in enumerate(_directions(cx, dirs)):
        h = _init(b, v, 5, d, batch, hsz)
        wb = bias[d, :hsz] + bias[d, hsz:]
        y = []
        for t in (reversed(range(seq)) if rev else range(seq)):
            xt = qops.index_map(b, x, lambda a, t=t: a[t])
            pre = qops.add(b, qops.add(b, qops.matmul(b, xt, w[d].T), qops.matmul(b, h, r[d].T)), wb)
            h = _act(cx, b, pre, acts[d])
            y.append(h)
        ys.append(y[::-1] if rev else y)
        hs.append(h)
    return _finish(cx, b, ys, hs, None, True)
