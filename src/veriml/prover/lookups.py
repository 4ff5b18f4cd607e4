"""All range checks and table lookups of a proof in ONE LogUp-GKR (Haböck, ePrint 2022/1530;
Papini-Haböck, ePrint 2023/1284 §3-4).

Tables. Every range table [0, 2^w) and every function table {(lo + i, T[i])} of the plan is a
*segment* s of one merged table of tuples (x, y, tau): a range segment holds (i, 0, tau_s), a
function segment (lo + i, T[i], tau_s), with a distinct tag tau_s per segment. Segments are
stacked largest first at offsets that are multiples of their size (T_tot rows in all,
m = ceil(log2 T_tot) variables); the multiplicity column of segment s is its own committed
column m_s.

Witness. Every range-checked limb column of width w is a *block* (x = the column, y = 0,
tau = tau of segment w); every (x, y) column pair looked up in a function table is a block
with that segment's tag. Blocks are stacked the same way (N_tot rows, n variables).

Statement. For random alpha, beta (c = x + beta y + beta^2 tau):

    sum_{rows i of the witness} 1 / (alpha - c_i) = sum_{table rows k} m_k / (alpha - c_k).

Proof. Two fraction trees (witness: p = 1, q = alpha - c on real rows; table: p = m,
q = alpha - c; both padded with p = 0, q = 1), proven in one batched GKR
(:func:`veriml.iop.gkr.prove_batch`). The verifier checks q_w, q_t != 0 and
p_w q_t = p_t q_w at the roots, then the leaf claims at rho (witness) and sigma (table):

    p_w(rho) = ind_N(rho),
    q_w(rho) = ind_N(rho) alpha + 1 - ind_N(rho)
               - sum_b eq(rho_head_b, o_b / 2^L_b) (x_b + beta y_b + beta^2 tau_b)(rho_tail_b),
    p_t(sigma) = sum_s eq(sigma_head_s, o_s / 2^L_s) m_s(sigma_tail_s),
    q_t(sigma) = ind_T(sigma) alpha + 1 - ind_T(sigma)
               - sum_s eq(sigma_head_s, o_s / 2^L_s) (x_s + beta y_s + beta^2 tau_s)(sigma_tail_s),

where ind_N is the MLE of the indicator of {i < N_tot} (O(n)), the prover sends x_b, y_b
(claims on the committed columns) and m_s (claims on the multiplicity columns), and the
verifier evaluates the table columns itself: x_s = lo_s + (the identity MLE), y_s = 0 or the
MLE of the function table (numba, cached per table).

Soundness. Clearing denominators, the identity is a polynomial identity in (alpha, beta) of
total degree <= 2 (N_tot + T_tot) (each denominator alpha - x - beta y - beta^2 tau has total
degree 2); if some witness tuple is not a table row it fails except with probability
<= 2 (N_tot + T_tot)/|F| (Schwartz-Zippel), plus the batched GKR's error
(gkr.py: (4 n + 3 n(n-1)/2)/|F| for two trees of at most n layers). For 2^20 rows:
about 2^-106. Distinct tags keep the segments apart (a 7-bit limb cannot match a row of the
w-bit table). Values are field elements, so x in [0, 2^w) holds as integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..codec import CodecError
from ..errors import ProofError
from ..field import from_int, to_int
from ..iop import ext as E
from ..iop import fs
from ..iop import gkr
from ..iop import kernels as IK
from ..ir.tables import get_table
from ..poly import multilinear as ML
from .context import mle


@dataclass(frozen=True)
class Segment:
    """One table of the merged lookup table."""

    tag: int
    log_size: int
    mult_col: int
    lo: int  # x = lo + i
    attrs: object  # function table attrs (a dict), None for a range table

    def y_table(self) -> np.ndarray | None:
        return None if self.attrs is None else _function_values(self.attrs)


@dataclass(frozen=True)
class Block:
    """One looked-up column (range check) or column pair (function lookup) of the witness."""

    log_size: int
    x_col: int
    y_col: int | None
    tag: int


@dataclass(frozen=True)
class LookupLayout:
    segments: tuple
    seg_offsets: tuple
    table_rows: int  # T_tot
    blocks: tuple
    block_offsets: tuple
    witness_rows: int  # N_tot

    @property
    def n(self) -> int:
        return max(0, (self.witness_rows - 1).bit_length())

    @property
    def m(self) -> int:
        return max(0, (self.table_rows - 1).bit_length())


def _stack(sizes) -> tuple[list, list, int]:
    """Order (largest first, stable), offsets (multiples of each size) and total length."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    offsets, at = [0] * len(sizes), 0
    for i in order:
        offsets[i] = at
        at += 1 << sizes[i]
    return order, offsets, at


