"""Division and integer square root, proven with range checks and one zero-check each.

div (round = 0):  a = q b + r,        0 <= r,  s = b - 1 - r >= 0     (q = floor(a / b))
div (round = 1):  2a + b = 2 q b + r, 0 <= r,  s = 2b - 1 - r >= 0    (a / b rounded half up)
isqrt:            x = y^2 + d1, d1 >= 0, d2 = 2y - d1 >= 0           (y = floor(sqrt x))
q and y are range-checked to their proven intervals, so each relation, true in the field,
is true over the integers.
"""

from __future__ import annotations

from ...iop import ext as E
from ..plan import bits_for
from .base import Op, const_times, operand
from .compare import _name, _where, zerocheck


class Div(Op):
    committed = True

    def setup(self, node, plan):
        t = plan.program.tensors[node.out]
        b = plan.program.tensors[node.inputs[1]]
        n = plan.layout(node.out).num_vars
        mult = 2 if node.attrs.get("round", 0) else 1
        q = plan.limbed(_name(node, "q"), n, bits_for(t.hi - t.lo), t.lo)
        r = plan.limbed(_name(node, "r"), n, bits_for(mult * b.hi - 1))
        s = plan.limbed(_name(node, "s"), n, bits_for(mult * b.hi - 1))
        plan.out_refs[node.out] = q
        plan.node_data[node.out] = (q, r, s)

    def fill(self, node, plan, xs, out, filler):
        q, r, s = plan.node_data[node.out]
        a, b = xs
        if node.attrs.get("round", 0):
            rem = 2 * a + b - 2 * out * b
            slack = 2 * b - 1 - rem
        else:
            rem = a - out * b
            slack = b - 1 - rem
        filler.limbs(q, out, _where(node))
        filler.limbs(r, rem, _where(node))
        filler.limbs(s, slack, _where(node))

    def relations(self, ctx, node):
        q, r, s = ctx.plan.node_data[node.out]
        a, b = operand(ctx.plan, node, 0), operand(ctx.plan, node, 1)
        rnd = bool(node.attrs.get("round", 0))
        rho = ctx.challenge_point("div/rho", ctx.plan.layout(node.out).num_vars)
        vr, vs = ctx.eval(r, rho), ctx.eval(s, rho)
        vb = E.add(E.add(vr, vs), E.ONE)  # (2)b = r + s + 1
        ctx.bind(b, rho, E.mul(vb, E.inv((2, 0))) if rnd else vb)
        if rnd:  # 2a + b - 2 q b - r = 0
            terms = [(2, (0,)), (1, (1,)), (E.ext(E.P - 2), (2, 1)), (E.ext(E.P - 1), (3,))]
        else:  # a - q b - r = 0
            terms = [(1, (0,)), (E.ext(E.P - 1), (2, 1)), (E.ext(E.P - 1), (3,))]
        zerocheck(ctx, node, [a, b, q, r], terms)


class Isqrt(Op):
    committed = True

    def setup(self, node, plan):
        t = plan.program.tensors[node.out]
        x = plan.program.tensors[node.inputs[0]]
        n = plan.layout(node.out).num_vars
        y = plan.limbed(_name(node, "y"), n, bits_for(t.hi - t.lo), t.lo)
        d1 = plan.limbed(_name(node, "d1"), n, bits_for(2 * max(t.hi, 0)))
        d2 = plan.limbed(_name(node, "d2"), n, bits_for(2 * max(t.hi, 0)))
        plan.out_refs[node.out] = y
        plan.node_data[node.out] = (y, d1, d2)
        del x

    def fill(self, node, plan, xs, out, filler):
        y, d1, d2 = plan.node_data[node.out]
        d = xs[0] - out * out
        filler.limbs(y, out, _where(node))
        filler.limbs(d1, d, _where(node))
        filler.limbs(d2, 2 * out - d, _where(node))

    def relations(self, ctx, node):
        y, d1, d2 = ctx.plan.node_data[node.out]
        rho = ctx.challenge_point("isqrt/rho", ctx.plan.layout(node.out).num_vars)
        vy, v1, v2 = ctx.eval(y, rho), ctx.eval(d1, rho), ctx.eval(d2, rho)
        if v2 != E.sub(const_times(2, vy), v1):
            ctx.fail("isqrt: d2 != 2y - d1")
        x = operand(ctx.plan, node, 0)
        zerocheck(ctx, node, [x, y, d1], [(1, (0,)), (E.ext(E.P - 1), (1, 1)), (E.ext(E.P - 1), (2,))])
