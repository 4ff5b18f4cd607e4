"""One protocol text for prover and verifier.

Every op writes its proof logic once against a :class:`Context`. On the prover side
``send`` computes a value and writes it to the proof, ``sumcheck`` proves; on the verifier
side ``send`` reads the value from the proof, ``sumcheck`` verifies. Both absorb the same
bytes into the same Fiat-Shamir transcript, so the two sides cannot drift apart. Claims are
collected per tensor (reduced later, backwards through the program) or per committed
column (opened together at the end).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..codec import CodecError, Reader, Writer
from ..errors import ProofError
from ..field import from_int
from ..iop import ext as E
from ..iop import fs
from ..iop import sumcheck as SC
from ..poly import multilinear as ML
from .layout import broadcast_point, broadcast_table
from .refs import ColumnRef, LimbedRef, TensorRef


def to_arr(point) -> np.ndarray:
    return E.to_array(point).reshape(-1, 2) if len(point) else np.zeros((0, 2), dtype=np.uint64)


_EQ_CACHE: dict = {}
_EQ_CACHE_SIZE = 8


def eq_table_cached(point) -> np.ndarray:
    """eq(point, .) over {0,1}^len(point) for a point given as a list of Ext; the last few
    tables are kept, since many claims of a proof share a point (read-only result)."""
    key = tuple(point)
    eq = _EQ_CACHE.get(key)
    if eq is None:
        eq = ML.eq_table(to_arr(point))
        eq.setflags(write=False)
        if len(_EQ_CACHE) >= _EQ_CACHE_SIZE:
            _EQ_CACHE.pop(next(iter(_EQ_CACHE)))
        _EQ_CACHE[key] = eq
    return eq


def mle(table: np.ndarray, point) -> E.Ext:
    """Evaluate a base or extension table (prover side) at a point (list of Ext)."""
    if len(point) == 0:
        t = np.asarray(table)
        return E.ext(t[0]) if t.ndim == 2 else (int(t[0]), 0)
    table = np.ascontiguousarray(table, dtype=np.uint64)
    if table.shape[0] != 1 << len(point):
        raise ValueError(f"table of {table.shape[0]} entries needs a point of {table.shape[0].bit_length() - 1} coordinates")
    return E.ext(ML.dot_eq(eq_table_cached(point), table))


class Context:
    def __init__(self, plan, transcript, *, prover: bool, values=None, columns=None, limbed=None,
                 reader: Reader | None = None):
        self.plan = plan
        self.t = transcript
        self.prover = prover
        self.values = values  # prover: tensor id -> padded int64 array
        self.columns = columns  # prover: column index -> field array
        self.limbed = limbed or {}  # prover: LimbedRef -> int64 values
        self.w = Writer() if prover else None
        self.r = reader
        self.claims = defaultdict(list)  # tensor id -> [(point, value)]
        self.col_claims = []  # (column, point, value)
        self._field_cache = {}

    # ------------------------------------------------------------ messages

    def send(self, label: str, compute, count: int = 1) -> list:
        """``count`` extension elements from prover to verifier (``compute`` runs on the
        prover only and returns a list of Ext)."""
        if self.prover:
            vals = [E.ext(v) if not isinstance(v, tuple) else v for v in compute()]
            if len(vals) != count:
                raise AssertionError(f"{label}: computed {len(vals)} values, declared {count}")
            self.w.ext(E.to_array(vals).reshape(-1, 2) if vals else np.zeros((0, 2), np.uint64))
        else:
            try:
                vals = E.from_array(self.r.ext(count)) if count else []
            except CodecError as e:
                raise ProofError(f"malformed proof at {label}: {e}") from e
        if vals:
            fs.absorb_ext(self.t, label, vals)
        return vals

    def challenge(self, label: str) -> E.Ext:
        return fs.challenge(self.t, label)

    def challenge_point(self, label: str, n: int) -> list:
        if n == 0:
            return []
        return E.from_array(self.t.challenge_ext_vec(label, n))

    def sumcheck(self, num_vars: int, terms, num_tables: int, tables, claim, eq_point=None):
        """Prove/verify sum_b [eq(eq_point, b)] sum_t c_t prod f_j(b) = claim; returns the
        random point and the claimed final evaluations f_j(point) (lists of Ext)."""
        eqa = None if eq_point is None else to_arr(eq_point)
        if self.prover:
            out = SC.prove(tables(), terms, self.t, eq_point=eqa, claim=claim)
            out.proof.write(self.w)
            return E.from_array(out.point) if num_vars else [], E.from_array(out.evals)
        try:
            proof = SC.SumcheckProof.read(self.r)
        except CodecError as e:
            raise ProofError(f"malformed sumcheck proof: {e}") from e
        point, finals = SC.verify(proof, claim, terms, num_vars, num_tables, self.t, eq_point=eqa)
        return (E.from_array(point) if num_vars else []), E.from_array(finals)

    # ------------------------------------------------------------ prover tables

    def tensor_field(self, tid: int) -> np.ndarray:
        if tid not in self._field_cache:
            self._field_cache[tid] = from_int(self.values[tid].reshape(-1))
        return self._field_cache[tid]

    def table(self, ref) -> np.ndarray:
        """Prover: the field table of a reference over its cube (broadcast if needed)."""
        if isinstance(ref, TensorRef):
            if ref.out_shape is None or tuple(ref.out_shape) == tuple(ref.shape):
                return self.tensor_field(ref.tid)
            return from_int(broadcast_table(self.values[ref.tid], ref.shape, ref.out_shape))
        if isinstance(ref, ColumnRef):
            return self.columns[ref.col]
        return from_int(self.limbed[ref].reshape(-1))

    def int_values(self, ref) -> np.ndarray:
        """Prover: int64 values of a reference over its cube."""
        if isinstance(ref, TensorRef):
            if ref.out_shape is None or tuple(ref.out_shape) == tuple(ref.shape):
                return self.values[ref.tid].reshape(-1)
            return broadcast_table(self.values[ref.tid], ref.shape, ref.out_shape)
        if isinstance(ref, LimbedRef):
            return self.limbed[ref].reshape(-1)
        raise TypeError("plain columns hold field elements")

    # ------------------------------------------------------------ claims

    def bind(self, ref, point, value) -> None:
        """Record the claim ``ref(point) = value`` where it will be checked."""
        if isinstance(ref, TensorRef):
            sub = point if ref.out_shape is None else broadcast_point(ref.out_shape, ref.shape, point)
            self.claims[ref.tid].append((list(sub), value))
        elif isinstance(ref, ColumnRef):
            self.col_claims.append((ref.col, list(point), value))
        elif isinstance(ref, LimbedRef):
            if self.eval(ref, point) != value:  # the limbs are sent and their claims recorded
                self.fail("limb evaluations do not recompose to the claimed value")
        else:
            raise TypeError(f"cannot bind a claim to {ref!r}")

    def eval(self, ref, point) -> E.Ext:
        """The prover states ref(point); the claim is recorded for checking. Limbed values
        are sent as their limbs."""
        if isinstance(ref, LimbedRef):
            limbs = self.send("limbs", lambda: [mle(self.columns[c], point) for c in ref.cols], len(ref.cols))
            acc = E.ext(ref.offset % E.P)
            for i, v in enumerate(limbs):
                acc = E.add(acc, E.scale(v, 1 << (ref.limb_bits * i)))
            for c, v in zip(ref.cols, limbs):
                self.col_claims.append((c, list(point), v))
            return acc
        if isinstance(ref, TensorRef):
            table = (lambda: [mle(self.table(ref), point)])
        else:
            table = (lambda: [mle(self.columns[ref.col], point)])
        (v,) = self.send("eval", table, 1)
        self.bind(ref, point, v)
        return v

    def fail(self, message: str):
        raise ProofError(message)
