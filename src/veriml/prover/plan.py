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
from .refs import LIMB_BITS, ColumnRef, LimbedRef, limb_widths

LIMB_BITS_RANGE = range(2, 21)  # limb widths the plan may choose from
COLUMN_COST = 32  # per committed column, in committed values: its claims, openings and bookkeeping


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
    limb_bits: int = LIMB_BITS  # width of every range-checked limb (one per plan)
    limb_requests: list = field(default_factory=list)  # (log_size, bits) of every limbed value

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
        self.limb_requests.append((int(log_size), max(int(bits), 1)))
        cols = []
        for i, w in enumerate(limb_widths(bits, self.limb_bits)):
            ref = self.column(f"{name}.limb{i}", log_size, "limb")
            self.range_uses.setdefault(w, []).append(ref.col)
            cols.append(ref.col)
        return LimbedRef(tuple(cols), int(offset), max(int(bits), 1), self.limb_bits)

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


def range_check_cost(requests, w: int) -> int:
    """Committed values (and LogUp rows) the range checks of ``requests`` ((log_size, bits)
    pairs) cost with ``w``-bit limbs: every limb column, plus one multiplicity column per
    distinct limb width, plus ``COLUMN_COST`` per column."""
    cost, widths = 0, set()
    for log_size, bits in requests:
        ws = limb_widths(bits, w)
        widths.update(ws)
        cost += len(ws) * ((1 << log_size) + COLUMN_COST)
    return cost + sum((1 << v) + COLUMN_COST for v in widths)


def choose_limb_bits(requests) -> int:
    """The limb width with the least :func:`range_check_cost` (the widest on a tie): a tiny
    model range-checks 4-bit limbs against a 16-row table instead of 16-bit limbs against a
    65,536-row one; a large one keeps wide limbs."""
    if not requests:
        return LIMB_BITS
    return min(LIMB_BITS_RANGE, key=lambda w: (range_check_cost(requests, w), -w))


def build_plan(program, limb_bits: int | None = None) -> Plan:
    """The plan of ``program``; the limb width is :func:`choose_limb_bits` of the range checks
    the ops declare (found by a first pass at the default width) unless given."""
    from .ops import OPS

    def setup(w):
        layouts = [Layout(tuple(int(d) for d in t.shape)) for t in program.tensors]
        plan = Plan(program, layouts, limb_bits=w)
        for node in program.nodes:
            op = OPS.get(node.op)
            if op is None:
                raise ModelError(f"node {node.origin or node.out}: primitive {node.op!r} has no prover")
            op.setup(node, plan)
        plan.finish()
        return plan

    plan = setup(limb_bits or LIMB_BITS)
    if limb_bits is None:
        best = choose_limb_bits(plan.limb_requests)
        if best != plan.limb_bits:
            plan = setup(best)
    return plan


def pad_fill(tensor) -> int:
    """Padding value of a leaf tensor: 0 clamped into its proven interval, so every padded
    entry of every tensor stays inside that tensor's interval."""
    return int(min(max(0, tensor.lo), tensor.hi))


def as_int(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)
