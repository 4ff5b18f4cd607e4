"""Division and integer square root, proven with range checks and one zero-check each.

div (round = 0):  a = q b + r,        0 <= r,  s = b - 1 - r >= 0     (q = floor(a / b))
div (round = 1):  2a + b = 2 q b + r, 0 <= r,  s = 2b - 1 - r >= 0    (a / b rounded half up)
isqrt:            x = y^2 + d1, d1 >= 0, d2 = 2y - d1 >= 0           (y = floor(sqrt x))

Every relation is checked in F_p; it implies the integer relation only when no side can
wrap p. All values but q b are small (range checks, proven intervals); q b is small for
the *honest* q (|q b| <= |a| + b) but a cheating q from a wide range could make q b wrap:
with |q - q*| b >= p - b there are q, r with q b + r = q* b + r* mod p. So a division
whose quotient range times the divisor range may wrap is proven in *wide* form: q = sigma m
with sigma = 1 - 2 sq (sq a bit), m = m_lo + 2^h m_hi (range-checked parts), and the
product m b is assembled from two exact pieces m_lo b < 2^h B and 2^h S with S = m_hi b
(S range-checked to the honest bound (|a| + B) / 2^h, and m_hi b < p so S = m_hi b holds
over the integers). Then mult q b = mult sigma (m_lo b + 2^h S) with every term small.
"""

from __future__ import annotations

import numpy as np

from ...errors import ModelError
from ...iop import ext as E
from ..plan import bits_for
from .base import Op, const_times, interval, limb_interval, lin, no_wrap, operand, prod
from .compare import _name, _where, zerocheck

P = E.P


def _fits(iv) -> bool:
    return -P < iv[0] and iv[1] < P


