"""LogUp lookups proven with the fractional-sum GKR (Haböck, ePrint 2022/1530; Papini-Haböck,
ePrint 2023/1284 §3-4), and range checks on top.

Statement. Witness columns w_c (c < K, N rows each, base field), arranged in G *groups*
g = (c_0, ..., c_{C-1}) with scale s_g (a tuple lookup (x, f(x)) is one group of C = 2
columns); a table of C columns t_0..t_{C-1} with T rows; multiplicities m (T entries).
For random alpha, beta:

    sum_g sum_{i<N} 1 / (alpha - s_g sum_c beta^c w_{g_c, i})
        = sum_{k<T} m_k / (alpha - sum_c beta^c t_{c, k}).                    (*)

As rational functions in alpha this forces every looked-up tuple into the table (N·G < p).

Proof. Two fraction trees (:mod:`veriml.iop.gkr`): the witness tree with leaves indexed by
(group, row) = 2^g x 2^n, p = 1 and q = alpha - s_g sum_c beta^c w; the table tree with
p = m and q = alpha - sum_c beta^c t. The verifier checks q_w, q_t != 0 and
p_w q_t = p_t q_w at the roots, then the GKR of each tree, and ends with leaf claims
that it translates into claims on the columns.

Padding (not exploitable). Rows beyond N, groups beyond G, and table rows beyond T are
the fractions p = 0, q = 1: they add 0 to either side. The verifier evaluates the leaf p of
the witness tree itself (ind_G(rho_g) ind_N(rho_i), the multilinear indicator of the real
rows, in O(n)), so the prover cannot give padding rows weight. The column claims are on
the columns *zero-padded* to 2^n (and 2^m): at a leaf point rho = (rho_g, rho_i)

    q_w(rho) = ind_G(rho_g) (ind_N(rho_i) alpha + 1 - ind_N(rho_i)) + 1 - ind_G(rho_g)
               - sum_{g<G} eq(rho_g, g) s_g sum_c beta^c w_{g_c}(rho_i),
    q_t(sigma) = ind_T(sigma) alpha + 1 - ind_T(sigma) - sum_c beta^c t_c(sigma),
    p_t(sigma) = m(sigma).

Multiplicities committed beyond T would only add a constant to the right side of (*),
which cannot cancel a pole; (*) still forces membership.

Fiat-Shamir. alpha and beta are squeezed first: the caller's transcript must already hold
the commitments to the witness columns, to m, and to every table column the verifier
cannot evaluate. The prover then absorbs the shape, squeezes alpha (and beta if C > 1),
absorbs the four root values, runs the witness GKR then the table GKR, and absorbs the
column evaluations.

Soundness error: (N_leaves_w + T_leaves)/|F| for alpha (a pole hit, or (*) holding by
chance: the difference of both sides has numerator degree < 2^(g+n) + 2^m), plus
(C - 1)/|F| for beta (distinct tuples colliding in the beta combination), plus the two
GKRs: (3 n_w(n_w - 1)/2 + 2 n_w + 3 m(m - 1)/2 + 2m)/|F|, |F| = p^2 ≈ 2^128,
n_w = g + n. For 2^20 lookups into 2^16 rows: about 2^21 / 2^128 = 2^-107.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

import numpy as np

from ..errors import ProofError
from . import ext as E
from . import fs
from . import gkr
from . import kernels as K
from ..codec import Reader, Writer

Evaluator = Callable[[list], E.Ext]  # the MLE of a public table column at a point


def _log2_ceil(x: int) -> int:
    return max(0, (x - 1).bit_length())


# ---------------------------------------------------------------- public tables


def range_evaluator(point: list) -> E.Ext:
    """MLE of t(i) = i on {0,1}^k at ``point``: sum_j 2^(k-1-j) x_j (O(k))."""
    return E.identity_mle(point)


@dataclass(frozen=True)
class Table:
    """Lookup table: C columns of T rows; ``evaluators[c]`` is the MLE of column c when the
    verifier can evaluate it (public tables), or None when it is committed elsewhere.
    An evaluator receives a point of m = ceil(log2 T) coordinates and must return the MLE
    of the column *zero-padded* to 2^m rows, in O(m) (e.g. :func:`range_evaluator`)."""

    columns: tuple
    evaluators: tuple

    @property
    def size(self) -> int:
        return int(np.asarray(self.columns[0]).shape[0])

    @property
    def width(self) -> int:
        return len(self.columns)


def range_table(bits: int) -> Table:
    """The table [0, 2^bits), one public column."""
    if not 0 <= bits <= 24:
        raise ValueError("range tables up to 2^24 rows; use limbs beyond")
    return Table((np.arange(1 << bits, dtype=np.uint64),), (range_evaluator,))


# ---------------------------------------------------------------- statement


@dataclass(frozen=True)
class LookupShape:
    """Public shape: N rows per group, the groups (tuples of witness column indices) and
    their scales, the number of witness columns, the table size and evaluators."""

    num_rows: int
    num_columns: int
    groups: tuple
    scales: tuple
    table_size: int
    evaluators: tuple

    @classmethod
    def make(cls, num_rows, num_columns, groups, table: Table | None = None, *, scales=None,
             table_size=None, evaluators=None) -> "LookupShape":
        groups = tuple(tuple(int(c) for c in g) for g in groups)
        if table is not None:
            table_size, evaluators = table.size, tuple(table.evaluators)
        width = len(evaluators)
        if not groups or any(len(g) != width for g in groups):
            raise ValueError(f"every group must name {width} columns (the table width)")
        if any(c < 0 or c >= num_columns for g in groups for c in g):
            raise ValueError("group names a column out of range")
        scales = tuple(int(s) for s in (scales or [1] * len(groups)))
        if len(scales) != len(groups):
            raise ValueError("one scale per group")
        if num_rows < 1 or table_size < 1:
            raise ValueError("empty lookup or table")
        return cls(int(num_rows), int(num_columns), groups, scales, int(table_size), evaluators)

    @property
    def n(self) -> int:
        return _log2_ceil(self.num_rows)

    @property
    def g(self) -> int:
        return _log2_ceil(len(self.groups))

    @property
    def m(self) -> int:
        return _log2_ceil(self.table_size)

    @property
    def width(self) -> int:
        return len(self.evaluators)

    @property
    def committed_columns(self) -> list[int]:
        return [c for c, ev in enumerate(self.evaluators) if ev is None]

    def absorb(self, transcript) -> None:
        fs.absorb_ints(transcript, "logup/shape",
                       [self.num_rows, self.num_columns, len(self.groups), self.table_size, self.width]
                       + [c for g in self.groups for c in g] + list(self.scales))


# ---------------------------------------------------------------- proof and claims


@dataclass(frozen=True, eq=False)
class LogupProof:
    roots: np.ndarray  # (4, 2): p_w, q_w, p_t, q_t
    witness_gkr: gkr.GkrProof
    table_gkr: gkr.GkrProof
    witness_evals: np.ndarray  # (K, 2): w_c(rho_i), zero-padded columns
    table_evals: np.ndarray  # (1 + #committed columns, 2): m(sigma), t_c(sigma)

    def write(self, w: Writer) -> None:
        w.ext(self.roots)
        self.witness_gkr.write(w)
        self.table_gkr.write(w)
        w.vec_ext(self.witness_evals)
        w.vec_ext(self.table_evals)

    @classmethod
    def read(cls, r: Reader) -> "LogupProof":
        roots = r.ext(4)
        wg = gkr.GkrProof.read(r)
        tg = gkr.GkrProof.read(r)
        we = r.vec_ext()
        te = r.vec_ext()
        return cls(roots, wg, tg, we, te)

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "LogupProof":
        r = Reader(data)
        out = cls.read(r)
        r.finish()
        return out


class LookupClaims(NamedTuple):
    """Claims left for the caller (a commitment opening) to check."""

    witness_point: np.ndarray  # (n, 2)
    witness_evals: np.ndarray  # (K, 2): column c, zero-padded to 2^n, at witness_point
    table_point: np.ndarray  # (m, 2)
    multiplicity_eval: np.ndarray  # (2,): m zero-padded to 2^m at table_point
    table_evals: dict  # committed table column c -> (2,) value at table_point


# ---------------------------------------------------------------- multiplicities


def multiplicities(columns, groups, table: Table, scales=None) -> np.ndarray:
    """m_k = #{(g, i): the scaled tuple of group g at row i equals table row k} (first
    occurrence for duplicate rows). Tuples not in the table are ignored: the proof of such
    a witness is rejected."""
    columns = [np.asarray(c, dtype=np.uint64) for c in columns]
    scales = scales or [1] * len(groups)
    tcols = [np.asarray(c, dtype=np.uint64) for c in table.columns]
    T = tcols[0].shape[0]
    if len(tcols) == 1 and T <= 1 << 24 and np.array_equal(tcols[0], np.arange(T, dtype=np.uint64)):
        m = np.zeros(T, dtype=np.int64)
        for g, s in zip(groups, scales):
            v = columns[g[0]] if s == 1 else _scaled(columns[g[0]], s)
            v = v[v < np.uint64(T)]
            m += np.bincount(v.astype(np.int64), minlength=T)
        return m.astype(np.uint64)
    keys_t = _row_keys(tcols)
    order = np.argsort(keys_t, kind="stable")
    sorted_keys = keys_t[order]
    m = np.zeros(T, dtype=np.int64)
    for g, s in zip(groups, scales):
        cols = [columns[c] if s == 1 else _scaled(columns[c], s) for c in g]
        keys = _row_keys(cols)
        pos = np.searchsorted(sorted_keys, keys)
        pos_c = np.minimum(pos, T - 1)
        hit = sorted_keys[pos_c] == keys
        np.add.at(m, order[pos_c[hit]], 1)
    return m.astype(np.uint64)


def _scaled(col, s):
    from ..field import fast
    return fast.mul(col, np.uint64(s % E.P))


def _row_keys(cols):
    """One comparable key per row (a structured void view of the row's words)."""
    stacked = np.ascontiguousarray(np.stack(cols, axis=1))
    return stacked.view(np.dtype((np.void, 8 * len(cols)))).ravel()


# ---------------------------------------------------------------- leaves


def _beta_powers(beta: E.Ext, width: int) -> list[E.Ext]:
    out = [E.ONE]
    for _ in range(width - 1):
        out.append(E.mul(out[-1], beta))
    return out


def _witness_leaves(shape: LookupShape, columns, alpha, bpows):
    N, n, g = shape.num_rows, shape.n, shape.g
    size = 1 << n
    q = np.empty(((1 << g) * size, 2), dtype=np.uint64)
    q[:, 0] = 1
    q[:, 1] = 0
    p = np.zeros((1 << g) * size, dtype=np.uint64)
    bp = E.to_array(bpows)
    for gi, (grp, s) in enumerate(zip(shape.groups, shape.scales)):
        cols = np.ascontiguousarray(np.stack([columns[c][:N] for c in grp]))
        K.leaf_denominators(cols, np.uint64(s % E.P), np.uint64(alpha[0]), np.uint64(alpha[1]), bp,
                            q[gi * size: gi * size + N])
        p[gi * size: gi * size + N] = 1
    return p, q


def _table_leaves(shape: LookupShape, table: Table, m, alpha, bpows):
    T, size = shape.table_size, 1 << shape.m
    q = np.empty((size, 2), dtype=np.uint64)
    q[:, 0] = 1
    q[:, 1] = 0
    cols = np.ascontiguousarray(np.stack([np.asarray(c, dtype=np.uint64) for c in table.columns]))
    K.leaf_denominators(cols, np.uint64(1), np.uint64(alpha[0]), np.uint64(alpha[1]), E.to_array(bpows), q[:T])
    p = np.zeros(size, dtype=np.uint64)
    p[:T] = m
    return p, q


def _padded_eval(col, point):
    from ..poly import multilinear as ML
    n = len(point)
    t = np.zeros(1 << n, dtype=np.uint64)
    t[: col.shape[0]] = col
    return E.ext(ML.evaluate(t, E.to_array(point)) if n else np.array([t[0], 0], dtype=np.uint64))


# ---------------------------------------------------------------- prover / verifier


def _challenges(shape: LookupShape, transcript):
    shape.absorb(transcript)
    alpha = fs.challenge(transcript, "logup/alpha")
    beta = fs.challenge(transcript, "logup/beta") if shape.width > 1 else E.ZERO
    return alpha, _beta_powers(beta, shape.width)


def prove(columns: Sequence[np.ndarray], groups, table: Table, m: np.ndarray, transcript, *,
          scales=None, reference: bool = False) -> tuple[LogupProof, LookupClaims]:
    """Prove (*) for ``columns`` (K arrays of N base elements) looked up in ``table``.

    Precondition: ``transcript`` has absorbed the commitments to the columns, to ``m`` and
    to the committed table columns. ``reference`` uses the reference sumcheck prover.
    """
    columns = [np.ascontiguousarray(c, dtype=np.uint64) for c in columns]
    shape = LookupShape.make(columns[0].shape[0], len(columns), groups, table, scales=scales)
    if any(c.shape != (shape.num_rows,) for c in columns):
        raise ValueError("all witness columns must have the same length")
    m = np.asarray(m, dtype=np.uint64)
    if m.shape != (shape.table_size,):
        raise ValueError(f"multiplicities must have {shape.table_size} entries")
    alpha, bpows = _challenges(shape, transcript)

    w_layers = gkr.build_tree(*_witness_leaves(shape, columns, alpha, bpows))
    t_layers = gkr.build_tree(*_table_leaves(shape, table, m, alpha, bpows))
    roots = [E.ext(w_layers[0][0][0]), E.ext(w_layers[0][1][0]), E.ext(t_layers[0][0][0]), E.ext(t_layers[0][1][0])]
    fs.absorb_ext(transcript, "logup/roots", roots)
    wproof, wleaf = gkr.prove(w_layers, transcript, reference=reference)
    tproof, tleaf = gkr.prove(t_layers, transcript, reference=reference)
    rho_i = wleaf.point[shape.g:]
    wev = [_padded_eval(c, rho_i) for c in columns]
    fs.absorb_ext(transcript, "logup/witness_evals", wev)
    sigma = tleaf.point
    tev = [_padded_eval(m, sigma)] + [_padded_eval(np.asarray(table.columns[c], dtype=np.uint64), sigma)
                                      for c in shape.committed_columns]
    fs.absorb_ext(transcript, "logup/table_evals", tev)
    proof = LogupProof(E.to_array(roots), wproof, tproof, E.to_array(wev), E.to_array(tev))
    claims = LookupClaims(E.to_array(rho_i), E.to_array(wev), E.to_array(sigma), np.array(tev[0], dtype=np.uint64),
                          {c: np.array(v, dtype=np.uint64) for c, v in zip(shape.committed_columns, tev[1:])})
    return proof, claims


def verify(proof: LogupProof, shape: LookupShape, transcript) -> LookupClaims:
    """Check a LogUp-GKR proof; return the column claims. Raises :class:`ProofError`."""
    alpha, bpows = _challenges(shape, transcript)
    roots = E.from_array(proof.roots) if proof.roots.shape == (4, 2) else None
    if roots is None:
        raise ProofError("logup: malformed roots")
    pw, qw, pt, qt = roots
    if E.is_zero(qw) or E.is_zero(qt):
        raise ProofError("logup: a root denominator is zero")
    if E.mul(pw, qt) != E.mul(pt, qw):
        raise ProofError("logup: witness and table fraction sums differ")
    fs.absorb_ext(transcript, "logup/roots", roots)
    wleaf = gkr.verify(proof.witness_gkr, (pw, qw), shape.g + shape.n, transcript)
    tleaf = gkr.verify(proof.table_gkr, (pt, qt), shape.m, transcript)

    if proof.witness_evals.shape != (shape.num_columns, 2):
        raise ProofError("logup: wrong number of witness evaluations")
    fs.absorb_ext(transcript, "logup/witness_evals", proof.witness_evals)
    wev = E.from_array(proof.witness_evals)
    rho_g, rho_i = wleaf.point[: shape.g], wleaf.point[shape.g:]
    G = len(shape.groups)
    ind_g = E.prefix_indicator(rho_g, G)
    ind_n = E.prefix_indicator(rho_i, shape.num_rows)
    if wleaf.p != E.mul(ind_g, ind_n):
        raise ProofError("logup: witness numerators are not the row indicator")
    q = E.add(E.mul(ind_g, E.add(E.mul(ind_n, alpha), E.sub(E.ONE, ind_n))), E.sub(E.ONE, ind_g))
    for gi, (grp, s) in enumerate(zip(shape.groups, shape.scales)):
        comb = E.total(E.mul(b, wev[c]) for b, c in zip(bpows, grp))
        q = E.sub(q, E.mul(E.eq_bits(rho_g, gi), E.scale(comb, s % E.P)))
    if wleaf.q != q:
        raise ProofError("logup: witness denominators do not match the column evaluations")

    committed = shape.committed_columns
    if proof.table_evals.shape != (1 + len(committed), 2):
        raise ProofError("logup: wrong number of table evaluations")
    fs.absorb_ext(transcript, "logup/table_evals", proof.table_evals)
    tev = E.from_array(proof.table_evals)
    sigma = tleaf.point
    if tleaf.p != tev[0]:
        raise ProofError("logup: table numerators do not match the multiplicity evaluation")
    given = dict(zip(committed, tev[1:]))
    tvals = [given[c] if ev is None else ev(sigma) for c, ev in enumerate(shape.evaluators)]
    ind_t = E.prefix_indicator(sigma, shape.table_size)
    qt_leaf = E.add(E.mul(ind_t, alpha), E.sub(E.ONE, ind_t))
    qt_leaf = E.sub(qt_leaf, E.total(E.mul(b, v) for b, v in zip(bpows, tvals)))
    if tleaf.q != qt_leaf:
        raise ProofError("logup: table denominators do not match the table evaluations")
    return LookupClaims(E.to_array(rho_i), proof.witness_evals.copy(), E.to_array(sigma),
                        np.array(tev[0], dtype=np.uint64), {c: np.array(v, dtype=np.uint64) for c, v in given.items()})
