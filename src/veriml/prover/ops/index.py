"""Index maps: gather, reshape, concat (and the im2col of convolutions) as claim maps.

An index map reads out[i] = src[idx(i)] (0 where idx(i) < 0) over the whole padded output
cube. For a claim out(r) = v,

    v = sum_i eq(r, i) src[idx(i)] = sum_j W_r(j) src[j],   W_r(j) = sum_{i: idx(i) = j} eq(r, i),

one degree-2 sumcheck over the source's bits; both sides build W_r in O(|out| + |src|)
and the verifier checks W_r at the final point itself. A map that is the identity on the
padded cubes passes the claim through unchanged.
"""

from __future__ import annotations

import numpy as np

from ...field import from_int
from ...iop import ext as E
from ...poly import multilinear as ML
from ..context import mle, to_arr
from ..kernels import index_weights
from .base import Op, tensor_ref


def padded_map(out_layout, src_layout, flat_src_idx) -> np.ndarray:
    """Padded index map from an unpadded one: ``flat_src_idx`` gives, for every unpadded
    output entry in row-major order, the unpadded flat source index (or -1). Padded output
    entries read what unpadded output entry 0 reads, so they stay in the tensor's interval."""
    src_pidx = src_layout.padded_index()
    flat = np.asarray(flat_src_idx, dtype=np.int64).reshape(-1)
    mapped = np.where(flat >= 0, src_pidx[np.maximum(flat, 0)] if src_pidx.size else 0, -1)
    out = np.full(out_layout.size, mapped[0] if mapped.size else -1, dtype=np.int64)
    out[out_layout.padded_index()] = mapped
    return out


def apply_map(src_padded, pidx) -> np.ndarray:
    flat = np.asarray(src_padded).reshape(-1)
    return np.where(pidx >= 0, flat[np.maximum(pidx, 0)], 0).astype(np.int64)


def is_identity(pidx, src_size) -> bool:
    return pidx.shape[0] == src_size and bool(np.array_equal(pidx, np.arange(src_size)))


def reduce_map(ctx, src_ref, pidx, point, value) -> None:
    """Claim out(point) = value on out[i] = src[pidx[i]] -> one claim on src."""
    ls = ctx.plan.layout(src_ref.tid)
    if is_identity(pidx, ls.size):
        ctx.bind(src_ref, point, value)
        return
    eq = ML.eq_table(to_arr(point)) if len(point) else np.array([[1, 0]], dtype=np.uint64)
    w = index_weights(eq, pidx, ls.size)
    rho, (vs, vw) = ctx.sumcheck(ls.num_vars, [(1, (0, 1))], 2, lambda: [ctx.tensor_field(src_ref.tid), w], value)
    if vw != mle(w, rho):
        ctx.fail("index map: weight evaluation is wrong")
    ctx.bind(src_ref, rho, vs)


class Gather(Op):
    """out.flat[i] = x.flat[idx[i]] (0 where idx < 0) for a constant index array."""

    def flat_map(self, node, plan):
        return np.asarray(node.attrs["idx"], dtype=np.int64).reshape(-1)

    def setup(self, node, plan):
        src = plan.layout(node.inputs[0])
        plan.node_data[node.out] = padded_map(plan.layout(node.out), src, self.flat_map(node, plan))

    def execute(self, node, plan, xs):
        return apply_map(xs[0], plan.node_data[node.out]).reshape(plan.layout(node.out).padded)

    def reduce(self, ctx, node, point, value):
        reduce_map(ctx, tensor_ref(ctx.plan, node.inputs[0]), ctx.plan.node_data[node.out], point, value)


class Reshape(Gather):
    """Same flat data, new shape: the identity on unpadded flat indices."""

    def flat_map(self, node, plan):
        return np.arange(int(np.prod(plan.layout(node.out).shape, dtype=np.int64)), dtype=np.int64)


class Concat(Op):
    """out = concat(x_0, ..., x_{s-1}) along ``axis``: one index map per input; the prover
    states each input's share of the claim."""

    def setup(self, node, plan):
        out_l = plan.layout(node.out)
        axis = int(node.attrs["axis"]) % max(len(out_l.shape), 1)
        sizes = [plan.program.tensors[t].shape[axis] for t in node.inputs]
        pos = np.indices(out_l.shape, dtype=np.int64)
        along = pos[axis]
        maps, start = [], 0
        for t, d in zip(node.inputs, sizes):
            ls = plan.layout(t)
            inside = (along >= start) & (along < start + d)
            src_pos = pos.copy()
            src_pos[axis] = along - start
            if d == 0 or 0 in ls.shape:  # an empty input contributes nothing
                flat = np.full(out_l.shape, -1, np.int64)
            else:
                clipped = tuple(np.clip(src_pos[i], 0, ls.shape[i] - 1) for i in range(len(ls.shape)))
                flat = np.ravel_multi_index(clipped, ls.shape) if ls.shape else np.zeros(out_l.shape, np.int64)
            flat = np.where(inside, flat, -1).reshape(-1)
            maps.append(padded_map(out_l, ls, flat))  # padded entries: entry 0, i.e. input 0's
            start += d
        plan.node_data[node.out] = maps

    def execute(self, node, plan, xs):
        out = np.zeros(plan.layout(node.out).size, dtype=np.int64)
        for x, pm in zip(xs, plan.node_data[node.out]):
            out += apply_map(x, pm)
        return out.reshape(plan.layout(node.out).padded)

    def reduce(self, ctx, node, point, value):
        maps = ctx.plan.node_data[node.out]
        refs = [tensor_ref(ctx.plan, t) for t in node.inputs]

        def shares():
            return [mle(from_int(apply_map(ctx.values[ref.tid], pm)), point) for ref, pm in zip(refs, maps)]

        parts = ctx.send("concat", shares, len(refs))
        if E.total(parts) != value:
            ctx.fail("concat: input shares do not add up to the claim")
        for ref, pm, v in zip(refs, maps, parts):
            reduce_map(ctx, ref, pm, point, v)
