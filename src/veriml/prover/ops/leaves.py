"""Leaves: model inputs (public: the verifier evaluates their MLE itself) and constants
(weights: committed at compile time; their claims go to the weight opening). Both are
padded with 0 clamped into their interval (:func:`veriml.prover.plan.pad_fill`)."""

from __future__ import annotations

from ..plan import pad_fill
from .base import Op


class Input(Op):
    def execute(self, node, plan, xs):
        raise AssertionError("inputs are placed by the prover, not executed")


class Const(Op):
    def execute(self, node, plan, xs):
        t = plan.program.tensors[node.out]
        return plan.layout(node.out).pad(node.attrs["value"], pad_fill(t))
