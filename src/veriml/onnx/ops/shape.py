"""Data movement (all become one ``gather``/``reshape``/``concat``): Reshape, Transpose, Slice, ...

The trick: the op's numpy semantics are applied to an *index array* ``arange(size)``; the
result is the constant index map of a ``gather`` (padding reads index -1, i.e. zero).
"""

from __future__ import annotations

import numpy as np

from veriml.ir.graph import Tensor
from veriml.quant import qops
from veriml.quant.qops import as_tensor, iconst


def _ints(v):
    return [int(i) for i in np.asarray(v).reshape(-1)]


def _const_in(cx, v, i, attr):
    """An int list given as input ``i`` (new opsets) or attribute ``attr`` (old opsets)."""
    if len(v) > i and v[i] is not None:
        if isinstance(v[i], Tensor):
            cx.unsupported(f"non-constant '{attr}' input")
        return _ints(v[i])
    a = cx.attr(attr)
    return None if a is None else [int(x) for x in a]


def Identity(cx, v):
    return [v[0]]


Dropout = Identity


def Reshape(cx, v):
    x, shape = v[0], _ints(v[1])
    if not cx.attr("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [qops.index_map(cx.b, x, lambda a: a.reshape(shape))]


def Flatten(cx, v):
    x = v[0]
    axis = cx.attr("axis", 1) % (len(x.shape) + 1) if len(x.shape) else 0
    shape = (int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))
    return [qops.index_map(cx.b, x, lambda a: a.reshape(shape))]


def Transpose(cx, v):
    perm = cx.attr("perm")
    return [qops.index_map(cx.b, v[0], lambda a: np.transpose(a, perm))]


def Squeeze(cx, v):
    x = v[0]
    axes = _const_in(cx, v, 1, "axes")
    if axes is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    return [qops.index_map(cx.b, x, lambda a: np.squeeze(a, tuple(ax % a.ndim for ax in axes)))]


def Unsqueeze(cx, v):
    x = v[0]
    axes = _const_in(cx, v, 1, "axes")
    nd = len(x.shape) + len(axes)
    axes = sorted(ax % nd for ax in axes)

    def f(a):
        for ax in axes:
            a = np.expand_dims(a, ax)
        return a
    return [qops.index_map(cx.b, x, f)]


def Concat(cx, v):
    b = cx.b
    ts = [t for t in v if t is not None]
    ref = next(t for t in ts if isinstance(t, Tensor))
    ts = [as_tensor(b, t, ref.scale if ref.kind == "float" else None) for t in ts]
    ts = [t for t in ts if t.size > 0] or ts[:1]
    ts = qops.align(b, *ts)
    axis = cx.attr("axis") % len(ts[0].shape)
    if len(ts) == 1:
        return [ts[0]]
    kind = "float" if any(t.kind == "float" for t in ts) else ts[0].kind
    return [b.emit("concat", ts, {"axis": axis}, kind=kind)]


def Slice(cx, v):
    x = v[0]
    if cx.opset < 10:
        starts, ends = cx.attr("starts"), cx.attr("ends")
        axes, steps = cx.attr("axes"), None
    else:
        starts, ends = _ints(v[1]), _ints(v[2])
        axes = _const_in(cx, v, 3, "axes__")
        steps = _const_in(cx, v, 4, "steps__")
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps

    def f(a):
        sl = [slice(None)] * a.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            sl[ax % a.ndim] = slice(s, e, st)
        return a[tuple(sl)]
    return [qops.index_map(cx.b, x, f)]


