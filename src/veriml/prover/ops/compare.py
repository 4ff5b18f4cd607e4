"""Order-based primitives proven with range checks and zero-checks: max, min, clamp, cmp,
sign. Each commits its output (and witnesses), range-checks the non-negative witnesses as
limbs, checks its linear relations at one random point and its products with one
zero-check sumcheck sum_x eq(tau, x) R(x) = c over the whole padded cube."""

from __future__ import annotations

from ...errors import ModelError
from ...iop import ext as E
from ..plan import bits_for
from .base import Op, interval, limb_interval, lin, no_wrap, operand, where


def zerocheck(ctx, node, refs, terms, claim=E.ZERO):
    """Prove sum_x eq(tau, x) sum_t c_t prod_{j in S_t} refs[j](x) = claim over the node's
    output cube, then bind every ref at the sumcheck's point."""
    n = ctx.plan.layout(node.out).num_vars
    tau = ctx.challenge_point("zerocheck/tau", n)
    pt, finals = ctx.sumcheck(n, terms, len(refs), lambda: [ctx.table(r) for r in refs], claim, eq_point=tau)
    for r, v in zip(refs, finals):
        ctx.bind(r, pt, v)


def _name(node, what):
    return f"n{node.out}.{node.op}.{what}"


_where = where


class Max(Op):
    """m = max(p, q): d1 = m - p >= 0, d2 = m - q >= 0 (range-checked) and d1 d2 = 0.
    min: d1 = p - m, d2 = q - m.

    d1 d2 = 0 in the field gives d1 = 0 or d2 = 0; if d1 = 0 then m = p and d2 = p - q
    mod p with d2 in [0, 2^b2), so p - q = d2 >= 0 over the integers (plan-time no-wrap
    check) and m = p = max(p, q); symmetrically for d2 = 0. m itself needs no range check."""

    committed = True
    sign = 1

    def setup(self, node, plan):
        a, b = (plan.program.tensors[i] for i in node.inputs)
        n = plan.layout(node.out).num_vars
        m = plan.column(_name(node, "m"), n)
        if self.sign == 1:
            s1, s2 = max(b.hi - a.lo, 0), max(a.hi - b.lo, 0)
        else:
            s1, s2 = max(a.hi - b.lo, 0), max(b.hi - a.lo, 0)
        d1 = plan.limbed(_name(node, "d1"), n, bits_for(s1))
        d2 = plan.limbed(_name(node, "d2"), n, bits_for(s2))
        ia, ib = interval(a), interval(b)
        no_wrap(node, "+-(p - q) - d2", lin((self.sign, ia), (-self.sign, ib), (-1, limb_interval(d2))))
        no_wrap(node, "+-(q - p) - d1", lin((self.sign, ib), (-self.sign, ia), (-1, limb_interval(d1))))
        plan.out_refs[node.out] = m
        plan.node_data[node.out] = (m, d1, d2)

    def fill(self, node, plan, xs, out, filler):
        m, d1, d2 = plan.node_data[node.out]
        a, b = xs
        filler.plain(m, out)
        filler.limbs(d1, self.sign * (out - a), _where(node))
        filler.limbs(d2, self.sign * (out - b), _where(node))

    def relations(self, ctx, node):
        m, d1, d2 = ctx.plan.node_data[node.out]
        rho = ctx.challenge_point("max/rho", ctx.plan.layout(node.out).num_vars)
        vm, v1, v2 = ctx.eval(m, rho), ctx.eval(d1, rho), ctx.eval(d2, rho)
        f = E.sub if self.sign == 1 else E.add
        ctx.bind(operand(ctx.plan, node, 0), rho, f(vm, v1))
        ctx.bind(operand(ctx.plan, node, 1), rho, f(vm, v2))
        zerocheck(ctx, node, [d1, d2], [(1, (0, 1))])


class Min(Max):
    sign = -1


