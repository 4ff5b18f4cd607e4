"""Contractions: sum over axes and batched matmul, each one sumcheck over the summed bits.

Padded entries of the summed dimension hold computed, not zero, values, so the summed
dimension is masked by its valid-entry indicator, whose MLE the verifier evaluates in
O(bits) (:meth:`veriml.prover.layout.Layout.valid_mle`).
"""

from __future__ import annotations

import numpy as np

from ...field import from_int
from ...iop import ext as E
from ...poly import multilinear as ML
from ..context import to_arr
from ..kernels import contract_last, contract_mid, contract_rows
from ..layout import Layout, broadcast_point
from .base import Op, tensor_ref


def _axes(node, ndim):
    return sorted({int(a) % ndim for a in node.attrs["axes"]}) if ndim else []


def _eq(point):
    return ML.eq_table(to_arr(point)) if len(point) else np.array([[1, 0]], dtype=np.uint64)


class Sum(Op):
    """out(r) = sum_{j in reduced valid entries} x(r_kept, j): sumcheck of x(r_kept, .)
    times the valid mask of the reduced dimensions."""

    def execute(self, node, plan, xs):
        x = xs[0]
        lx = plan.layout(node.inputs[0])
        axes = _axes(node, len(lx.shape))
        mask = np.ones(lx.padded, dtype=bool)
        for a in axes:
            m = np.arange(lx.padded[a]) < lx.shape[a]
            mask &= m.reshape([-1 if i == a else 1 for i in range(len(lx.shape))])
        out = np.sum(np.where(mask, x, 0), axis=tuple(axes), keepdims=True, dtype=np.int64)
        return out.reshape(plan.layout(node.out).padded)

    def reduce(self, ctx, node, point, value):
        plan = ctx.plan
        x = tensor_ref(plan, node.inputs[0])
        lx = plan.layout(x.tid)
        nd = len(lx.shape)
        axes = _axes(node, nd)
        kept = [i for i in range(nd) if i not in axes]
        sl = lx.dim_slices()
        nk = sum(lx.bits[i] for i in kept)
        nr = sum(lx.bits[i] for i in axes)
        if len(point) != nk:
            ctx.fail("sum: claim point has the wrong size")
        red_layout = Layout(tuple(lx.shape[i] for i in axes))

        def tables():
            xv = ctx.values[x.tid].reshape(lx.padded).transpose(kept + axes).reshape(1 << nk, 1 << nr)
            return [contract_rows(from_int(xv), _eq(point)), red_layout.valid_table()]

        if nr == 0:
            rho, vx = [], value
        else:
            rho, (vx, vmask) = ctx.sumcheck(nr, [(1, (0, 1))], 2, tables, value)
            if vmask != red_layout.valid_mle(rho):
                ctx.fail("sum: mask evaluation is wrong")
        full = [None] * lx.num_vars
        at_k, at_r = 0, 0
        for i in range(nd):
            for j in range(sl[i].start, sl[i].stop):
                if i in axes:
                    full[j] = rho[at_r]
                    at_r += 1
                else:
                    full[j] = point[at_k]
                    at_k += 1
        ctx.bind(x, full, vx)


class MatMul(Op):
    """out[b, m, n] = sum_k a[b_a, m, k] bb[b_b, k, n] (numpy batch broadcasting).

    out(r_b, r_m, r_n) = sum_{b, k} eq(r_b, b) valid(k) A(b, k) B(b, k) with
    A(b, k) = a(b_a, r_m, k), B(b, k) = bb(b_b, k, r_n): one degree-3 sumcheck over the batch
    and inner bits, after which a and bb each get one claim."""

    def execute(self, node, plan, xs):
        a, b = xs
        la = plan.layout(node.inputs[0])
        K = la.shape[-1]
        a = a.copy()
        a[..., K:] = 0  # padded inner entries must not contribute
        from ...ir.execute import p_matmul
        return p_matmul([a, b], {})

    def reduce(self, ctx, node, point, value):
        plan = ctx.plan
        A, B = tensor_ref(plan, node.inputs[0]), tensor_ref(plan, node.inputs[1])
        # a 1-D operand is a (1, K) row / (K, 1) column: size-1 dimensions have no bits,
        # so its MLE and the output's are unchanged
        sa, sb = tuple(A.shape), tuple(B.shape)
        sa = (1,) + sa if len(sa) == 1 else sa
        sb = sb + (1,) if len(sb) == 1 else sb
        la, lb = Layout(sa), Layout(sb)
        bo = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
        lo = Layout(bo + (sa[-2], sb[-1]))
        if len(point) != lo.num_vars:
            ctx.fail("matmul: claim point has the wrong size")
        so = lo.dim_slices()
        nbo = sum(lo.bits[:-2])
        r_b, r_m, r_n = point[:nbo], point[so[-2]], point[so[-1]]
        nk = la.bits[-1]
        K = la.shape[-1]
        batch = Layout(bo)

        def tables():
            eb = _eq(r_b)
            # E(b, k) = eq(r_b, b) valid(k)
            e = np.zeros((1 << nbo, 1 << nk, 2), dtype=np.uint64)
            e[:, :K, :] = eb[:, None, :]
            av = from_int(ctx.values[A.tid]).reshape(-1, la.padded[-2], la.padded[-1])
            at = np.empty((av.shape[0], av.shape[2], 2), dtype=np.uint64)
            contract_mid(av, _eq(r_m), at)  # (Ba, K, 2)
            bv = from_int(ctx.values[B.tid]).reshape(-1, lb.padded[-2], lb.padded[-1])
            bt = np.empty((bv.shape[0], bv.shape[1], 2), dtype=np.uint64)
            contract_last(bv, _eq(r_n), bt)  # (Bb, K, 2)
            at = _broadcast_batch(at, la.padded[:-2], batch.padded)
            bt = _broadcast_batch(bt, lb.padded[:-2], batch.padded)
            return [e.reshape(-1, 2), at.reshape(-1, 2), bt.reshape(-1, 2)]

        rho, (ve, va, vb) = ctx.sumcheck(nbo + nk, [(1, (0, 1, 2))], 3, tables, value)
        rb, rk = rho[:nbo], rho[nbo:]
        if ve != E.mul(E.eq(r_b, rb), E.prefix_indicator(rk, K)):
            ctx.fail("matmul: eq/mask evaluation is wrong")
        pa = broadcast_point(bo, sa[:-2], rb) + list(r_m) + list(rk)
        pb = broadcast_point(bo, sb[:-2], rb) + list(rk) + list(r_n)
        ctx.bind(A, pa, va)
        ctx.bind(B, pb, vb)


def _broadcast_batch(t, src_batch_padded, out_batch_padded):
    """(prod src batch, K, 2) -> (prod out batch, K, 2) with numpy broadcasting of batch dims."""
    k = t.shape[-2]
    src = (1,) * (len(out_batch_padded) - len(src_batch_padded)) + tuple(src_batch_padded)
    v = t.reshape(src + (k, 2))
    return np.ascontiguousarray(np.broadcast_to(v, tuple(out_batch_padded) + (k, 2))).reshape(-1, k, 2)
