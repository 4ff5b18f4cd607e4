"""The integer ISA: a small set of integer primitives the prover sees (see docs/FRONTEND.md)."""

from veriml.ir.graph import LIMIT_BITS, Node, Program, Tensor
from veriml.ir.execute import PRIMITIVES, execute, run_node

__all__ = ["LIMIT_BITS", "Node", "Program", "Tensor", "PRIMITIVES", "execute", "run_node"]