class Clamp(Op):
    """y = min(max(x, lo), hi): y - lo >= 0 and u = hi - y >= 0 (both range-checked, so
    y in [lo, hi]), a, b >= 0 (range-checked), x = y - a + b, a (y - lo) = 0 and
    b (hi - y) = 0. If x < lo then a > 0 forces y = lo; if x > hi then b > 0 forces y = hi;
    if a = b = 0 then y = x, which is in [lo, hi] (without u, y could be any value of its
    limb range [lo, lo + 2^bits) above hi, e.g. an unclamped x). When hi - lo + 1 = 2^bits
    (the saturating clamps the front-end inserts) the limb range is exactly [lo, hi] and u is
    left out."""

    committed = True

    def setup(self, node, plan):
        x = plan.program.tensors[node.inputs[0]]
        lo, hi = int(node.attrs["lo"]), int(node.attrs["hi"])
        if lo > hi:
            raise ModelError(f"{_where(node)}: empty clamp interval [{lo}, {hi}]")
        n = plan.layout(node.out).num_vars
        y = plan.limbed(_name(node, "y"), n, bits_for(hi - lo), lo)
        u = None if pow2_width(lo, hi) else plan.limbed(_name(node, "u"), n, bits_for(hi - lo))
        a = plan.limbed(_name(node, "a"), n, bits_for(max(lo - x.lo, 0)))
        b = plan.limbed(_name(node, "b"), n, bits_for(max(x.hi - hi, 0)))
        no_wrap(node, "x - y + a - b", lin((1, interval(x)), (-1, (lo, hi)), (1, limb_interval(a)),
                                           (-1, limb_interval(b))))
        if u is not None:
            no_wrap(node, "u + y - hi", lin((1, limb_interval(u)), (1, limb_interval(y)), -hi))
        plan.out_refs[node.out] = y
        plan.node_data[node.out] = (y, a, b, u)

    def fill(self, node, plan, xs, out, filler):
        y, a, b, u = plan.node_data[node.out]
        x = xs[0]
        lo, hi = int(node.attrs["lo"]), int(node.attrs["hi"])
        filler.limbs(y, out, _where(node))
        if u is not None:
            filler.limbs(u, hi - out, _where(node))
        filler.limbs(a, (lo - x).clip(min=0), _where(node))
        filler.limbs(b, (x - hi).clip(min=0), _where(node))

    def relations(self, ctx, node):
        y, a, b, u = ctx.plan.node_data[node.out]
        lo, hi = int(node.attrs["lo"]), int(node.attrs["hi"])
        rho = ctx.challenge_point("clamp/rho", ctx.plan.layout(node.out).num_vars)
        vy, va, vb = ctx.eval(y, rho), ctx.eval(a, rho), ctx.eval(b, rho)
        if u is not None and E.add(ctx.eval(u, rho), vy) != E.ext(hi % E.P):
            ctx.fail("clamp: y + u != hi")
        ctx.bind(operand(ctx.plan, node, 0), rho, E.add(E.sub(vy, va), vb))
        mu = ctx.challenge("clamp/mu")
        # a y - lo a + mu hi b - mu b y = 0
        zerocheck(ctx, node, [a, y, b], [(1, (0, 1)), (E.ext(-lo % E.P), (0,)),
                                          (E.scale(mu, hi % E.P), (2,)), (E.neg(mu), (2, 1))])


def pow2_width(lo: int, hi: int) -> bool:
    """hi - lo + 1 is a power of two: a (bits_for(hi - lo))-bit range check of y - lo is
    exactly lo <= y <= hi."""
    w = hi - lo + 1
    return w > 0 and w & (w - 1) == 0


