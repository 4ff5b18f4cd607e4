"""A compiled model without the ONNX file: the integer program and how to quantize its float
inputs (what proving needs; importing this does not import ``onnx``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from veriml.errors import InputError
from veriml.ir.execute import dequantize, execute
from veriml.ir.graph import Program
from veriml.quant.policy import quantize


@dataclass
class InputSpec:
    name: str
    shape: tuple
    scale: int
    kind: str
    lo: int
    hi: int


@dataclass
class CompiledModel:
    """The lowered integer model plus what is needed to run it on float inputs."""

    path: str
    program: Program
    inputs: list
    rows: list = field(default_factory=list)  # inspect rows, one per ONNX node
    names: dict = field(default_factory=dict)  # ONNX value name -> tensor id (lowered values)

    def quantize_inputs(self, arrays):
        out = []
        for spec, a in zip(self.inputs, arrays):
            a = np.asarray(a)
            if a.size != int(np.prod(spec.shape)):
                raise InputError(f"{self.path}: input {spec.name!r} has {a.size} values, "
                                 f"model expects shape {list(spec.shape)}")
            q = quantize(a.astype(np.float64).reshape(spec.shape), spec.scale)
            if q.size and (q.min() < spec.lo or q.max() > spec.hi):
                raise InputError(f"{self.path}: input {spec.name!r} is outside its declared range "
                                 f"[{spec.lo / 2.0**spec.scale}, {spec.hi / 2.0**spec.scale}]")
            out.append(q)
        return out

    def run(self, arrays):
        """Float inputs -> (witness: every integer tensor, dequantized float outputs)."""
        from veriml.onnx.inputs import match_inputs

        arrays = match_inputs(arrays, [s.name for s in self.inputs])
        if len(arrays) != len(self.inputs):
            raise InputError(f"{self.path}: model has {len(self.inputs)} inputs, got {len(arrays)}")
        values = execute(self.program, self.quantize_inputs(arrays))
        return values, dequantize(self.program, values)
