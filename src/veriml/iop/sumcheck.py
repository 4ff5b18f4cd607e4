"""Sumcheck for sums of products of multilinear polynomials (Lund-Fortnow-Karloff-Nisan).

Statement. Tables f_0 .. f_{J-1} on {0,1}^n (base or extension), terms (c_t, S_t), and an
optional point z in F_p2^n:

    claim = sum_{b in {0,1}^n} eq(z, b) * sum_t c_t * prod_{j in S_t} f_j(b)

(without z the factor eq(z, b) is absent). The verifier evaluates eq(z, r) itself, so an
eq factor costs no table and no final evaluation.

Protocol (Thaler, "Proofs, Arguments, and Zero-Knowledge", §4.1). Let D be the degree per
variable: max |S_t|, plus 1 with z. Round i = 0 .. n-1 (x_0 = MSB of the table index first):

* the prover sends s_i(0), s_i(2), s_i(3), ..., s_i(D) of
  s_i(X) = sum_{b'} eq(z, (r_<i, X, b')) h(r_<i, X, b');  s_i(1) is *implied*:
  s_i(1) = claim_i - s_i(0), which is exactly the check s_i(0) + s_i(1) = claim_i;
* transcript: absorb_ext("sumcheck/round", the D values); r_i = challenge_ext("sumcheck/r");
* claim_{i+1} = s_i(r_i) (Lagrange interpolation over the nodes 0..D).

At the start the claim is absorbed ("sumcheck/claim"); at the end the prover sends
v_j = f_j(r) for every table, absorbed as "sumcheck/final", and the verifier checks

    claim_n == eq(z, r) * sum_t c_t prod_{j in S_t} v_j.

The v_j are returned as *claims* (r, v_j) for the caller to check (a commitment opening,
another layer of GKR, or a direct evaluation).

Soundness error (Schwartz-Zippel per round): n * D / |F_p2| = n * D / p^2 ≈ n * D * 2^-128.

Fast prover: one numba kernel per round (:mod:`veriml.iop.kernels`), specialised for the
product of two tables f*g (base tables in round 0, extension after the first fold; unreduced
192-bit accumulation and Karatsuba extension products) and for
quadratic forms sum_t c_t f_a f_b (with an eq weight: eq·f·g, the LogUp-GKR layers); a
generic kernel covers the rest. With z the prover uses the factorisation
s_i(X) = eq(z_<i, r_<i) eq(z_i, X) t_i(X), t_i(X) = sum_{b'} eq(z_>i, b') h(r_<i, X, b')
(Gruen, ePrint 2024/108 §3): t_i has degree D - 1, t_i(1) follows from the claim, and
eq(z_>i, .) is updated by one addition per entry per round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from ..errors import ProofError
from ..field import ref as R
from ..poly import multilinear as ML
from . import ext as E
from . import fs
from . import kernels as K
from ..codec import Reader, Writer

P = E.P

Term = tuple  # (coeff, tuple_of_table_indices); coeff an int or an extension element


# ---------------------------------------------------------------- statement / proof


@dataclass(frozen=True, eq=False)
class SumcheckProof:
    """round_evals: (n, D, 2) uint64, row i = s_i(0), s_i(2), ..., s_i(D);
    final_evals: (J, 2) uint64, f_j(r)."""

    round_evals: np.ndarray
    final_evals: np.ndarray

    def write(self, w: Writer) -> None:
        n, d, _ = self.round_evals.shape
        w.u32(n)
        w.u32(d)
        w.u32(self.final_evals.shape[0])
        w.ext(self.round_evals.reshape(-1, 2))
        w.ext(self.final_evals)

    @classmethod
    def read(cls, r: Reader) -> "SumcheckProof":
        n = r.u32()
        d = r.u32()
        j = r.u32()
        rounds = r.ext(n * d).reshape(n, d, 2)
        finals = r.ext(j)
        return cls(rounds, finals)

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "SumcheckProof":
        r = Reader(data)
        out = cls.read(r)
        r.finish()
        return out


class SumcheckOutput(NamedTuple):
    proof: SumcheckProof
    claim: np.ndarray  # (2,)
    point: np.ndarray  # (n, 2)
    evals: np.ndarray  # (J, 2)


class _Spec:
    """Validated statement shape: n, J, terms as (Ext, tuple), degree D, eq point."""

    def __init__(self, num_vars: int, num_tables: int, terms: Sequence[Term], eq_point):
        if num_vars < 0:
            raise ValueError("negative number of variables")
        self.n = num_vars
        self.J = num_tables
        self.terms = []
        for coeff, factors in terms:
            factors = tuple(int(j) for j in factors)
            if not factors:
                raise ValueError("every term needs at least one factor")
            if any(j < 0 or j >= num_tables for j in factors):
                raise ValueError(f"term {factors} names a table outside 0..{num_tables - 1}")
            self.terms.append((E.ext(coeff), factors))
        if not self.terms:
            raise ValueError("no terms")
        self.eq = None if eq_point is None else E.from_array(eq_point)
        if self.eq is not None and len(self.eq) != num_vars:
            raise ValueError(f"eq point has {len(self.eq)} coordinates, expected {num_vars}")
        self.inner_degree = max(len(f) for _, f in self.terms)
        self.degree = self.inner_degree + (1 if self.eq is not None else 0)

    def combine(self, values: Sequence[E.Ext]) -> E.Ext:
        """sum_t c_t prod_{j in S_t} values[j]."""
        return E.total(E.mul(c, E.prod(values[j] for j in f)) for c, f in self.terms)


def _spec_for_tables(tables, terms, eq_point) -> tuple[_Spec, list[np.ndarray]]:
    tables = [np.ascontiguousarray(t, dtype=np.uint64) for t in tables]
    if not tables:
        raise ValueError("no tables")
    size = tables[0].shape[0]
    if size & (size - 1) or size == 0:
        raise ValueError(f"table size {size} is not a power of two")
    for t in tables:
        if t.shape[0] != size or t.ndim not in (1, 2) or (t.ndim == 2 and t.shape[1] != 2):
            raise ValueError("tables must all be (2^n,) base or (2^n, 2) extension arrays")
    return _Spec(size.bit_length() - 1, len(tables), terms, eq_point), tables


# ---------------------------------------------------------------- verifier


def degree(terms: Sequence[Term], with_eq: bool) -> int:
    return max(len(f) for _, f in terms) + (1 if with_eq else 0)


def verify(proof: SumcheckProof, claim, terms: Sequence[Term], num_vars: int,
           num_tables: int, transcript, *, eq_point=None) -> tuple[np.ndarray, np.ndarray]:
    """Check a sumcheck proof of ``claim``; return (point r (n, 2), claims f_j(r) (J, 2)).

    Raises :class:`ProofError` when a check fails. The returned evaluations are claims the
    caller must still check (they were only checked jointly, through the last round).
    """
    spec = _Spec(num_vars, num_tables, terms, eq_point)
    rounds = np.asarray(proof.round_evals)
    finals = np.asarray(proof.final_evals)
    if rounds.shape != (spec.n, spec.degree, 2) or finals.shape != (spec.J, 2):
        raise ProofError(
            f"sumcheck proof shape {rounds.shape}/{finals.shape}, expected "
            f"{(spec.n, spec.degree, 2)}/{(spec.J, 2)}")
    if rounds.dtype != np.uint64 or finals.dtype != np.uint64 or (rounds >= P).any() or (finals >= P).any():
        raise ProofError("sumcheck proof has non-canonical field elements")
    cur = E.ext(claim)
    fs.absorb_ext(transcript, "sumcheck/claim", [cur])
    point = []
    for i in range(spec.n):
        fs.absorb_ext(transcript, "sumcheck/round", rounds[i])
        r = fs.challenge(transcript, "sumcheck/r")
        ev = E.from_array(rounds[i])
        values = [ev[0], E.sub(cur, ev[0])] + ev[1:]
        cur = E.interpolate(values, r)
        point.append(r)
    fs.absorb_ext(transcript, "sumcheck/final", finals)
    v = E.from_array(finals)
    expected = spec.combine(v)
    if spec.eq is not None:
        expected = E.mul(expected, E.eq(spec.eq, point))
    if cur != expected:
        raise ProofError("sumcheck: last round does not match the final evaluations")
    return E.to_array(point), finals.copy()


# ---------------------------------------------------------------- reference prover


def _ext_ref(t: np.ndarray) -> np.ndarray:
    return t if t.ndim == 2 else np.stack([t, np.zeros_like(t)], axis=-1)


def _sum_ref(a: np.ndarray) -> E.Ext:
    s = a.astype(object).sum(axis=0) % P
    return (int(s[0]), int(s[1]))


def prove_ref(tables, terms: Sequence[Term], transcript, *, eq_point=None,
              claim=None) -> SumcheckOutput:
    """Readable prover: materialises eq(z, .) as one more table and evaluates every
    s_i(x) = sum_{b'} prod f_j(r_<i, x, b') directly with :mod:`veriml.field.ref`."""
    spec, tables = _spec_for_tables(tables, terms, eq_point)
    tabs = [_ext_ref(t) for t in tables]
    terms_full = list(spec.terms)
    if spec.eq is not None:
        tabs.append(ML.eq_table_ref(E.to_array(spec.eq)) if spec.n else np.array([[1, 0]], dtype=np.uint64))
        terms_full = [(c, f + (spec.J,)) for c, f in spec.terms]

    def h_sum(values):  # sum over the table of sum_t c_t prod_j values[j]
        acc = E.ZERO
        for c, f in terms_full:
            p = values[f[0]]
            for j in f[1:]:
                p = R.ext_mul(p, values[j])
            acc = E.add(acc, E.mul(c, _sum_ref(p)))
        return acc

    if claim is None:
        claim = h_sum(tabs)
    cur = E.ext(claim)
    fs.absorb_ext(transcript, "sumcheck/claim", [cur])
    rounds, point = [], []
    for _ in range(spec.n):
        half = tabs[0].shape[0] // 2
        s = []
        for x in [0] + list(range(2, spec.degree + 1)):
            xs = np.array([x, 0], dtype=np.uint64)
            vals = [R.ext_add(t[:half], R.ext_mul(R.ext_sub(t[half:], t[:half]), xs)) for t in tabs]
            s.append(h_sum(vals))
        fs.absorb_ext(transcript, "sumcheck/round", s)
        r = fs.challenge(transcript, "sumcheck/r")
        cur = E.interpolate([s[0], E.sub(cur, s[0])] + s[1:], r)
        tabs = [ML.fold_ref(t, np.array(r, dtype=np.uint64)) for t in tabs]
        rounds.append(s)
        point.append(r)
    finals = [(int(t[0, 0]), int(t[0, 1])) for t in tabs[: spec.J]]
    fs.absorb_ext(transcript, "sumcheck/final", finals)
    proof = SumcheckProof(E.to_array([v for s in rounds for v in s]).reshape(spec.n, spec.degree, 2),
                          E.to_array(finals))
    return SumcheckOutput(proof, np.array(E.ext(claim), dtype=np.uint64), E.to_array(point), E.to_array(finals))


# ---------------------------------------------------------------- fast prover


class _Prod2:
    """State for the single term f_a * f_b of two tables, kept apart (no stacking copy)."""

    def __init__(self, f, g, order):
        self.f, self.g, self.order = f, g, order  # order: the term's factor order

    def evaluate(self, pts, w):
        assert w is None and list(pts) == [0, 2]
        f, g = self.f, self.g
        if f.ndim == 1 and g.ndim == 1:
            v = [K.reduce_words(a) for a in K.prod2_base(f, g)]
            return [[(v[0], 0), (v[1], 0)]]
        if f.ndim == 1:
            f, g = g, f
        if g.ndim == 1:
            v = [K.reduce_words(a) for a in K.prod2_ext_base(f, g)]
            return [[(v[0], v[1]), (v[2], v[3])]]
        v = [K.reduce_words(a) for a in K.prod2_ext(f, g)]
        return [[K.karatsuba_ext(*v[:3]), K.karatsuba_ext(*v[3:])]]

    def total(self, w):
        f, g = self.f, self.g
        if f.ndim == 1 and g.ndim == 1:
            return (int(K.dot_base(f, g)), 0)
        if f.ndim == 1:
            f, g = g, f
        a = K.dot_ext_base(f, g) if g.ndim == 1 else K.dot_ext(f, g)
        return (int(a[0]), int(a[1]))

    def fold(self, r):
        self.f = self._fold(self.f, r)
        self.g = self._fold(self.g, r)

    @staticmethod
    def _fold(t, r):
        if t.ndim == 1:
            return ML.fold(t, np.array(r, dtype=np.uint64))
        return K.fold_ext(t, np.uint64(r[0]), np.uint64(r[1]))

    def finals(self):
        return [E.ext(self.f[0]) if self.f.ndim == 2 else (int(self.f[0]), 0),
                E.ext(self.g[0]) if self.g.ndim == 2 else (int(self.g[0]), 0)]


class _Stacked:
    """State for any statement: tables stacked in one (J, M) base or (J, M, 2) array."""

    def __init__(self, tables, spec: _Spec):
        if all(t.ndim == 1 for t in tables):
            self.tabs = np.stack(tables)
        else:
            self.tabs = np.stack([_ext_ref(t) for t in tables])
        self.quadratic = all(len(f) == 2 for _, f in spec.terms)
        if self.quadratic:
            self.pa = np.array([f[0] for _, f in spec.terms], dtype=np.int64)
            self.pb = np.array([f[1] for _, f in spec.terms], dtype=np.int64)
        else:
            lens = [len(f) for _, f in spec.terms]
            self.ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
            self.idx = np.array([j for _, f in spec.terms for j in f], dtype=np.int64)

    def evaluate(self, pts, w):
        pts = np.asarray(pts, dtype=np.uint64)
        weighted = w is not None
        wa = w if weighted else np.zeros((1, 2), dtype=np.uint64)
        tabs = self.tabs
        if self.quadratic:
            kern = K.quad_base if tabs.ndim == 2 else K.quad_ext
            acc = kern(tabs, self.pa, self.pb, wa, weighted, pts)
        else:
            if tabs.ndim == 2:
                tabs = np.stack([tabs, np.zeros_like(tabs)], axis=-1)
            acc = K.generic_ext(tabs, self.ptr, self.idx, wa, weighted, pts)
        return [E.from_array(a) for a in acc]

    def total(self, w):
        return None  # computed by the caller from points 0 and 1

    def fold(self, r):
        kern = K.fold_stack_base if self.tabs.ndim == 2 else K.fold_stack_ext
        self.tabs = kern(self.tabs, np.uint64(r[0]), np.uint64(r[1]))

    def finals(self):
        t = self.tabs
        return [(int(t[j, 0]), 0) if t.ndim == 2 else (int(t[j, 0, 0]), int(t[j, 0, 1]))
                for j in range(t.shape[0])]


def _make_state(tables, spec: _Spec):
    if (spec.eq is None and spec.J == 2 and len(spec.terms) == 1
            and sorted(spec.terms[0][1]) == [0, 1]):
        return _Prod2(tables[0], tables[1], spec.terms[0][1])
    return _Stacked(tables, spec)


def _combine(spec: _Spec, acc) -> list[E.Ext]:
    """acc[t][k] -> sum_t c_t acc[t][k] for every point k."""
    npts = len(acc[0])
    return [E.total(E.mul(c, acc[t][k]) for t, (c, _) in enumerate(spec.terms)) for k in range(npts)]


def _eq1(z: E.Ext, x: E.Ext) -> E.Ext:
    """eq(z, x) = z x + (1 - z)(1 - x) for one coordinate."""
    zx = E.mul(z, x)
    return E.add(E.sub(E.sub(E.add(zx, zx), z), x), E.ONE)


def prove(tables, terms: Sequence[Term], transcript, *, eq_point=None,
          claim=None) -> SumcheckOutput:
    """Prove ``claim = sum_b [eq(eq_point, b)] sum_t c_t prod_{j in S_t} f_j(b)``.

    tables: J arrays, (2^n,) base or (2^n, 2) extension. terms: (c_t, S_t) pairs. claim:
    the (true) sum if the caller knows it, else it is computed. The proof is identical to
    :func:`prove_ref`'s. Returns (proof, claim, point r, evaluations f_j(r)).
    """
    spec, tables = _spec_for_tables(tables, terms, eq_point)
    state = _make_state(tables, spec)
    n, D, z = spec.n, spec.degree, spec.eq
    w = None
    if z is not None and n > 0:
        w = ML.eq_table(E.to_array(z[1:])) if n > 1 else np.array([[1, 0]], dtype=np.uint64)

    if claim is None:
        if n == 0:
            v = state.finals()
            claim = spec.combine(v)
        elif isinstance(state, _Prod2):
            claim = E.mul(spec.terms[0][0], state.total(None))
        else:
            t0, t1 = _combine(spec, state.evaluate([0, 1], w))
            claim = E.add(t0, t1) if z is None else E.add(E.mul(E.sub(E.ONE, z[0]), t0), E.mul(z[0], t1))
    cur = E.ext(claim)
    fs.absorb_ext(transcript, "sumcheck/claim", [cur])

    alpha = E.ONE  # eq(z_<i, r_<i)
    rounds, point = [], []
    for i in range(n):
        if z is None:
            pts = [0] + list(range(2, D + 1))
            s = _combine(spec, state.evaluate(pts, w))
        else:
            dd = D - 1
            zi = z[i]
            derive = not E.is_zero(zi) and not E.is_zero(alpha)
            pts = [0] + ([] if derive else [1]) + list(range(2, dd + 1))
            tv = dict(zip(pts, _combine(spec, state.evaluate(pts, w))))
            if derive:  # claim = alpha ((1 - z_i) t(0) + z_i t(1))
                num = E.sub(E.mul(cur, E.inv(alpha)), E.mul(E.sub(E.ONE, zi), tv[0]))
                tv[1] = E.mul(num, E.inv(zi))
            tvals = [tv[x] for x in range(dd + 1)]
            tv[D] = E.interpolate(tvals, (D, 0))
            s = [E.mul(alpha, E.mul(_eq1(zi, (x, 0)), tv[x])) for x in [0] + list(range(2, D + 1))]
        fs.absorb_ext(transcript, "sumcheck/round", s)
        r = fs.challenge(transcript, "sumcheck/r")
        cur = E.interpolate([s[0], E.sub(cur, s[0])] + s[1:], r)
        state.fold(r)
        if z is not None:
            alpha = E.mul(alpha, _eq1(z[i], r))
            if i < n - 1:
                w = K.half_sum(w)
        rounds.append(s)
        point.append(r)
    finals = state.finals()
    fs.absorb_ext(transcript, "sumcheck/final", finals)
    proof = SumcheckProof(E.to_array([v for s in rounds for v in s]).reshape(n, D, 2), E.to_array(finals))
    return SumcheckOutput(proof, np.array(E.ext(claim), dtype=np.uint64), E.to_array(point), E.to_array(finals))