class Cmp(Op):
    """c = [u < v + delta] in {0, 1} (lt: u=a, v=b, delta=0; le: delta=1; gt/ge swap a, b):
    e = c (v + delta - 1 - u) + (1 - c)(u - v - delta) >= 0 (range-checked) decides c: the
    wrong c would make e = (a negative integer) mod p, outside [0, 2^bits) since the
    plan-time no-wrap check keeps |that integer| + 2^bits < p.
    eq/ne: w with (a - b) w = 1 - c (resp. c) and c (a - b) = 0 (resp. (1 - c)(a - b) = 0);
    a - b = 0 mod p iff a = b (no wrap). w is free where a = b."""

    committed = True

    def _uvd(self, node):
        op = node.attrs["op"]
        return {"lt": (0, 1, 0), "le": (0, 1, 1), "gt": (1, 0, 0), "ge": (1, 0, 1)}.get(op)

    def setup(self, node, plan):
        n = plan.layout(node.out).num_vars
        c = plan.limbed(_name(node, "c"), n, 1)
        plan.out_refs[node.out] = c
        uvd = self._uvd(node)
        if uvd is None:
            ta, tb = (plan.program.tensors[i] for i in node.inputs)
            no_wrap(node, "a - b", lin((1, interval(ta)), (-1, interval(tb))))
            w = plan.column(_name(node, "w"), n)
            plan.node_data[node.out] = (c, w)
            return
        ts = [plan.program.tensors[i] for i in node.inputs]
        u, v, d = ts[uvd[0]], ts[uvd[1]], uvd[2]
        span = max(v.hi + d - 1 - u.lo, u.hi - v.lo - d, 0)
        e = plan.limbed(_name(node, "e"), n, bits_for(span))
        ie = limb_interval(e)
        no_wrap(node, "(v + d - 1 - u) - e", lin((1, interval(v)), (-1, interval(u)), d - 1, (-1, ie)))
        no_wrap(node, "(u - v - d) - e", lin((1, interval(u)), (-1, interval(v)), -d, (-1, ie)))
        plan.node_data[node.out] = (c, e)

    def fill(self, node, plan, xs, out, filler):
        c, other = plan.node_data[node.out]
        filler.limbs(c, out, _where(node))
        uvd = self._uvd(node)
        if uvd is None:
            from ...field import fast, from_int
            diff = from_int(xs[0] - xs[1]).reshape(-1)
            import numpy as np
            filler.plain(other, fast.inv(np.broadcast_to(diff, (plan.layout(node.out).size,)).copy()))
            return
        u, v, d = xs[uvd[0]], xs[uvd[1]], uvd[2]
        filler.limbs(other, out * (v + d - 1 - u) + (1 - out) * (u - v - d), _where(node))

    def relations(self, ctx, node):
        c, other = ctx.plan.node_data[node.out]
        a, b = operand(ctx.plan, node, 0), operand(ctx.plan, node, 1)
        uvd = self._uvd(node)
        if uvd is None:
            mu = ctx.challenge("cmp/mu")
            if node.attrs["op"] == "eq":  # a w - b w + c = 1, mu (c a - c b) = 0
                terms = [(1, (0, 2)), (E.neg(E.ONE), (1, 2)), (1, (3,)), (mu, (3, 0)), (E.neg(mu), (3, 1))]
                zerocheck(ctx, node, [a, b, other, c], terms, claim=E.ONE)
            else:  # a w - b w - c = 0, mu (a - b - c a + c b) = 0
                terms = [(1, (0, 2)), (E.neg(E.ONE), (1, 2)), (E.neg(E.ONE), (3,)), (mu, (0,)),
                         (E.neg(mu), (1,)), (E.neg(mu), (3, 0)), (mu, (3, 1))]
                zerocheck(ctx, node, [a, b, other, c], terms)
            return
        refs = [a, b]
        u, v, d = refs[uvd[0]], refs[uvd[1]], uvd[2]
        # e - 2 c v + 2 c u - (2 d - 1) c - u + v = -d
        terms = [(1, (0,)), (E.ext(-2 % E.P), (1, 2)), (2, (1, 3)), (E.ext((1 - 2 * d) % E.P), (1,)),
                 (E.ext(E.P - 1), (3,)), (1, (2,))]
        zerocheck(ctx, node, [other, c, v, u], terms, claim=E.ext(-d % E.P))


class Sign(Op):
    """s = sign(x) = p - q with bits p, q (range-checked, p q = 0), a = |x| >= 0 and
    e = a - s^2 >= 0 (range-checked), x = s a. If s = 0 then x = 0; if s = +-1 then
    a = +-x >= 1 (x - s a cannot wrap p: plan-time check)."""

    committed = True

    def setup(self, node, plan):
        x = plan.program.tensors[node.inputs[0]]
        n = plan.layout(node.out).num_vars
        s = plan.column(_name(node, "s"), n)
        p = plan.limbed(_name(node, "p"), n, 1)
        q = plan.limbed(_name(node, "q"), n, 1)
        bits = bits_for(max(abs(x.lo), abs(x.hi)))
        a = plan.limbed(_name(node, "a"), n, bits)
        e = plan.limbed(_name(node, "e"), n, bits)
        no_wrap(node, "x - s a", lin((1, interval(x)), (1, (-(1 << bits), 1 << bits))))
        plan.out_refs[node.out] = s
        plan.node_data[node.out] = (s, p, q, a, e)

    def fill(self, node, plan, xs, out, filler):
        s, p, q, a, e = plan.node_data[node.out]
        x = xs[0]
        filler.plain(s, out)
        filler.limbs(p, (out > 0).astype("int64"), _where(node))
        filler.limbs(q, (out < 0).astype("int64"), _where(node))
        filler.limbs(a, abs(x), _where(node))
        filler.limbs(e, abs(x) - out * out, _where(node))

    def relations(self, ctx, node):
        s, p, q, a, e = ctx.plan.node_data[node.out]
        rho = ctx.challenge_point("sign/rho", ctx.plan.layout(node.out).num_vars)
        if ctx.eval(s, rho) != E.sub(ctx.eval(p, rho), ctx.eval(q, rho)):
            ctx.fail("sign: s != p - q")
        mu = ctx.challenge("sign/mu")
        mu2 = E.mul(mu, mu)
        x = operand(ctx.plan, node, 0)
        # p q + mu (x - s a) + mu^2 (e - a + s s) = 0
        terms = [(1, (0, 1)), (mu, (2,)), (E.neg(mu), (3, 4)), (mu2, (5,)), (E.neg(mu2), (4,)), (mu2, (3, 3))]
        zerocheck(ctx, node, [p, q, x, s, a, e], terms)