def Split(cx, v):
    x = v[0]
    axis = cx.attr("axis", 0) % len(x.shape)
    split = _const_in(cx, v, 1, "split")
    n_out = len(cx.node.output)
    if split is None:
        n = x.shape[axis]
        chunk = -(-n // n_out)
        split = [min(chunk, n - i * chunk) for i in range(n_out)]
    bounds = np.cumsum([0] + list(split))
    outs = []
    for i in range(n_out):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        outs.append(qops.index_map(cx.b, x, lambda a, lo=lo, hi=hi: np.take(a, np.arange(lo, hi), axis=axis)))
    return outs


def Pad(cx, v):
    b, x = cx.b, v[0]
    nd = len(x.shape)
    if cx.opset < 11:
        pads, value = list(cx.attr("pads")), float(cx.attr("value", 0.0))
    else:
        pads = _ints(v[1])
        value = float(np.asarray(v[2]).reshape(-1)[0]) if len(v) > 2 and v[2] is not None else 0.0
        axes = _const_in(cx, v, 3, "axes__")
        if axes is not None:
            full = [0] * (2 * nd)
            for i, ax in enumerate(axes):
                full[ax % nd], full[ax % nd + nd] = pads[i], pads[i + len(axes)]
            pads = full
    mode = cx.attr("mode", "constant")
    widths = [(pads[d], pads[d + nd]) for d in range(nd)]

    def f(a):
        for d, (bf, af) in enumerate(widths):  # negative pads crop
            if bf < 0:
                a = np.take(a, np.arange(-bf, a.shape[d]), axis=d)
            if af < 0:
                a = np.take(a, np.arange(0, a.shape[d] + af), axis=d)
        w = [(max(bf, 0), max(af, 0)) for bf, af in widths]
        if mode == "constant":
            return np.pad(a, w, constant_values=-1)
        return np.pad(a, w, mode={"reflect": "reflect", "edge": "edge", "wrap": "wrap"}[mode])
    y = qops.index_map(b, x, f)
    if value != 0.0 and mode == "constant":
        src = f(np.arange(x.size).reshape(x.shape))
        y = qops.add(b, y, np.where(src < 0, value, 0.0))
    return [y]


def Tile(cx, v):
    reps = _ints(v[1])
    return [qops.index_map(cx.b, v[0], lambda a: np.tile(a, reps))]


def Expand(cx, v):
    shape = _ints(v[1])
    x = v[0]
    out = np.broadcast_shapes(tuple(x.shape), tuple(shape))
    return [qops.index_map(cx.b, x, lambda a: np.broadcast_to(a, out).copy())]


def Gather(cx, v):
    b, data, idx = cx.b, v[0], v[1]
    axis = cx.attr("axis", 0)
    if isinstance(idx, Tensor):
        if isinstance(data, Tensor) or axis % np.ndim(data) != 0:
            cx.unsupported("Gather with non-constant indices (only embedding tables, axis 0)")
        return [_embedding(b, np.asarray(data), idx, axis)]
    ind = np.asarray(idx).astype(np.int64)
    n = data.shape[axis % len(data.shape)]
    ind = np.where(ind < 0, ind + n, ind)
    return [qops.index_map(b, data, lambda a: np.take(a, ind, axis=axis))]


def _embedding(b, table, idx, axis):
    """Gather rows of a constant table by a data-dependent index: one-hot(idx) @ table."""
    if idx.scale != 0:
        idx = qops.floor_div_pow2(b, idx, idx.scale)
    n = table.shape[0]
    col = qops.index_map(b, idx, lambda a: a[..., None])
    onehot = b.emit("cmp", [col, iconst(b, np.arange(n))], {"op": "eq"}, scale=0, kind="int")
    flat = table.reshape(n, -1)
    if table.dtype.kind in "iub":
        y = b.emit("matmul", [onehot, iconst(b, flat.astype(np.int64))], scale=0, kind="int")
    else:
        y = qops.matmul(b, onehot, flat.astype(np.float64))
    return qops.index_map(b, y, lambda a: a.reshape(tuple(idx.shape) + table.shape[1:]))


def GatherElements(cx, v):
    b, data, idx = cx.b, v[0], v[1]
    axis = cx.attr("axis", 0) % len(np.shape(data) if not isinstance(data, Tensor) else data.shape)
    if not isinstance(idx, Tensor):
        ind = np.asarray(idx).astype(np.int64)
        ind = np.where(ind < 0, ind + data.shape[axis], ind)
        return [qops.index_map(b, data, lambda a: np.take_along_axis(a, ind, axis=axis))]
    return [_onehot_gather_elements(b, as_tensor(b, data), idx, axis)]


def _onehot_gather_elements(b, data, idx, axis):
    """Data-dependent GatherElements: out = sum_k (idx == k) * data[..., k, ...] (along axis)."""
    n = data.shape[axis]
    nd = len(data.shape)
    # bring axis last, crop data's other dims to idx's, and compare idx with 0..n-1
    dl = qops.index_map(b, data, lambda a: np.moveaxis(a, axis, -1)[tuple(slice(0, s) for s in
                        np.moveaxis(np.empty(idx.shape), axis, -1).shape[:-1])])
    il = qops.index_map(b, idx, lambda a: np.moveaxis(a, axis, -1))
    col = qops.index_map(b, il, lambda a: a[..., None])
    neg = b.emit("cmp", [col, iconst(b, 0)], {"op": "lt"}, scale=0, kind="int")  # negative index: + n
    col = b.emit("add", [col, b.emit("scale_const", [neg], {"c": n}, scale=0)], scale=0, kind="int")
    onehot = b.emit("cmp", [col, iconst(b, np.arange(n))], {"op": "eq"}, scale=0, kind="int")
    de = qops.index_map(b, dl, lambda a: a[..., None, :])
    prod = b.emit("mul", [onehot, de], scale=data.scale, kind=data.kind)
    out = qops.reduce_sum(b, prod, (nd,), keepdims=False)
    return qops.index_map(b, out, lambda a: np.moveaxis(a, -1, axis))


def GatherND(cx, v):
    data, idx = v[0], v[1]
    if isinstance(idx, Tensor):
        cx.unsupported("GatherND with non-constant indices")
    bd = cx.attr("batch_dims", 0)
    ind = np.asarray(idx).astype(np.int64)

    if bd:
        cx.unsupported("GatherND with batch_dims > 0")

    def f(a):
        return a[tuple(np.moveaxis(ind, -1, 0))]
    return [qops.index_map(cx.b, data, f)]


def _scatter(b, data, updates, place):
    """out = data with some positions replaced by updates: one gather over [data; updates]."""
    data, updates = qops.align(b, as_tensor(b, data), as_tensor(b, updates, getattr(data, "scale", None)))
    flat = b.emit("concat", [qops.index_map(b, data, lambda a: a.reshape(-1)),
                             qops.index_map(b, updates, lambda a: a.reshape(-1))], {"axis": 0}, kind=data.kind)
    src = np.arange(data.size).reshape(data.shape)
    upd = data.size + np.arange(updates.size).reshape(updates.shape)
    return qops.index_map(b, flat, lambda a: place(src.copy(), upd))


def ScatterElements(cx, v):
    data, idx, updates = v
    if isinstance(idx, Tensor):
        cx.unsupported("ScatterElements with non-constant indices")
    if cx.attr("reduction", "none") != "none":
        cx.unsupported("ScatterElements with a reduction")
    axis = cx.attr("axis", 0)
    ind = np.asarray(idx).astype(np.int64)

    def place(src, upd):
        np.put_along_axis(src, np.where(ind < 0, ind + src.shape[axis], ind), upd, axis=axis)
        return src
    return [_scatter(cx.b, data, updates, place)]


def ScatterND(cx, v):
    data, idx, updates = v
    if isinstance(idx, Tensor):
        cx.unsupported("ScatterND with non-constant indices")
    if cx.attr("reduction", "none") != "none":
        cx.unsupported("ScatterND with a reduction")
    ind = np.asarray(idx).astype(np.int64)

    def place(src, upd):
        for i in np.ndindex(ind.shape[:-1]):
            src[tuple(ind[i])] = upd[i]
        return src
    if not isinstance(data, Tensor):
        data = np.asarray(data)
    return [_scatter(cx.b, data, updates, place)]


def OneHot(cx, v):
    """values[0] + (values[1] - values[0]) * (indices == k), new axis of size depth."""
    b, ind, depth, values = cx.b, v[0], v[1], v[2]
    if isinstance(depth, Tensor) or isinstance(values, Tensor):
        cx.unsupported("OneHot with non-constant depth/values")
    depth = int(np.asarray(depth).reshape(-1)[0])
    axis = cx.attr("axis", -1)
    off, on = [float(x) for x in np.asarray(values).reshape(-1)[:2]]
    if ind.kind == "float" and ind.scale != 0:
        ind = qops.floor_div_pow2(b, ind, ind.scale)
    col = qops.index_map(b, ind, lambda a: a[..., None])
    neg = b.emit("cmp", [col, iconst(b, 0)], {"op": "lt"}, scale=0, kind="int")
    col = b.emit("add", [col, b.emit("scale_const", [neg], {"c": depth}, scale=0)], scale=0, kind="int")
    hot = b.emit("cmp", [col, iconst(b, np.arange(depth))], {"op": "eq"}, scale=0, kind="int")
    nd = len(ind.shape) + 1
    if axis % nd != nd - 1:
        hot = qops.index_map(b, hot, lambda a: np.moveaxis(a, -1, axis % nd))
    if off == 0.0 and on == 1.0:
        return [qops.relabel(b, hot, 0, kind="float")]
    y = qops.mul(b, qops.relabel(b, hot, 0, kind="float"), on - off)
    return [qops.add(b, y, np.float64(off)) if off else y]


def Shape(cx, v):
    shape = np.array(v[0].shape if isinstance(v[0], Tensor) else np.shape(v[0]), dtype=np.int64)
    start, end = cx.attr("start", 0), cx.attr("end", None)
    return [shape[start:end]]


def Size(cx, v):
    return [np.array(v[0].size, dtype=np.int64)]


def Cast(cx, v):
    b, x = cx.b, v[0]
    to = cx.attr("to")
    import onnx

    if to == onnx.TensorProto.BOOL:
        if x.kind == "bool":
            return [x]
        eq = b.emit("cmp", [x, iconst(b, 0)], {"op": "ne"}, scale=0, kind="bool")
        return [eq]
    if to in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16):
        if x.kind == "float":
            return [x]
        return [qops.relabel(b, x, x.scale, kind="float")]
    # to an integer type: truncate toward zero
    if x.kind != "float" or x.scale <= 0:
        return [qops.relabel(b, x, x.scale, kind="int")]
    sign = b.emit("sign", [x], scale=0, kind="int")
    mag = b.emit("mul", [x, sign])
    fl = qops.floor_div_pow2(b, mag, x.scale)
    return [b.emit("mul", [fl, sign], scale=0, kind="int")]


