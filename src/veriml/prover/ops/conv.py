"""N-D convolution as an im2col index map followed by a contraction.

x: (N, C, S...), w: (M, C/G, K...), out: (N, M, O...). With the im2col
xc[n, o, c, k] = x[n, c, o*stride - pad + k*dil] (0 in the padding):

    out(r_n, r_m, r_o) = sum_{c, k} W(c, k) X(c, k),
        W(c, k) = sum_m eq(r_m, m) w[m, c, k],   X(c, k) = sum_{n, o} eq(r_n, n) eq(r_o, o) xc[n, o, c, k],

one degree-2 sumcheck over the (c, k) bits (groups = 1), after which w gets a claim and xc's
claim goes through the im2col index map (:func:`~veriml.prover.ops.index.reduce_map`) to x.
Padded (c, k) entries of xc read 0, so the contraction needs no mask; padded (n, o)
entries read position 0 of their axis, so padded outputs stay in the interval. Grouped
convolutions sum over (m, c, k) instead, with the group of m picking the input channels.
"""

from __future__ import annotations

import numpy as np

from ...field import from_int
from ...iop import ext as E
from ...ir.execute import _abs_sum_bound, _exact_matmul
from ...poly import multilinear as ML
from ..context import to_arr
from ..kernels import contract_rows
from ..layout import Layout
from .base import Op, tensor_ref
from .index import apply_map, reduce_map


def _eq(point):
    return ML.eq_table(to_arr(point)) if len(point) else np.array([[1, 0]], dtype=np.uint64)


def _im2col_map(x_layout, w_shape, out_shape, attrs, grouped):
    """Padded index map of xc over the padded cube of xc's shape, into x's padded cube.

    groups == 1: xc shape (N, O..., C, K...); grouped: (N, O..., M, C/G, K...)."""
    n, c = x_layout.shape[:2]
    spatial = x_layout.shape[2:]
    m, cg = w_shape[:2]
    kernel = tuple(w_shape[2:])
    outs = tuple(out_shape[2:])
    nd = len(spatial)
    g = int(attrs["groups"])
    if grouped:
        shape = (n,) + outs + (m, cg) + kernel
    else:
        shape = (n,) + outs + (cg,) + kernel
    lay = Layout(shape)
    grid = np.indices(lay.padded, dtype=np.int64, sparse=True)  # broadcast: no dense index cube per axis
    valid = np.ones(lay.padded, dtype=bool)
    # padded batch/output positions read position 0; padded contraction positions read 0
    nn = np.where(grid[0] < n, grid[0], 0)
    oo = [np.where(grid[1 + d] < outs[d], grid[1 + d], 0) for d in range(nd)]
    at = 1 + nd
    if grouped:
        mm = grid[at]
        valid &= mm < m
        cc = grid[at + 1]
        valid &= cc < cg
        chan = (np.minimum(mm, m - 1) // (m // g)) * cg + cc
        at += 2
    else:
        cc = grid[at]
        valid &= cc < cg
        chan = cc
        at += 1
    flat = np.zeros(lay.padded, dtype=np.int64)
    for d in range(nd):
        kk = grid[at + d]
        valid &= kk < kernel[d]
        pos = oo[d] * attrs["strides"][d] - attrs["pads"][d] + kk * attrs["dilations"][d]
        valid &= (pos >= 0) & (pos < spatial[d])
        flat = flat * x_layout.padded[2 + d] + pos
    # x padded index of [nn, chan, pos...]
    base = (nn * x_layout.padded[1] + chan)
    for d in range(nd):
        base = base * x_layout.padded[2 + d]
    pidx = np.where(valid, base + flat, -1).reshape(-1)
    if x_layout.size < 2**31:  # kept in the plan for every proof: 4 bytes per index where they fit
        pidx = pidx.astype(np.int32)
    return lay, pidx


class Conv(Op):
    def setup(self, node, plan):
        x_l = plan.layout(node.inputs[0])
        w_shape = tuple(plan.program.tensors[node.inputs[1]].shape)
        grouped = int(node.attrs["groups"]) != 1
        lay, pidx = _im2col_map(x_l, w_shape, tuple(plan.program.tensors[node.out].shape), node.attrs, grouped)
        plan.node_data[node.out] = (lay, pidx, grouped)

    def execute(self, node, plan, xs):
        x, w = xs
        lay, pidx, grouped = plan.node_data[node.out]
        out_l = plan.layout(node.out)
        xc = apply_map(x, pidx).reshape(lay.padded)
        nd = len(out_l.shape) - 2
        Np, Op_ = out_l.padded[0], int(np.prod(out_l.padded[2:], dtype=np.int64))
        Mp = out_l.padded[1]
        if not grouped:
            a = xc.reshape(Np * Op_, -1)  # (N O, C K)
            wm = w.reshape(Mp, -1)  # (M, C K)
            res = _exact_matmul(a, wm.T, _abs_sum_bound(a, wm.T))  # (N O, M)
            return res.reshape((Np,) + out_l.padded[2:] + (Mp,)).transpose([0, nd + 1] + list(range(1, nd + 1)))
        a = xc.reshape(Np * Op_, Mp, -1)
        wm = w.reshape(Mp, -1)
        res = np.einsum("smk,mk->sm", a, wm)
        return np.ascontiguousarray(res.reshape((Np,) + out_l.padded[2:] + (Mp,)).transpose([0, nd + 1] + list(range(1, nd + 1))))

    def reduce(self, ctx, node, point, value):
        plan = ctx.plan
        X, Wt = tensor_ref(plan, node.inputs[0]), tensor_ref(plan, node.inputs[1])
        lay, pidx, grouped = plan.node_data[node.out]
        out_l, w_l = plan.layout(node.out), plan.layout(Wt.tid)
        so = out_l.dim_slices()
        r_n, r_m = point[so[0]], point[so[1]]
        r_o = point[so[2].start:] if len(so) > 2 else []
        nk = sum(w_l.bits[1:])  # bits of (c, k)
        nm = w_l.bits[0]
        nno = lay.num_vars - (nm if grouped else 0) - nk

        def xc_rows():
            xc = apply_map(ctx.values[X.tid], pidx)
            return contract_rows(from_int(xc).reshape(1 << nno, -1), _eq(list(r_n) + list(r_o)))

        if not grouped:
            def tables():
                wv = from_int(ctx.values[Wt.tid]).reshape(1 << nm, 1 << nk)
                return [contract_rows(wv, _eq(r_m)), xc_rows()]

            rho, (vw, vx) = ctx.sumcheck(nk, [(1, (0, 1))], 2, tables, value)
            ctx.bind(Wt, list(r_m) + rho, vw)
            xc_point = list(r_n) + list(r_o) + rho
        else:
            def tables():
                e = np.repeat(_eq(r_m), 1 << nk, axis=0)
                return [e, ctx.tensor_field(Wt.tid), xc_rows()]

            rho, (ve, vw, vx) = ctx.sumcheck(nm + nk, [(1, (0, 1, 2))], 3, tables, value)
            if ve != E.eq(list(r_m), rho[:nm]):
                ctx.fail("conv: eq evaluation is wrong")
            ctx.bind(Wt, rho, vw)
            xc_point = list(r_n) + list(r_o) + rho
        reduce_map(ctx, X, pidx, xc_point, vx)
