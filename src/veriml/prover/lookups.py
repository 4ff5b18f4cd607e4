"""All range checks and table lookups of a proof, batched: one LogUp-GKR per table.

Every range-checked limb column of width w (from any op) is stacked into one long column
looked up in [0, 2^w); every (x, y) column pair of the lookups into one function table is
stacked into one pair of columns looked up in {(lo + i, T[i])}. Blocks are placed largest
first, each at an offset that is a multiple of its size, so at the LogUp's witness point
rho (n coordinates, x_0 the most significant)

    w(rho) = sum_b eq(rho[: n - n_b], offset_b / 2^n_b) * col_b(rho[n - n_b :]),

which the verifier checks from the block evaluations the prover sends; each block
evaluation becomes a claim on its committed column, the multiplicity evaluation a claim on
the committed multiplicity column.
"""

from __future__ import annotations

import numpy as np

from ..codec import CodecError
from ..errors import ProofError
from ..field import from_int
from ..iop import ext as E
from ..iop import logup as LU
from ..ir.tables import get_table
from .context import mle


def _stack(plan, blocks):
    """Order (largest first), offsets and total length of a list of column tuples."""
    sizes = [plan.columns[b[0]].log_size for b in blocks]
    order = sorted(range(len(blocks)), key=lambda i: -sizes[i])
    offsets, at = {}, 0
    for i in order:
        offsets[i] = at
        at += 1 << sizes[i]
    return order, offsets, sizes, at


def range_table(bits: int) -> LU.Table:
    return LU.range_table(bits)


def function_table(attrs) -> LU.Table:
    t = get_table(attrs)
    lo = int(attrs["lo"])
    xs = from_int(np.arange(lo, lo + t.shape[0], dtype=np.int64))
    ts = from_int(np.asarray(t, dtype=np.int64))

    def x_eval(point):
        return E.add(E.ext(lo % E.P), E.identity_mle(point))

    def t_eval(point):
        return mle(ts, point)

    return LU.Table((xs, ts), (x_eval, t_eval))


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
        from ..field import to_int
        for xc, _ in pairs:
            off = to_int(columns[xc]) - lo
            if off.size and (off.min() < 0 or off.max() >= size):
                raise ProofError(f"lookup {key[0]}: an input lies outside the table's domain")
            m += np.bincount(off, minlength=size)
        out[plan.mult_cols[("lookup", key)]] = m.astype(np.uint64)
    return out


def _logup(ctx, blocks, table, mult_col, label):
    plan = ctx.plan
    order, offsets, sizes, total = _stack(plan, blocks)
    width = len(blocks[0])
    shape = LU.LookupShape.make(total, width, [tuple(range(width))], table)
    if ctx.prover:
        stacked = [np.concatenate([ctx.columns[blocks[i][c]] for i in order]) for c in range(width)]
        proof, claims = LU.prove(stacked, [tuple(range(width))], table, ctx.columns[mult_col], ctx.t)
        proof.write(ctx.w)
    else:
        try:
            proof = LU.LogupProof.read(ctx.r)
        except CodecError as e:
            raise ProofError(f"malformed lookup proof ({label}): {e}") from e
        claims = LU.verify(proof, shape, ctx.t)
    rho = E.from_array(claims.witness_point) if shape.n else []
    n = len(rho)
    wev = E.from_array(claims.witness_evals)
    evals = ctx.send(f"{label}/blocks", lambda: [mle(ctx.columns[blocks[i][c]], rho[n - sizes[i]:])
                                                 for i in order for c in range(width)], len(order) * width)
    acc = [E.ZERO] * width
    for j, i in enumerate(order):
        sel = E.eq_bits(rho[: n - sizes[i]], offsets[i] >> sizes[i])
        for c in range(width):
            v = evals[j * width + c]
            acc[c] = E.add(acc[c], E.mul(sel, v))
            ctx.col_claims.append((blocks[i][c], rho[n - sizes[i]:], v))
    if acc != wev:
        raise ProofError(f"{label}: block evaluations do not match the stacked column")
    sigma = E.from_array(claims.table_point) if shape.m else []
    ctx.col_claims.append((mult_col, sigma, E.ext(claims.multiplicity_eval)))


def prove_lookups(ctx) -> None:
    """Prover and verifier: every LogUp of the proof, in a fixed order."""
    plan = ctx.plan
    for w in sorted(plan.range_uses):
        _logup(ctx, [(c,) for c in plan.range_uses[w]], range_table(w), plan.mult_cols[("range", w)], f"range{w}")
    for key in sorted(plan.lookup_uses, key=repr):
        _logup(ctx, plan.lookup_uses[key], function_table(plan.lookup_attrs[key]),
               plan.mult_cols[("lookup", key)], f"lookup.{key[0]}")
