"""rescale: y = floor((x + 2^(k-1)) / 2^k), rounding half up by k bits.

Committed: y as limbs of y - lo_y (so y is a small integer) and r as k-bit limbs.
Relation, linear at a random point rho: x(rho) = 2^k y(rho) + r(rho) - 2^(k-1).
Over the integers x + 2^(k-1) = 2^k y + r with 0 <= r < 2^k and y bounded is exactly the
rounding shift, because both sides are far below p.
"""

from __future__ import annotations

import numpy as np

from ...iop import ext as E
from ..plan import bits_for
from .base import Op, const_times, interval, limb_interval, lin, no_wrap, tensor_ref


class Rescale(Op):
    def _k(self, node):
        return int(node.attrs["k"])

    def setup(self, node, plan):
        k = self._k(node)
        if k == 0 or k > 62:
            return
        t = plan.program.tensors[node.out]
        n = plan.layout(node.out).num_vars
        y = plan.limbed(f"n{node.out}.rescale.y", n, bits_for(t.hi - t.lo), t.lo)
        r = plan.limbed(f"n{node.out}.rescale.r", n, k)
        no_wrap(node, "x + 2^(k-1) - 2^k y - r",
                lin((1, interval(plan.program.tensors[node.inputs[0]])), 1 << (k - 1),
                    (-(1 << k), limb_interval(y)), (-1, limb_interval(r))))
        plan.out_refs[node.out] = y
        plan.node_data[node.out] = (y, r)

    def is_committed(self, node):
        return 0 < self._k(node) <= 62

    def fill(self, node, plan, xs, out, filler):
        y, r = plan.node_data[node.out]
        k = self._k(node)
        filler.limbs(y, out, f"node {node.origin} (rescale)")
        filler.limbs(r, xs[0] + np.int64(1 << (k - 1)) - (out << np.int64(k)), f"node {node.origin} (rescale)")

    def relations(self, ctx, node):
        y, r = ctx.plan.node_data[node.out]
        k = self._k(node)
        rho = ctx.challenge_point("rescale/rho", ctx.plan.layout(node.out).num_vars)
        vy = ctx.eval(y, rho)
        vr = ctx.eval(r, rho)
        vx = E.sub(E.add(const_times(1 << k, vy), vr), E.ext(1 << (k - 1)))
        ctx.bind(tensor_ref(ctx.plan, node.inputs[0]), rho, vx)

    def reduce(self, ctx, node, point, value):
        if self._k(node) == 0:
            ctx.bind(tensor_ref(ctx.plan, node.inputs[0]), point, value)
        elif not E.is_zero(value):  # k > 62 always rounds to 0
            ctx.fail("rescale to zero: output claim is not zero")
