"""Elementwise linear arithmetic: add, sub, scale_const (claim maps) and mul (sumcheck).

With numpy broadcasting an operand of shape S broadcast to the output shape has the
multilinear extension of the operand on the sub-point of the dimensions it keeps
(:func:`veriml.prover.layout.broadcast_point`), so broadcasting costs nothing.
"""

from __future__ import annotations

from ...iop import ext as E
from .base import Op, operand


class Add(Op):
    """out = a + b: the prover states a(r); then b(r) = out(r) - a(r)."""

    sign = 1

    def reduce(self, ctx, node, point, value):
        a, b = operand(ctx.plan, node, 0), operand(ctx.plan, node, 1)
        va = ctx.eval(a, point)
        vb = E.sub(value, va) if self.sign == 1 else E.sub(va, value)
        ctx.bind(b, point, vb)


class Sub(Add):
    """out = a - b: b(r) = a(r) - out(r)."""

    sign = -1


class Mul(Op):
    """out = a * b: out(r) = sum_x eq(r, x) a(x) b(x), one degree-3 sumcheck."""

    def reduce(self, ctx, node, point, value):
        a, b = operand(ctx.plan, node, 0), operand(ctx.plan, node, 1)
        pt, (va, vb) = ctx.sumcheck(len(point), [(1, (0, 1))], 2, lambda: [ctx.table(a), ctx.table(b)],
                                    value, eq_point=point)
        ctx.bind(a, pt, va)
        ctx.bind(b, pt, vb)


class ScaleConst(Op):
    """out = c * x: x(r) = out(r) / c (and out must be 0 when c = 0 mod p)."""

    def reduce(self, ctx, node, point, value):
        c = int(node.attrs["c"]) % E.P
        if c == 0:
            if not E.is_zero(value):
                ctx.fail("scale_const by 0: output claim is not zero")
            return
        ctx.bind(operand(ctx.plan, node, 0), point, E.mul(value, E.inv((c, 0))))