def layout(plan) -> LookupLayout | None:
    """The merged table and witness of ``plan`` (None when it has no lookups)."""
    segs, blocks = [], []
    for w in sorted(plan.range_uses):
        tag = len(segs)
        segs.append(Segment(tag, w, plan.mult_cols[("range", w)], 0, None))
        blocks += [Block(plan.columns[c].log_size, c, None, tag) for c in plan.range_uses[w]]
    for key in sorted(plan.lookup_uses, key=repr):
        attrs = plan.lookup_attrs[key]
        tag = len(segs)
        segs.append(Segment(tag, int(attrs["bits"]), plan.mult_cols[("lookup", key)], int(attrs["lo"]), attrs))
        blocks += [Block(plan.columns[x].log_size, x, y, tag) for x, y in plan.lookup_uses[key]]
    if not segs:
        return None
    _, soff, trows = _stack([s.log_size for s in segs])
    _, boff, wrows = _stack([b.log_size for b in blocks])
    return LookupLayout(tuple(segs), tuple(soff), trows, tuple(blocks), tuple(boff), wrows)


def _attrs_key(attrs):
    return (attrs["fn"], tuple(float(p) for p in attrs.get("params", ())), int(attrs["s_in"]),
            int(attrs["s_out"]), int(attrs["lo"]), int(attrs["bits"]))


@lru_cache(maxsize=64)
def _function_values_cached(key) -> np.ndarray:
    fn, params, s_in, s_out, lo, bits = key
    t = get_table({"fn": fn, "params": params, "s_in": s_in, "s_out": s_out, "lo": lo, "bits": bits})
    out = np.zeros(1 << bits, dtype=np.uint64)
    out[: t.shape[0]] = from_int(np.asarray(t, dtype=np.int64))
    out.setflags(write=False)
    return out


def _function_values(attrs) -> np.ndarray:
    """The function table T as field elements (2^bits), cached per table."""
    return _function_values_cached(_attrs_key(attrs))


def multiplicities(plan, columns) -> dict:
    """Prover: the multiplicity column of every table, from the filled columns."""
    out = {}
    for w, cols in plan.range_uses.items():
        m = np.zeros(1 << w, dtype=np.int64)
        for c in cols:
            m += np.bincount(columns[c].astype(np.int64), minlength=1 << w)[: 1 << w]
        out[plan.mult_cols[("range", w)]] = m.astype(np.uint64)
    for key, pairs in plan.lookup_uses.items():
        attrs = plan.lookup_attrs[key]
        lo, size = int(attrs["lo"]), 1 << int(attrs["bits"])
        m = np.zeros(size, dtype=np.int64)
        for xc, _ in pairs:
            off = to_int(columns[xc]) - lo
            if off.size and (off.min() < 0 or off.max() >= size):
                raise ProofError(f"lookup {key[0]}: an input lies outside the table's domain")
            m += np.bincount(off, minlength=size)
        out[plan.mult_cols[("lookup", key)]] = m.astype(np.uint64)
    return out


# ---------------------------------------------------------------- prover tables


def _leaves(cols3, rows, size, alpha, bpows):
    """q = alpha - (x + beta y + beta^2 tau) on the first ``rows`` rows, 1 after."""
    q = np.empty((size, 2), dtype=np.uint64)
    q[:, 0] = 1
    q[:, 1] = 0
    IK.leaf_denominators(cols3, np.uint64(1), np.uint64(alpha[0]), np.uint64(alpha[1]),
                         E.to_array(bpows), q[:rows])
    return q


def _witness_trees(ctx, lay: LookupLayout, alpha, bpows):
    cols = np.zeros((3, lay.witness_rows), dtype=np.uint64)
    for b, o in zip(lay.blocks, lay.block_offsets):
        size = 1 << b.log_size
        cols[0, o:o + size] = ctx.columns[b.x_col]
        if b.y_col is not None:
            cols[1, o:o + size] = ctx.columns[b.y_col]
        cols[2, o:o + size] = b.tag
    size = 1 << lay.n
    p = np.zeros(size, dtype=np.uint64)
    p[: lay.witness_rows] = 1
    return gkr.build_tree(p, _leaves(cols, lay.witness_rows, size, alpha, bpows))


def _table_tree(ctx, lay: LookupLayout, alpha, bpows):
    cols = np.zeros((3, lay.table_rows), dtype=np.uint64)
    size = 1 << lay.m
    p = np.zeros(size, dtype=np.uint64)
    for s, o in zip(lay.segments, lay.seg_offsets):
        n = 1 << s.log_size
        cols[0, o:o + n] = from_int(np.arange(s.lo, s.lo + n, dtype=np.int64))
        y = s.y_table()
        if y is not None:
            cols[1, o:o + n] = y
        cols[2, o:o + n] = s.tag
        p[o:o + n] = ctx.columns[s.mult_col]
    return gkr.build_tree(p, _leaves(cols, lay.table_rows, size, alpha, bpows))