def Trilu(cx, v):
    x = v[0]
    k = int(np.asarray(v[1]).reshape(-1)[0]) if len(v) > 1 and v[1] is not None else 0
    upper = cx.attr("upper", 1)

    def f(a):
        n, m = a.shape[-2:]
        mask = np.triu(np.ones((n, m), bool), k) if upper else np.tril(np.ones((n, m), bool), k)
        return np.where(mask, a, -1)
    return [qops.index_map(cx.b, x, f)]


def DepthToSpace(cx, v):
    bs, mode = cx.attr("blocksize"), cx.attr("mode", "DCR")

    def f(a):
        n, c, h, w = a.shape
        if mode == "DCR":
            t = a.reshape(n, bs, bs, c // bs**2, h, w).transpose(0, 3, 4, 1, 5, 2)
        else:
            t = a.reshape(n, c // bs**2, bs, bs, h, w).transpose(0, 1, 4, 2, 5, 3)
        return t.reshape(n, c // bs**2, h * bs, w * bs)
    return [qops.index_map(cx.b, v[0], f)]


def SpaceToDepth(cx, v):
    bs = cx.attr("blocksize")

    def f(a):
        n, c, h, w = a.shape
        t = a.reshape(n, c, h // bs, bs, w // bs, bs).transpose(0, 3, 5, 1, 2, 4)
        return t.reshape(n, c * bs * bs, h // bs, w // bs)
    return [qops.index_map(cx.b, v[0], f)]


def Resize(cx, v):
    """Nearest-neighbour resize (asymmetric / half_pixel coordinates) as an index map."""
    x = v[0]
    mode = cx.attr("mode", "nearest")
    if mode != "nearest":
        cx.unsupported(f"Resize mode {mode!r}")
    scales = v[2] if len(v) > 2 and v[2] is not None and np.size(v[2]) else None
    sizes = v[3] if len(v) > 3 and v[3] is not None and np.size(v[3]) else None
    if cx.opset < 11:
        scales = v[1]
    if sizes is not None:
        out = _ints(sizes)
        sc = [o / i for o, i in zip(out, x.shape)]
    else:
        sc = [float(s) for s in np.asarray(scales).reshape(-1)]
        out = [int(np.floor(i * s)) for i, s in zip(x.shape, sc)]
    ctm = cx.attr("coordinate_transformation_mode", "half_pixel" if cx.opset >= 11 else "asymmetric")
    nm = cx.attr("nearest_mode", "round_prefer_floor")
    idxs = []
    for d, (o, i, s) in enumerate(zip(out, x.shape, sc)):
        oc = np.arange(o, dtype=np.float64)
        if ctm == "asymmetric":
            src = oc / s
        elif ctm == "align_corners":
            src = oc * (i - 1) / max(o - 1, 1)
        else:
            src = (oc + 0.5) / s - 0.5
        if nm == "floor":
            r = np.floor(src)
        elif nm == "ceil":
            r = np.ceil(src)
        elif nm == "round_prefer_ceil":
            r = np.floor(src + 0.5)
        else:
            r = np.ceil(src - 0.5)
        idxs.append(np.clip(r.astype(np.int64), 0, i - 1))
    return [qops.index_map(cx.b, x, lambda a: a[np.ix_(*idxs)])]
