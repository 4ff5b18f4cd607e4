"""Plain data structures of the integer program.

A :class:`Program` is a topologically ordered list of :class:`Node` s.  Every node writes one
:class:`Tensor`; tensor ``i`` is written by node ``i`` (so ``program.nodes[t.id]`` is the
producer of ``t``).  A tensor carries its shape, its power-of-two scale ``s`` (the real value
it stands for is ``int / 2**s``) and a *proven* interval ``lo <= x <= hi`` obtained by sound
interval analysis from the declared input ranges and the actual integer constants.  Every
interval lies strictly inside ``(-2**LIMIT_BITS, 2**LIMIT_BITS)``, so no value ever wraps the
Goldilocks field (p = 2^64 - 2^32 + 1 > 2^63) nor numpy's int64.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: every intermediate integer satisfies |x| < 2**LIMIT_BITS
LIMIT_BITS = 62


@dataclass
class Tensor:
    """One integer tensor of the program.

    ``kind`` is the ONNX-level meaning used by the front-end ("float", "int" or "bool");
    the prover may ignore it.
    """

    id: int
    shape: tuple
    scale: int
    lo: int
    hi: int
    kind: str = "float"
    name: str = ""

    @property
    def bound(self) -> int:
        """Largest possible magnitude |x|."""
        return max(abs(self.lo), abs(self.hi))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Node:
    """One primitive application: ``out = op(*inputs; attrs)``.

    ``attrs`` holds Python ints, tuples and int64 numpy arrays only (e.g. a ``const`` value,
    a ``gather`` index map).  ``origin`` names the ONNX node it was lowered from.
    """

    op: str
    inputs: tuple
    attrs: dict
    out: int
    origin: str = ""


@dataclass
class Program:
    """The whole integer model."""

    tensors: list = field(default_factory=list)
    nodes: list = field(default_factory=list)
    inputs: list = field(default_factory=list)  # tensor ids of the model inputs
    outputs: list = field(default_factory=list)  # tensor ids of the model outputs
    input_names: list = field(default_factory=list)
    output_names: list = field(default_factory=list)

    def op_counts(self) -> dict:
        counts: dict = {}
        for n in self.nodes:
            counts[n.op] = counts.get(n.op, 0) + 1
        return counts

    def max_bound_bits(self) -> float:
        return max((float(np.log2(max(t.bound, 1))) for t in self.tensors), default=0.0)
