"""lookup: y = T[x - lo] for a public table T on [lo, lo + 2^bits).

Committed: x (a copy of the input) and y. Every (x, y) row of every lookup into the same
table is stacked into one LogUp-GKR argument against the table {(lo + i, T[i])}
(:mod:`veriml.prover.lookups`). The copy is tied to the input by one evaluation at a
random point.
"""

from __future__ import annotations

from .base import Op, operand
from .compare import _name


def table_key(attrs) -> tuple:
    params = attrs.get("params", ())
    params = tuple(params) if isinstance(params, (list, tuple)) else (params,)
    return (str(attrs["fn"]), params, int(attrs["s_in"]), int(attrs["s_out"]), int(attrs["lo"]), int(attrs["bits"]))


class Lookup(Op):
    committed = True

    def setup(self, node, plan):
        n = plan.layout(node.out).num_vars
        x = plan.column(_name(node, "x"), n)
        y = plan.column(_name(node, "y"), n)
        plan.lookup(table_key(node.attrs), node.attrs, x, y)
        plan.out_refs[node.out] = y
        plan.node_data[node.out] = (x, y)

    def fill(self, node, plan, xs, out, filler):
        x, y = plan.node_data[node.out]
        filler.plain(x, xs[0])
        filler.plain(y, out)

    def relations(self, ctx, node):
        x, _ = ctx.plan.node_data[node.out]
        rho = ctx.challenge_point("lookup/rho", ctx.plan.layout(node.out).num_vars)
        ctx.bind(operand(ctx.plan, node, 0), rho, ctx.eval(x, rho))
