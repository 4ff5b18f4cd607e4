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

from ...errors import ModelError, ProofError
from ...field import from_int
from ...iop.ext import P
from ...ir.execute import PRIMITIVES
from ..refs import ColumnRef, LimbedRef, TensorRef


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
            self.columns[c] = (u >> np.uint64(ref.limb_bits * i)) & np.uint64((1 << w) - 1)


# ------------------------------------------------------------ integer soundness at plan time
#
# A committed op checks equations over F_p. Each equation D = 0 is between integers whose
# ranges are known at plan time (tensor intervals, range-checked limbs); when every possible
# value of D lies in (-p, p), D = 0 mod p implies D = 0 over the integers. ``no_wrap``
# checks that at plan time (a model that fails it is rejected, never proven unsoundly).


def interval(t) -> tuple:
    """The proven interval of a program tensor."""
    return int(t.lo), int(t.hi)


def limb_interval(ref: LimbedRef) -> tuple:
    """The values a range-checked limbed reference can take: [offset, offset + 2^bits)."""
    return ref.offset, ref.offset + (1 << ref.bits) - 1


def lin(*terms) -> tuple:
    """Interval of sum_i c_i x_i for terms (c_i, (lo_i, hi_i)) (or a plain int constant)."""
    lo = hi = 0
    for term in terms:
        if isinstance(term, int):
            lo, hi = lo + term, hi + term
            continue
        c, (a, b) = term
        lo, hi = lo + min(c * a, c * b), hi + max(c * a, c * b)
    return lo, hi


def prod(x: tuple, y: tuple) -> tuple:
    """Interval of x * y."""
    vals = [a * b for a in x for b in y]
    return min(vals), max(vals)


def where(node) -> str:
    return f"node {node.origin or node.out} ({node.op})"


def no_wrap(node, what: str, iv: tuple) -> None:
    """Plan time: the integer expression ``what`` (in ``iv``) is zero iff it is zero mod p."""
    if not (-P < iv[0] and iv[1] < P):
        raise ModelError(f"{where(node)}: relation {what} may wrap the field "
                         f"(range [{iv[0]}, {iv[1]}]); reduce the model's value ranges")


def const_times(c: int, v):
    """c * v in F_p2 for a (possibly negative) integer c."""
    from ...iop import ext as E
    return E.scale(v, c % E.P)