# ---------------------------------------------------------------- protocol


def _sel(point, offset: int, log_size: int):
    """eq(point_head, offset / 2^log_size) and the tail point of a stacked block."""
    n = len(point)
    return E.eq_bits(point[: n - log_size], offset >> log_size), point[n - log_size:]


def prove_lookups(ctx) -> None:
    """Prover and verifier: the one LogUp of the proof (nothing when the plan has none)."""
    lay = layout(ctx.plan)
    if lay is None:
        return
    n, m = lay.n, lay.m
    fs.absorb_ints(ctx.t, "lookup/shape", [lay.witness_rows, lay.table_rows, len(lay.blocks), len(lay.segments)])
    alpha = ctx.challenge("lookup/alpha")
    beta = ctx.challenge("lookup/beta")
    bpows = [E.ONE, beta, E.mul(beta, beta)]
    trees = None
    if ctx.prover:
        trees = [_witness_trees(ctx, lay, alpha, bpows), _table_tree(ctx, lay, alpha, bpows)]
    roots = ctx.send("lookup/roots", lambda: [E.ext(trees[i][0][c][0]) for i in (0, 1) for c in (0, 1)], 4)
    pw, qw, pt, qt = roots
    if E.is_zero(qw) or E.is_zero(qt):
        ctx.fail("lookups: a root denominator is zero")
    if E.mul(pw, qt) != E.mul(pt, qw):
        ctx.fail("lookups: witness and table fraction sums differ")
    if ctx.prover:
        proof, (wleaf, tleaf) = gkr.prove_batch(trees, ctx.t)
        proof.write(ctx.w)
    else:
        try:
            proof = gkr.BatchGkrProof.read(ctx.r, [n, m])
        except CodecError as e:
            raise ProofError(f"malformed lookup proof: {e}") from e
        wleaf, tleaf = gkr.verify_batch(proof, [(pw, qw), (pt, qt)], [n, m], ctx.t)
    rho, sigma = wleaf.point, tleaf.point

    def block_evals():
        out = []
        for b in lay.blocks:
            tail = rho[n - b.log_size:]
            out.append(mle(ctx.columns[b.x_col], tail))
            if b.y_col is not None:
                out.append(mle(ctx.columns[b.y_col], tail))
        return out

    count = sum(2 if b.y_col is not None else 1 for b in lay.blocks)
    bev = iter(ctx.send("lookup/blocks", block_evals, count))
    mev = ctx.send("lookup/mults", lambda: [mle(ctx.columns[s.mult_col], sigma[m - s.log_size:])
                                             for s in lay.segments], len(lay.segments))

    # witness leaf
    ind = E.prefix_indicator(rho, lay.witness_rows)
    if wleaf.p != ind:
        ctx.fail("lookups: witness numerators are not the row indicator")
    q = E.add(E.mul(ind, alpha), E.sub(E.ONE, ind))
    for b, o in zip(lay.blocks, lay.block_offsets):
        sel, tail = _sel(rho, o, b.log_size)
        x = next(bev)
        c = E.add(x, E.scale(bpows[2], b.tag))
        ctx.col_claims.append((b.x_col, tail, x))
        if b.y_col is not None:
            y = next(bev)
            c = E.add(c, E.mul(beta, y))
            ctx.col_claims.append((b.y_col, tail, y))
        q = E.sub(q, E.mul(sel, c))
    if wleaf.q != q:
        ctx.fail("lookups: witness denominators do not match the column evaluations")

    # table leaf
    ind = E.prefix_indicator(sigma, lay.table_rows)
    p = E.ZERO
    q = E.add(E.mul(ind, alpha), E.sub(E.ONE, ind))
    for s, o, mv in zip(lay.segments, lay.seg_offsets, mev):
        sel, tail = _sel(sigma, o, s.log_size)
        p = E.add(p, E.mul(sel, mv))
        ctx.col_claims.append((s.mult_col, tail, mv))
        c = E.add(E.add(E.ext(s.lo % E.P), E.identity_mle(tail)), E.scale(bpows[2], s.tag))
        y = s.y_table()
        if y is not None:
            c = E.add(c, E.mul(beta, _table_mle(y, tail)))
        q = E.sub(q, E.mul(sel, c))
    if tleaf.p != p:
        ctx.fail("lookups: table numerators do not match the multiplicity evaluations")
    if tleaf.q != q:
        ctx.fail("lookups: table denominators do not match the table")


def _table_mle(values: np.ndarray, point) -> E.Ext:
    if not point:
        return E.ext(int(values[0]))
    return E.ext(ML.evaluate_base(values, E.to_array(point)))
