"""Builds a Program node by node, proving bounds and running each node on the samples.

Running every node as soon as it is emitted ("eager lowering") gives the quantizer the actual
values on the sample input(s), from which it picks activation scales; the same primitive
functions are later used by the reference interpreter, so both agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from veriml.errors import BoundError
from veriml.ir.bounds import BOUNDS
from veriml.ir.execute import run_node
from veriml.ir.graph import LIMIT_BITS, Node, Program, Tensor
from veriml.ir.tables import get_table


class Builder:
    """Accumulates a Program and the values of every tensor on the calibration samples."""

    def __init__(self):
        self.program = Program()
        self.values: list = []  # per tensor: list of arrays, one per sample
        self.origin = ""  # ONNX node being lowered (for errors and Node.origin)

    # -- access -------------------------------------------------------------------------
    def const_of(self, tid):
        node = self.program.nodes[tid]
        return node.attrs["value"] if node.op == "const" else None

    def observed_maxabs(self, t: Tensor) -> float:
        """max |real value| over the samples."""
        m = max((float(np.max(np.abs(v))) if v.size else 0.0) for v in self.values[t.id])
        return m / 2.0**t.scale

    # -- emission -----------------------------------------------------------------------
    def _new(self, op, inputs, attrs, shape, scale, lo, hi, kind, vals, name=""):
        tid = len(self.program.tensors)
        if max(abs(lo), abs(hi)) >= 2**LIMIT_BITS:
            raise BoundError(
                f"{self.origin}: intermediate '{op}' may reach 2^{np.log2(float(max(abs(lo), abs(hi)))):.1f}"
                f" >= 2^{LIMIT_BITS} (field overflow); reduce the declared input range or model size")
        t = Tensor(tid, tuple(int(d) for d in shape), int(scale), int(lo), int(hi), kind, name)
        self.program.tensors.append(t)
        self.program.nodes.append(Node(op, tuple(i.id for i in inputs), attrs, tid, self.origin))
        self.values.append(vals)
        return t

    def input(self, samples, scale, lo, hi, name, kind="float"):
        """A model input; ``samples`` are its integer values on the calibration samples."""
        t = self._new("input", (), {}, samples[0].shape, scale, lo, hi, kind, list(samples), name)
        self.program.inputs.append(t.id)
        self.program.input_names.append(name)
        return t

    def const(self, value, scale, kind="float"):
        """An integer constant tensor (weights); ``value`` is already an int array."""
        v = np.ascontiguousarray(np.asarray(value, dtype=np.int64))
        lo, hi = (int(v.min()), int(v.max())) if v.size else (0, 0)
        n = len(self.values[0]) if self.values else 1
        return self._new("const", (), {"value": v}, v.shape, scale, lo, hi, kind, [v] * n)

    def emit(self, op, inputs, attrs=None, scale=None, kind="float"):
        """Append ``op(*inputs; attrs)``; the output scale defaults to the first input's."""
        attrs = dict(attrs or {})
        self._check_domain(op, inputs, attrs)
        lo, hi = BOUNDS[op](inputs, attrs, self.const_of)
        node = Node(op, tuple(i.id for i in inputs), attrs, -1)
        nsamp = len(self.values[inputs[0].id]) if inputs else 1
        vals = [run_node(node, [self.values[i.id][k] for i in inputs]) for k in range(nsamp)]
        if scale is None:
            scale = inputs[0].scale
        return self._new(op, inputs, attrs, vals[0].shape, scale, lo, hi, kind, vals)

    def _check_domain(self, op, inputs, attrs):
        """Compile-time proof that range-restricted primitives get valid inputs."""
        if op == "lookup":
            size = get_table(attrs).size
            x = inputs[0]
            if x.lo < attrs["lo"] or x.hi >= attrs["lo"] + size:
                raise BoundError(f"{self.origin}: lookup input [{x.lo}, {x.hi}] not inside table domain")
        elif op == "div" and inputs[1].lo < 1:
            raise BoundError(f"{self.origin}: divisor may be < 1")
        elif op == "isqrt" and inputs[0].lo < 0:
            raise BoundError(f"{self.origin}: isqrt input may be negative")
        elif op == "rescale" and attrs["k"] < 0:
            raise BoundError(f"{self.origin}: negative rescale")

    def output(self, t: Tensor, name: str):
        self.program.outputs.append(t.id)
        self.program.output_names.append(name)
