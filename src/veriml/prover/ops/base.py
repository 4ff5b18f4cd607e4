"""The op protocol every primitive's prover implements, and helpers they share.

An op is one object in :data:`veriml.prover.ops.OPS` with up to five methods:

``setup(node, plan)``
    plan time (prover and verifier alike): declare committed columns, range checks and
    lookups; store index maps in ``plan.node_data``.
``execute(node, plan, xs) -> out``
    prover: the output on the whole padded cube from the padded inputs (int64 arrays of
    padded shape).
``fill(node, plan, xs, out, filler)``
    prover, committed ops: the values of the declared columns.
``relations(ctx, node)``
    committed ops: prove/verify the relation between the committed columns and the
    inputs; leaves claims on the inputs.
``reduce(ctx, node, point, value)``
    virtual ops: turn one claim on the output into claims on the inputs.
"""

from __future__ import annotations

import numpy as np

from ...errors import ProofError
from ...field import from_int
from ...ir.execute import PRIMITIVES
from ..refs import LIMB_BITS, ColumnRef, LimbedRef, TensorRef


class Op:
    committed = False  # True: output committed in the witness, relation proven by relations()

    def is_committed(self, node) -> bool:
        return self.committed

    def setup(self, node, plan) -> None:
        pass

    def execute(self, node, plan, xs):
        return elementwise(node, plan, xs)

    def fill(self, node, plan, xs, out, filler) -> None:
        pass

    def relations(self, ctx, node) -> None:
        pass

    def reduce(self, ctx, node, point, value) -> None:
        raise NotImplementedError(f"{node.op} has no claim reduction")


def elementwise(node, plan, xs):
    """Apply the reference primitive to padded arrays (size-1 dims broadcast as usual)."""
    out = PRIMITIVES[node.op](xs, node.attrs)
    return np.ascontiguousarray(np.broadcast_to(np.asarray(out, dtype=np.int64), plan.layout(node.out).padded))


def operand(plan, node, i) -> TensorRef:
    """Input i of ``node`` as seen from the node's output cube (broadcast if needed)."""
    tid = node.inputs[i]
    shape = tuple(plan.program.tensors[tid].shape)
    out_shape = tuple(plan.program.tensors[node.out].shape)
    return TensorRef(tid, shape, None if shape == out_shape else out_shape)


def tensor_ref(plan, tid) -> TensorRef:
    """A tensor seen on its own cube (no broadcasting)."""
    return TensorRef(tid, tuple(plan.program.tensors[tid].shape))


def output(plan, node) -> TensorRef:
    return TensorRef(node.out, tuple(plan.program.tensors[node.out].shape))


class Filler:
    """Prover: collects the values of committed columns."""

    def __init__(self, plan):
        self.plan = plan
        self.columns = {}
        self.limbed = {}

    def plain(self, ref: ColumnRef, values) -> None:
        v = np.asarray(values).reshape(-1)
        self.columns[ref.col] = from_int(v) if v.dtype != np.uint64 else v

    def limbs(self, ref: LimbedRef, values, where: str) -> None:
        v = np.asarray(values, dtype=np.int64).reshape(-1)
        shifted = v - np.int64(ref.offset)
        if v.size and (shifted.min() < 0 or int(shifted.max()) >= 1 << ref.bits):
            bad = int(v[(shifted < 0) | (shifted >= (1 << ref.bits) if ref.bits < 63 else shifted < 0)][0])
            raise ProofError(f"{where}: value {bad} outside its proven range "
                             f"[{ref.offset}, {ref.offset + (1 << ref.bits) - 1}]")
        self.limbed[ref] = v
        u = shifted.astype(np.uint64)
        for i, c in enumerate(ref.cols):
            w = ref.widths[i]
            self.columns[c] = (u >> np.uint64(LIMB_BITS * i)) & np.uint64((1 << w) - 1)


def const_times(c: int, v):
    """c * v in F_p2 for a (possibly negative) integer c."""
    from ...iop import ext as E
    return E.scale(v, c % E.P)