class Div(Op):
    """Narrow form: q range-checked to [q.lo, q.lo + 2^bits) and

        (2)b = r + s + 1 at a random point;  zero-check of  mult a + (mult - 1) b - mult q b - r,

    used when that expression cannot wrap p for any q of the range. Wide form (see the
    module docstring) otherwise."""

    committed = True

    def setup(self, node, plan):
        t = plan.program.tensors[node.out]
        a, b = (plan.program.tensors[i] for i in node.inputs)
        n = plan.layout(node.out).num_vars
        mult = 2 if node.attrs.get("round", 0) else 1
        if b.lo < 1:
            raise ModelError(f"{_where(node)}: divisor interval [{b.lo}, {b.hi}] may be < 1")
        r = plan.limbed(_name(node, "r"), n, bits_for(mult * b.hi - 1))
        s = plan.limbed(_name(node, "s"), n, bits_for(mult * b.hi - 1))
        no_wrap(node, "r + s + 1 - mult b", lin((1, limb_interval(r)), (1, limb_interval(s)), 1,
                                                (-mult, interval(b))))
        qbits = bits_for(t.hi - t.lo)
        narrow = lin((mult, interval(a)), (mult - 1, interval(b)),
                     (-mult, prod((t.lo, t.lo + (1 << qbits) - 1), interval(b))), (-1, limb_interval(r)))
        if _fits(narrow):
            q = plan.limbed(_name(node, "q"), n, qbits, t.lo)
            plan.out_refs[node.out] = q
            plan.node_data[node.out] = ("narrow", q, r, s)
            return
        # wide form
        big_a = max(abs(a.lo), abs(a.hi))
        mbits = bits_for(max(abs(t.lo), abs(t.hi)))
        h = min(max(61 - bits_for(b.hi), 1), mbits - 1)
        if h < 1:
            raise ModelError(f"{_where(node)}: cannot split a {mbits}-bit quotient")
        q = plan.column(_name(node, "q"), n)
        sq = plan.limbed(_name(node, "sq"), n, 1)
        m_lo = plan.limbed(_name(node, "m_lo"), n, h)
        m_hi = plan.limbed(_name(node, "m_hi"), n, mbits - h)
        big_s = plan.limbed(_name(node, "S"), n, bits_for((big_a + b.hi) >> h))
        no_wrap(node, "S - m_hi b", lin((1, limb_interval(big_s)), (-1, prod(limb_interval(m_hi), interval(b)))))
        mb = lin((1, prod(limb_interval(m_lo), interval(b))), (1 << h, limb_interval(big_s)))
        no_wrap(node, "mult a + (mult - 1) b - r - mult sigma (m_lo b + 2^h S)",
                lin((mult, interval(a)), (mult - 1, interval(b)), (-1, limb_interval(r)),
                    (mult, (-max(abs(mb[0]), abs(mb[1])), max(abs(mb[0]), abs(mb[1]))))))
        plan.out_refs[node.out] = q
        plan.node_data[node.out] = ("wide", q, r, s, sq, m_lo, m_hi, big_s, h)

    def fill(self, node, plan, xs, out, filler):
        mode, q, r, s, *wide = plan.node_data[node.out]
        a, b = xs
        if node.attrs.get("round", 0):
            rem = 2 * a + b - 2 * out * b
            slack = 2 * b - 1 - rem
        else:
            rem = a - out * b
            slack = b - 1 - rem
        filler.limbs(r, rem, _where(node))
        filler.limbs(s, slack, _where(node))
        if mode == "narrow":
            filler.limbs(q, out, _where(node))
            return
        sq, m_lo, m_hi, big_s, h = wide
        m = np.abs(out)
        filler.plain(q, out)
        filler.limbs(sq, (out < 0).astype(np.int64), _where(node))
        filler.limbs(m_lo, m & np.int64((1 << h) - 1), _where(node))
        filler.limbs(m_hi, m >> np.int64(h), _where(node))
        filler.limbs(big_s, (m >> np.int64(h)) * b, _where(node))

    def relations(self, ctx, node):
        mode, q, r, s, *wide = ctx.plan.node_data[node.out]
        a, b = operand(ctx.plan, node, 0), operand(ctx.plan, node, 1)
        rnd = bool(node.attrs.get("round", 0))
        mult = 2 if rnd else 1
        rho = ctx.challenge_point("div/rho", ctx.plan.layout(node.out).num_vars)
        vr, vs = ctx.eval(r, rho), ctx.eval(s, rho)
        vb = E.add(E.add(vr, vs), E.ONE)  # (2)b = r + s + 1
        ctx.bind(b, rho, E.mul(vb, E.inv((2, 0))) if rnd else vb)
        neg = lambda c: E.ext(-c % P)  # noqa: E731
        if mode == "narrow":  # mult a + (mult - 1) b - mult q b - r = 0
            terms = [(mult, (0,)), (neg(mult), (2, 1)), (neg(1), (3,))]
            if rnd:
                terms.append((1, (1,)))
            zerocheck(ctx, node, [a, b, q, r], terms)
            return
        sq, m_lo, m_hi, big_s, h = wide
        mu = ctx.challenge("div/mu")
        mu2 = E.mul(mu, mu)
        two_h = 1 << h
        # refs: 0 a, 1 b, 2 r, 3 q, 4 sq, 5 m_lo, 6 m_hi, 7 S
        # q - m_lo - 2^h m_hi + 2 sq m_lo + 2^(h+1) sq m_hi = 0
        terms = [(1, (3,)), (neg(1), (5,)), (neg(two_h), (6,)), (2, (4, 5)), (E.ext(2 * two_h % P), (4, 6))]
        # mu (S - m_hi b) = 0
        terms += [(mu, (7,)), (E.neg(mu), (6, 1))]
        # mu^2 (mult a + (mult - 1) b - r - mult (m_lo b + 2^h S) + 2 mult sq (m_lo b + 2^h S)) = 0
        terms += [(E.scale(mu2, mult), (0,)), (E.neg(mu2), (2,)),
                  (E.scale(mu2, P - mult), (5, 1)), (E.scale(mu2, (P - mult) * two_h % P), (7,)),
                  (E.scale(mu2, 2 * mult), (4, 5, 1)), (E.scale(mu2, 2 * mult * two_h % P), (4, 7))]
        if rnd:
            terms.append((mu2, (1,)))
        zerocheck(ctx, node, [a, b, r, q, sq, m_lo, m_hi, big_s], terms)


class Isqrt(Op):
    committed = True

    def setup(self, node, plan):
        t = plan.program.tensors[node.out]
        x = plan.program.tensors[node.inputs[0]]
        n = plan.layout(node.out).num_vars
        if t.lo < 0:
            raise ModelError(f"{_where(node)}: isqrt output interval starts below 0")
        y = plan.limbed(_name(node, "y"), n, bits_for(t.hi - t.lo), t.lo)
        d1 = plan.limbed(_name(node, "d1"), n, bits_for(2 * max(t.hi, 0)))
        d2 = plan.limbed(_name(node, "d2"), n, bits_for(2 * max(t.hi, 0)))
        iy = limb_interval(y)
        no_wrap(node, "x - y^2 - d1", lin((1, interval(x)), (-1, prod(iy, iy)), (-1, limb_interval(d1))))
        no_wrap(node, "d2 - 2 y + d1", lin((1, limb_interval(d2)), (-2, iy), (1, limb_interval(d1))))
        plan.out_refs[node.out] = y
        plan.node_data[node.out] = (y, d1, d2)

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
