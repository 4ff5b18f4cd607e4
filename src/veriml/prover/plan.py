"""The proof plan: everything about a program that the prover and verifier both derive.

Built deterministically from the :class:`~veriml.ir.graph.Program` (so it is implied by the
verifying key): the padded layout of every tensor, the index maps of gathers and
convolutions, and the list of columns in the witness commitment with the range checks
and lookups that constrain them. Each op's :meth:`setup` (``prover/ops``) declares what it
needs here; the prover and verifier loops never name an op.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError
from .layout import Layout
from .refs import ColumnRef, LimbedRef, limb_widths


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    log_size: int
    kind: str  # "plain", "limb" or "mult"


@dataclass
class Plan:
    program: object
    layouts: list
    columns: list = field(default_factory=list)
    range_uses: dict = field(default_factory=dict)  # width -> [column index]
    lookup_uses: dict = field(default_factory=dict)  # table key -> [(x col, y col)]
    lookup_attrs: dict = field(default_factory=dict)  # table key -> attrs of one lookup node
    mult_cols: dict = field(default_factory=dict)  # ("range", w) / ("lookup", key) -> column
    node_data: dict = field(default_factory=dict)  # node.out -> op-specific structure
    out_refs: dict = field(default_factory=dict)  # tensor id -> ColumnRef/LimbedRef (committed outputs)
    weight_tids: list = field(default_factory=list)  # const tensors, in weight-commitment order

    # ------------------------------------------------------------ declarations

    def layout(self, tid: int) -> Layout:
        return self.layouts[tid]

    def column(self, name: str, log_size: int, kind: str = "plain") -> ColumnRef:
        self.columns.append(ColumnSpec(name, int(log_size), kind))
        return ColumnRef(len(self.columns) - 1)

    def limbed(self, name: str, log_size: int, bits: int, offset: int = 0) -> LimbedRef:
        """A value in [offset, offset + 2^bits), committed as range-checked limbs."""
        if bits > 63:
            raise ModelError(f"{name}: a {bits}-bit range check does not fit the field")
        cols = []
        for i, w in enumerate(limb_widths(bits)):
            ref = self.column(f"{name}.limb{i}", log_size, "limb")
            self.range_uses.setdefault(w, []).append(ref.col)
            cols.append(ref.col)
        return LimbedRef(tuple(cols), int(offset), max(int(bits), 1))

    def lookup(self, key, attrs, x: ColumnRef, y: ColumnRef) -> None:
        self.lookup_uses.setdefault(key, []).append((x.col, y.col))
        self.lookup_attrs.setdefault(key, attrs)

    def finish(self) -> None:
        """Declare the multiplicity columns, once every op has declared its uses."""
        for w in sorted(self.range_uses):
            self.mult_cols[("range", w)] = self.column(f"mult.range{w}", w, "mult").col
        for key in sorted(self.lookup_uses, key=repr):
            bits = self.lookup_attrs[key]["bits"]
            self.mult_cols[("lookup", key)] = self.column(f"mult.{key[0]}", bits, "mult").col


def bits_for(span: int) -> int:
    """Bits needed for values in [0, span]."""
    return max(int(span), 0).bit_length() or 1


def build_plan(program) -> Plan:
    from .ops import OPS

    layouts = [Layout(tuple(int(d) for d in t.shape)) for t in program.tensors]
    plan = Plan(program, layouts)
    for node in program.nodes:
        op = OPS.get(node.op)
        if op is None:
            raise ModelError(f"node {node.origin or node.out}: primitive {node.op!r} has no prover")
        op.setup(node, plan)
    plan.finish()
    return plan


def pad_fill(tensor) -> int:
    """Padding value of a leaf tensor: 0 clamped into its proven interval, so every padded
    entry of every tensor stays inside that tensor's interval."""
    return int(min(max(0, tensor.lo), tensor.hi))


def as_int(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)
