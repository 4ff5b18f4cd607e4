"""WHIR multilinear polynomial commitment (ACFY24, ePrint 2024/1586), unique-decoding regime.

Commitment
----------
The committed tables (sizes 2^(m_j)) are stacked into one table F of 2^n values: sorted by
size (largest first, ties by index) at offsets o_j that are multiples of their size, zeros
after. Table j is the sub-cube of F whose first n - m_j variables are the bits of o_j / 2^m_j,
so a claim ``f_j(r) = v`` is the claim ``F(bits(o_j), r) = v`` on F.

F has a coefficient table c (:func:`veriml.ntt.eval_to_coeffs`) and the univariate twin
``F^(X) = sum_i c[i] X^(e(i))`` (exponent bit l of e(i) = bit of x_l in i), so that
``F^(z) = F(z, z^2, ..., z^(2^(n-1)))``. The committed codeword is F^ on L_0 = <omega>,
|L_0| = 2^(n + r_0) (rate 2^-r_0), computed by one NTT whose first r_0 stages are trivial
(the DIT input is c repeated 2^r_0 times). Merkle leaf q (Keccak-256, :mod:`veriml.hash.merkle`)
holds the fold fiber ``F^(omega^(q + s |L|/2^k)), s < 2^k``: the 2^k points y with
y^(2^k) = omega^(2^k q), which is exactly what one query of the first iteration reads.

Opening (ACFY24 Construction 5.1 with weights w(Z, X) = Z * W(X))
-----------------------------------------------------------------
Claims are batched with powers of gamma: sigma = sum_j gamma^j v_j, W = sum_j gamma^j eq(p_j, .),
so sigma = sum_b F(b) W(b). Iteration i = 0..M-1 (folding schedule k_i from the parameters):

1. k_i sumcheck rounds on F * W binding x_0 first: the prover sends (c0, c2) of
   h(X) = c0 + c1 X + c2 X^2 (c1 = sigma - 2 c0 - c2), gets alpha, sigma <- h(alpha).
   Folding the coefficient table the same way gives f_(i+1) = f_i(alpha_1..alpha_k, .), and
   ``Fold(f_i, alpha)`` of the codeword (even/odd split, x_0 = exponent bit 0) equals
   f_(i+1)^ on L_i^(2^k).
2. Not last: the prover commits to f_(i+1)^ on L_(i+1) = L_i^(2^s), s = min(domain_shrink, k_i)
   (the rate drops by 2^(k_i - s)),
   answers w out-of-domain samples y = f_(i+1)^(z). Last: it sends f_M's coefficients.
3. Proof of work (``grinding_bits``), then t_i query indices q in L_i^(2^k_i); the verifier
   opens the fibers, computes Fold(f_i, alpha)(z_q) itself (:func:`kernels.fold_fibers`).
4. Not last: with fresh gamma_i, sigma += sum_j gamma_i^(j+1) y_j and
   W <- W(alpha, .) + sum_j gamma_i^(j+1) eq(pow(z_j), .) over OOD and shift points.
   Last: the verifier checks the folds against f_M^(z_q) directly.

Finally m_M sumcheck rounds on f_M * W, and the verifier checks
``sigma == f_M(alpha_tail) * W(alpha)`` where it evaluates W(alpha) itself: every term of W is
an eq against a known point (claims, OOD and shift points).

Several commitments in one opening (:func:`open_many`)
------------------------------------------------------
Commitments j = 0..J-1 (stacked tables F_j in n_j variables, same parameters) are opened
together. Let n = max n_j and d_j = n - n_j; F_j' (x) = F_j(x_(d_j), ..., x_(n-1)) is F_j as a
polynomial in n variables that ignores the first d_j, so F_j'^(y) = F_j^(y^(2^d_j)): its
codeword on L (|L| = 2^(n + r_0)) is F_j's own codeword read at y^(2^d_j), a point of L_j.

1. The claims of all commitments are batched with powers of gamma into W_j (on n_j
   variables), sigma = sum_j <F_j, W_j> = sum_b sum_j F_j'(b) W_j'(b) with
   W_j'(x) = eq(0^(d_j), x_head) W_j(x_tail).
2. Claim reduction: an n-round sumcheck of that sum (degree 2; a commitment with d_j > 0
   contributes c_j (1 - X) <F_j, W_j> in its first d_j rounds). The prover sends
   u_j = F_j'(r) = F_j(r_tail) and the verifier checks the last round against
   sum_j u_j W_j'(r), which it evaluates itself.
3. mu; G = sum_j mu^j F_j' (an extension-field polynomial), and the single claim
   G(r) = sum_j mu^j u_j is opened by the iterations above with W = eq(r, .). G's codeword
   is never committed: a query q of iteration 0 opens, in every tree j, the leaves holding
   F_j^ at (omega^(q + s |L|/2^k))^(2^d_j), s < 2^k, and the verifier combines them.

Soundness of the combination: if some F_j^ is far from its code, G^ is far from RS[L, 2^n]
except with probability (J - 1) |L| / |F| (unique-decoding proximity gap for the curve
sum_j mu^j f_j', BCIKS20 Thm 1.2/4.1); an oracle f_j' that is close to RS[L, 2^n] and constant
on the cosets of the 2^(d_j)-th roots of unity decodes (uniquely) to a polynomial in y^(2^d_j),
i.e. to a codeword of F_j's own code; wrong u_j survive mu with probability (J - 1)/|F|
(:meth:`veriml.security.PcsParams.security`, docs/SECURITY.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ntt as N
from ..field import fast as FF
from ..hash.merkle import MerkleTree, MultiProof, sorted_unique, verify_multiproof
from ..poly import multilinear as ML
from ..security import PcsParams
from . import kernels as K
from .proof import Claim, Commitment, IterationProof, PcsError, PcsProof

__all__ = ["commit", "open", "open_many", "verify", "verify_many", "ProverData", "stack_layout", "encode_rows"]

P = N.P
# codewords up to 2^20 values (8 MB) become fold-fiber rows in place, without a second array;
# larger ones are copied tile by tile, faster once the cycle-following permutation of the
# in-place version misses the caches
INPLACE_ROWS_LOG = 20
_ONE = np.array([1, 0], dtype=np.uint64)
_ZERO = np.array([0, 0], dtype=np.uint64)


# ---------------------------------------------------------------- layout and encoding


def stack_layout(log_sizes, min_vars: int = 1) -> tuple[int, list[int]]:
    """(n, offsets): stacked table of 2^n entries, table j at offsets[j] (multiple of 2^m_j)."""
    order = sorted(range(len(log_sizes)), key=lambda j: (-log_sizes[j], j))
    offsets = [0] * len(log_sizes)
    pos = 0
    for j in order:
        offsets[j] = pos
        pos += 1 << log_sizes[j]
    n = max(min_vars, 1, (pos - 1).bit_length())
    return n, offsets


def encode_rows(coeffs: np.ndarray, log_inv_rate: int, k: int) -> np.ndarray:
    """Codeword of the coefficient table on <omega>, |L| = 2^(m + r), as fold-fiber rows.

    Row q, slot s holds F^(omega^(q + s |L| / 2^k)); extension tables give rows of 2^(k+1)
    uint64 ((c0, c1) adjacent per slot).
    """
    m = coeffs.shape[0].bit_length() - 1
    log_l = m + log_inv_rate
    if log_l > N.TWO_ADICITY:
        raise PcsError(f"codeword of 2^{log_l} exceeds the 2-adicity of Goldilocks")
    tw = N.twiddles(log_l, cache=False)  # each codeword size is encoded once or twice per proof
    comps = [coeffs] if coeffs.ndim == 1 else [coeffs[:, 0], coeffs[:, 1]]
    outs = []
    for c in comps:
        x = np.repeat(np.ascontiguousarray(c), 1 << log_inv_rate)
        N.dit_stages(x, tw, log_inv_rate)
        outs.append(x)
    n_rows = (1 << log_l) >> k
    if coeffs.ndim == 1 and log_l <= INPLACE_ROWS_LOG:
        K.fiber_rows_inplace(outs[0], k)  # no second codeword-sized array
        return outs[0].reshape(n_rows, 1 << k)
    if coeffs.ndim == 1:
        rows = np.empty((n_rows, 1 << k), dtype=np.uint64)
        K.fiber_rows_base(outs[0], k, rows)
    else:
        rows = np.empty((n_rows, 2 << k), dtype=np.uint64)
        K.fiber_rows_ext(outs[0], outs[1], k, rows)
    return rows


def _fold_values(rows, is_ext, qs, alphas, log_l, k) -> np.ndarray:
    w_inv = np.uint64(pow(N.root_of_unity(log_l), P - 2, P))
    zeta_inv = K.powers_base(np.uint64(pow(N.root_of_unity(k), P - 2, P)), 1 << k)
    out = np.empty((qs.shape[0], 2), dtype=np.uint64)
    K.fold_fibers(rows, is_ext, qs.astype(np.int64), np.ascontiguousarray(alphas), w_inv, zeta_inv, out)
    return out


def _query_points(qs, log_l, k) -> np.ndarray:
    """z_q = omega_L^(2^k q) as extension elements (q, 2)."""
    g = np.uint64(N.root_of_unity(log_l - k))
    z = K.base_pows_at(g, qs.astype(np.int64))
    return np.stack([z, np.zeros_like(z)], axis=-1)


def _emul(a, b):
    """Product of two extension scalars ((2,) arrays), on Python integers (x^2 = 7)."""
    a0, a1, b0, b1 = int(a[0]), int(a[1]), int(b[0]), int(b[1])
    return np.array([(a0 * b0 + 7 * a1 * b1) % P, (a0 * b1 + a1 * b0) % P], dtype=np.uint64)


def _eadd(a, b):
    return np.array([(int(a[0]) + int(b[0])) % P, (int(a[1]) + int(b[1])) % P], dtype=np.uint64)


# ---------------------------------------------------------------- commit


@dataclass
class ProverData:
    params: PcsParams
    log_sizes: tuple
    n: int
    offsets: list
    evals: np.ndarray  # stacked evaluation table (2^n,)
    coeffs: np.ndarray  # its coefficient table
    rows: np.ndarray  # codeword as fold-fiber rows
    tree: MerkleTree


def commit(params: PcsParams, tables) -> tuple[Commitment, ProverData]:
    """Commit to a list of base-field tables of power-of-two sizes (one Merkle root)."""
    if not tables:
        raise PcsError("nothing to commit")
    log_sizes = []
    for t in tables:
        t = np.asarray(t)
        if t.ndim != 1 or t.shape[0] < 1 or t.shape[0] & (t.shape[0] - 1):
            raise PcsError("each table must be 1-D with a power-of-two length")
        log_sizes.append(t.shape[0].bit_length() - 1)
    n, offsets = stack_layout(log_sizes, params.min_vars)
    if len(tables) == 1 and log_sizes[0] == n:
        evals = np.ascontiguousarray(tables[0], dtype=np.uint64)
        if evals is tables[0]:
            evals = evals.copy()
    else:
        evals = np.zeros(1 << n, dtype=np.uint64)
        for t, o in zip(tables, offsets):
            evals[o : o + t.shape[0]] = t
    if evals.size and bool((evals >= np.uint64(P)).any()):
        raise PcsError("tables must hold canonical field elements (< p)")
    coeffs = N.eval_to_coeffs(evals)
    ks = params.folding_schedule(n)
    rows = encode_rows(coeffs, params.log_inv_rate, ks[0])
    tree = MerkleTree.build(rows, check_canonical=False)
    cm = Commitment(tree.root, tuple(log_sizes))
    return cm, ProverData(params, tuple(log_sizes), n, offsets, evals, coeffs, rows, tree)


# ---------------------------------------------------------------- claims


def _check_claims(claims, log_sizes) -> list[Claim]:
    out = []
    for c in claims:
        c = Claim.of(c)
        if not 0 <= c.poly < len(log_sizes):
            raise PcsError(f"claim on table {c.poly}, only {len(log_sizes)} committed")
        if c.point.shape != (log_sizes[c.poly], 2):
            raise PcsError(f"claim on table {c.poly} needs a point of {log_sizes[c.poly]} coordinates")
        out.append(c)
    if not out:
        raise PcsError("no claims")
    pts = [c.point for c in out if c.point.shape[0]]
    if (pts and bool((np.concatenate(pts) >= np.uint64(P)).any())) or bool(
            (np.stack([c.value for c in out]) >= np.uint64(P)).any()):
        raise PcsError("non-canonical claim")
    return out


def _absorb_claims(transcript, claim_lists) -> np.ndarray:
    """Absorb the claims of every commitment; return the batching coefficients gamma^i over
    all claims in order (c, 2)."""
    polys = [len(claim_lists)]
    for cl in claim_lists:
        polys += [len(cl)] + [c.poly for c in cl]
    transcript.absorb_field("pcs/claim_polys", np.array(polys, dtype=np.uint64))
    flat = [c for cl in claim_lists for c in cl]
    pts = [c.point for c in flat if c.point.shape[0]]
    if pts:
        transcript.absorb_ext("pcs/claim_points", np.concatenate(pts))
    transcript.absorb_ext("pcs/claim_values", np.stack([c.value for c in flat]))
    if len(flat) == 1:
        return _ONE.reshape(1, 2).copy()
    g = transcript.challenge_ext("pcs/batch")
    return K.ext_powers(g[0], g[1], len(flat), 0)


def _claim_arrays(claims, log_sizes, offsets, n):
    """Flat arrays describing claims on a stacked table of n variables, for the kernels:
    points (sum m_c, 2), starts, sizes m_c, and the block index offset_c / 2^m_c of each."""
    sizes = np.array([log_sizes[c.poly] for c in claims], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    pts = [c.point for c in claims if c.point.shape[0]]
    points = np.ascontiguousarray(np.concatenate(pts) if pts else np.zeros((0, 2), np.uint64), dtype=np.uint64)
    blocks = np.array([offsets[c.poly] >> log_sizes[c.poly] for c in claims], dtype=np.int64)
    return points, starts, sizes, blocks


def _weight_table(claims, gam, log_sizes, offsets, n) -> tuple[np.ndarray, np.ndarray]:
    """W = sum_c gamma_c eq((block_c, point_c), .) on {0,1}^n and sigma = sum_c gamma_c v_c."""
    w = np.zeros((1 << n, 2), dtype=np.uint64)
    sigma = _ZERO.copy()
    eqs = {}  # claims often share a point: one eq table per distinct point
    for c, g in zip(claims, gam):
        m = log_sizes[c.poly]
        o = offsets[c.poly]
        key = c.point.tobytes()
        eq = eqs.get(key)
        if eq is None:
            eq = eqs[key] = ML.eq_table(c.point) if m else _ONE.reshape(1, 2)
        if len(claims) == 1 and int(g[0]) == 1 and int(g[1]) == 0:  # w is still zero
            w[o : o + (1 << m)] = eq
        else:
            K.add_scaled_ext(w[o : o + (1 << m)], eq, g[0], g[1])
        sigma = _eadd(sigma, _emul(g, c.value))
    return w, sigma


def _weight_at(claims, gam, log_sizes, offsets, n, x) -> np.ndarray:
    """W(x) for the W of :func:`_weight_table` (verifier, one kernel call)."""
    points, starts, sizes, blocks = _claim_arrays(claims, log_sizes, offsets, n)
    return np.array(K.stacked_eq_sum(points, starts, sizes, blocks, np.ascontiguousarray(gam), np.ascontiguousarray(x)),
                    dtype=np.uint64)


# ---------------------------------------------------------------- open


def _sumcheck_round(f, w, sigma, transcript):
    if f.ndim == 1:
        a0, a1, b0, b1 = K.sumcheck_coeffs_base(f, w)
    else:
        a0, a1, b0, b1 = K.sumcheck_coeffs_ext(f, w)
    msg = np.array([[a0, a1], [b0, b1]], dtype=np.uint64)
    transcript.absorb_ext("pcs/sumcheck", msg)
    r = transcript.challenge_ext("pcs/fold")
    return msg, r, _sumcheck_next(sigma, msg, r)


def _sumcheck_next(sigma, msg, r):
    """h(r) for h = c0 + c1 X + c2 X^2 with msg = (c0, c2) and h(0) + h(1) = sigma."""
    return np.array(K.sumcheck_next(sigma[0], sigma[1], msg[0, 0], msg[0, 1], msg[1, 0], msg[1, 1], r[0], r[1]), dtype=np.uint64)


def _fold_in_place(t, r, ext_kernel):
    """Fold an extension table (2^m, 2) the caller owns into its first half (a view): the
    kernels read entries i and half + i before writing entry i."""
    out = t[: t.shape[0] // 2]
    ext_kernel(t, r[0], r[1], out)
    return out


def _coeff_fold(c, r):
    out = np.empty((c.shape[0] // 2, 2), dtype=np.uint64)
    if c.ndim == 1:
        K.coeff_fold_base(c, r[0], r[1], out)
    else:
        K.coeff_fold_ext(c, r[0], r[1], out)
    return out


def _reduce_prove(pds, claim_lists, gam, n, transcript):
    """Step 2 of :func:`open_many` (prover): the claim-reduction sumcheck; returns the
    messages (n, 2, 2), the point r (n, 2) and u_j = F_j(r_tail) (J, 2)."""
    J = len(pds)
    fs, ws, sig_j, cj = [], [], [], []
    at = 0
    for pd, cl in zip(pds, claim_lists):
        w, s = _weight_table(cl, gam[at : at + len(cl)], pd.log_sizes, pd.offsets, pd.n)
        at += len(cl)
        fs.append(pd.evals)
        ws.append(w)
        sig_j.append(s)
        cj.append(_ONE.copy())
    sigma = _ZERO.copy()
    for s in sig_j:
        sigma = _eadd(sigma, s)
    msgs, point = np.zeros((n, 2, 2), dtype=np.uint64), np.zeros((n, 2), dtype=np.uint64)
    for rnd in range(n):
        c0, c2 = _ZERO.copy(), _ZERO.copy()
        for j in range(J):
            if rnd < n - pds[j].n:  # h_j(X) = c_j (1 - X) <F_j, W_j>
                c0 = _eadd(c0, _emul(cj[j], sig_j[j]))
            else:
                f, w = fs[j], ws[j]
                a0, a1, b0, b1 = K.sumcheck_coeffs_base(f, w) if f.ndim == 1 else K.sumcheck_coeffs_ext(f, w)
                c0 = _eadd(c0, _emul(cj[j], np.array([a0, a1], dtype=np.uint64)))
                c2 = _eadd(c2, _emul(cj[j], np.array([b0, b1], dtype=np.uint64)))
        msgs[rnd] = np.stack([c0, c2])
        transcript.absorb_ext("pcs/reduce", msgs[rnd])
        r = transcript.challenge_ext("pcs/reduce_r")
        sigma = _sumcheck_next(sigma, msgs[rnd], r)
        point[rnd] = r
        for j in range(J):
            if rnd < n - pds[j].n:
                cj[j] = _emul(cj[j], FF.ext_sub(_ONE, r))
            else:
                fs[j] = ML.fold(fs[j], r)
                ws[j] = ML.fold(ws[j], r)
    u = np.stack([f[0] if f.ndim == 2 else np.array([f[0], 0], dtype=np.uint64) for f in fs])
    transcript.absorb_ext("pcs/reduced", u)
    return msgs, point, u


def _combined(pds, mu_pows, n):
    """Evaluation and coefficient tables of G = sum_j mu^j F_j' (extension, 2^n each)."""
    ev = np.zeros((1 << n, 2), dtype=np.uint64)
    co = np.zeros((1 << n, 2), dtype=np.uint64)
    for pd, g in zip(pds, mu_pows):
        size = 1 << pd.n
        K.add_scaled_base(co[:size], pd.coeffs, g[0], g[1])
        for rep in range(1 << (n - pd.n)):  # F_j' ignores the first d_j variables: F_j tiled
            K.add_scaled_base(ev[rep * size : (rep + 1) * size], pd.evals, g[0], g[1])
    return ev, co


def _tree_positions(qs, log_l, k, pd_n, log_inv_rate, k_j):
    """Iteration-0 query q of the combined oracle reads F_j^ at index e = (q + s R) mod |L_j|
    of L_j for s < 2^k (R = |L| / 2^k): leaf e mod R_j, slot e div R_j of tree j.
    Returns (sorted unique leaves, leaf position (t, 2^k) in that list, slots (t, 2^k))."""
    R = 1 << (log_l - k)
    log_lj = pd_n + log_inv_rate
    Rj = 1 << (log_lj - k_j)
    e = (qs[:, None] + np.arange(1 << k, dtype=np.int64)[None, :] * R) & ((1 << log_lj) - 1)
    leaves = e & (Rj - 1)
    slots = e >> (log_lj - k_j)
    uniq, pos = sorted_unique(leaves, return_inverse=True)
    return uniq, pos, slots


def _combined_fibers(openings, positions, mu_pows) -> np.ndarray:
    """G^ on the fibers of the queries, as extension rows (t, 2^(k+1)) for fold_fibers."""
    t, width = positions[0][0].shape
    out = np.zeros((t, width, 2), dtype=np.uint64)
    for (rows, _), (pos, slots), g in zip(openings, positions, mu_pows):
        vals = np.ascontiguousarray(rows[pos, slots], dtype=np.uint64)  # (t, 2^k) base
        K.add_scaled_base(out.reshape(-1, 2), vals.reshape(-1), g[0], g[1])
    return out.reshape(t, 2 * width)


def open(params: PcsParams, prover_data: ProverData, claims, transcript) -> PcsProof:  # noqa: A001
    """Prove all claims (poly index, point, value) against the commitment in ``prover_data``.

    The caller has absorbed the commitment (:meth:`Commitment.absorb_into`) before forming the
    claims; ``transcript`` must be in the same state as the verifier's.
    """
    return open_many(params, [(prover_data, claims)], transcript)


def open_many(params: PcsParams, items, transcript) -> PcsProof:
    """One proof for the claims on several commitments: ``items`` = [(prover_data, claims)],
    all made with ``params``; the caller has absorbed every commitment first."""
    if not items:
        raise PcsError("nothing to open")
    pds = [pd for pd, _ in items]
    claim_lists = [_check_claims(cl, pd.log_sizes) for pd, cl in items]
    n = max(pd.n for pd in pds)
    ks = params.folding_schedule(n)
    rs = params.log_inv_rates(n)
    gam = _absorb_claims(transcript, claim_lists)
    proof = PcsProof()
    if len(pds) == 1:
        pd = pds[0]
        w, sigma = _weight_table(claim_lists[0], gam, pd.log_sizes, pd.offsets, n)
        f, coeffs = pd.evals, pd.coeffs
        mu_pows = _ONE.reshape(1, 2)
    else:
        msgs, r, u = _reduce_prove(pds, claim_lists, gam, n, transcript)
        proof.reduce_sumcheck, proof.reduced_evals = msgs, u
        m = transcript.challenge_ext("pcs/mu")
        mu_pows = K.ext_powers(m[0], m[1], len(pds), 0)
        sigma = np.array(K.ext_dot(mu_pows, u), dtype=np.uint64)
        w = ML.eq_table(r)
        f, coeffs = _combined(pds, mu_pows, n)
    owned = len(pds) > 1  # f and coeffs built above; one commitment opens its own tables
    rows = tree = None
    log_l = n + rs[0]
    for i, k in enumerate(ks):
        last = i == len(ks) - 1
        msgs, alphas = [], []
        for _ in range(k):
            msg, r, sigma = _sumcheck_round(f, w, sigma, transcript)
            msgs.append(msg)
            alphas.append(r)
            if owned:  # tables made for this opening: fold into their own first half
                f = _fold_in_place(f, r, ML.fold_ext_kernel)
                coeffs = _fold_in_place(coeffs, r, K.coeff_fold_ext)
            else:  # the commitment's own tables (reused by later proofs): fold into new ones
                f = ML.fold(f, r)
                coeffs = _coeff_fold(coeffs, r)
                owned = True
            w = _fold_in_place(w, r, ML.fold_ext_kernel)
        alphas = np.array(alphas, dtype=np.uint64).reshape(k, 2)
        root, ood_z, ood_y = None, np.zeros((0, 2), np.uint64), np.zeros((0, 2), np.uint64)
        if not last:
            new_rows = encode_rows(coeffs, rs[i + 1], ks[i + 1])
            new_tree = MerkleTree.build(new_rows, check_canonical=False)
            root = new_tree.root
            transcript.absorb_digest("pcs/root", root)
            if params.ood_samples:
                ood_z = transcript.challenge_ext_vec("pcs/ood", params.ood_samples)
                ood_y = np.empty_like(ood_z)
                K.coeff_eval_pow_many(coeffs, ood_z, ood_y)
                transcript.absorb_ext("pcs/ood_answers", ood_y)
        else:
            transcript.absorb_ext("pcs/final", coeffs)
        nonce = transcript.grind(params.grinding_at(i))
        qs = sorted_unique(transcript.challenge_indices("pcs/queries", params.queries_at(i), 1 << (log_l - k)))
        if i == 0:
            openings, positions = [], []
            for pd in pds:
                uniq, pos, slots = _tree_positions(qs, log_l, k, pd.n, rs[0], pd.rows.shape[1].bit_length() - 1)
                openings.append((pd.rows[uniq], pd.tree.open(uniq).nodes))
                positions.append((pos, slots))
            opened, sib = openings[0]
            batch = openings[1:]
            fibers = opened if len(pds) == 1 else _combined_fibers(openings, positions, mu_pows)
        else:
            opened, sib, batch = rows[qs], tree.open(qs).nodes, []
            fibers = opened
        proof.iterations.append(IterationProof(np.stack(msgs) if msgs else np.zeros((0, 2, 2), np.uint64),
                                               root, ood_y, nonce, opened, sib, batch))
        if not last:
            m_next = n - sum(ks[: i + 1])  # variables of f_(i+1), committed on 2^(m_next + r_(i+1))
            ys = _fold_values(fibers, i > 0 or len(pds) > 1, qs, alphas, log_l, k)
            zq = _query_points(qs, log_l, k)
            g = transcript.challenge_ext("pcs/combine")
            cf = K.ext_powers(g[0], g[1], ood_z.shape[0] + qs.shape[0], 1)
            sigma = _eadd(sigma, np.array(K.ext_dot(cf, np.concatenate([ood_y, ys])), dtype=np.uint64))
            for j in range(ood_z.shape[0]):
                pt = _pow_point(ood_z[j], m_next)
                K.add_scaled_ext(w, ML.eq_table(pt), cf[j][0], cf[j][1])
            K.add_eq_pow_base(w, np.ascontiguousarray(zq[:, 0]), np.ascontiguousarray(cf[ood_z.shape[0]:]))
            rows, tree, log_l = new_rows, new_tree, m_next + rs[i + 1]
    proof.final_poly = coeffs
    fmsgs = []
    for _ in range(f.shape[0].bit_length() - 1):
        msg, r, sigma = _sumcheck_round(f, w, sigma, transcript)
        fmsgs.append(msg)
        f = ML.fold(f, r)
        w = ML.fold(w, r)
    proof.final_sumcheck = np.stack(fmsgs) if fmsgs else np.zeros((0, 2, 2), np.uint64)
    return proof


def _pow_point(z, m) -> np.ndarray:
    """(z, z^2, ..., z^(2^(m-1))) as an (m, 2) extension point."""
    out = np.empty((m, 2), dtype=np.uint64)
    x = np.asarray(z, dtype=np.uint64)
    for l in range(m):
        out[l] = x
        x = _emul(x, x)
    return out


# ---------------------------------------------------------------- verify


def verify(params: PcsParams, commitment: Commitment, claims, proof, transcript) -> bool:
    """Check ``proof`` for ``claims`` against ``commitment``; raise :class:`PcsError` if not.

    ``proof`` may be a :class:`PcsProof` or its bytes. Returns True on success.
    """
    return verify_many(params, [(commitment, claims)], proof, transcript)


def verify_many(params: PcsParams, items, proof, transcript) -> bool:
    """Check a proof of :func:`open_many` for ``items`` = [(commitment, claims)]; raise
    :class:`PcsError` if it fails. Returns True on success."""
    if isinstance(proof, (bytes, bytearray, memoryview)):
        proof = PcsProof.from_bytes(bytes(proof))
    try:
        return _verify(params, items, proof, transcript)
    except PcsError:
        raise
    except (ValueError, TypeError, IndexError, AttributeError) as e:  # malformed proof object
        raise PcsError(f"malformed PCS proof: {e}") from e


def _verify(params, items, proof, transcript) -> bool:
    if not items:
        raise PcsError("nothing to verify")
    J = len(items)
    log_sizes = [tuple(cm.log_sizes) for cm, _ in items]
    claim_lists = [_check_claims(cl, ls) for (_, cl), ls in zip(items, log_sizes)]
    layouts = [stack_layout(ls, params.min_vars) for ls in log_sizes]
    n = max(nj for nj, _ in layouts)
    ks = params.folding_schedule(n)
    rs = params.log_inv_rates(n)
    m_final = n - sum(ks)
    if len(proof.iterations) != len(ks):
        raise PcsError("wrong number of iterations")
    gam = _absorb_claims(transcript, claim_lists)
    red = np.asarray(proof.reduce_sumcheck)
    red_u = np.asarray(proof.reduced_evals)
    if J == 1:
        if red.size or red_u.size:
            raise PcsError("unexpected claim reduction")
        sigma = _ZERO.copy()
        for c, g in zip(claim_lists[0], gam):
            sigma = _eadd(sigma, _emul(g, c.value))
        mu_pows = _ONE.reshape(1, 2)
    else:
        if red.shape != (n, 2, 2) or red_u.shape != (J, 2):
            raise PcsError("wrong claim reduction shape")
        sigma = _ZERO.copy()
        for c, g in zip((c for cl in claim_lists for c in cl), gam):
            sigma = _eadd(sigma, _emul(g, c.value))
        r = np.zeros((n, 2), dtype=np.uint64)
        for rnd in range(n):
            transcript.absorb_ext("pcs/reduce", red[rnd])
            r[rnd] = transcript.challenge_ext("pcs/reduce_r")
            sigma = _sumcheck_next(sigma, red[rnd], r[rnd])
        expect, at = _ZERO.copy(), 0
        for j, (cl, ls, (nj, offs)) in enumerate(zip(claim_lists, log_sizes, layouts)):
            d = n - nj
            wj = _weight_at(cl, gam[at : at + len(cl)], ls, offs, nj, r[d:])
            at += len(cl)
            head = _ONE.copy()
            for l in range(d):
                head = _emul(head, FF.ext_sub(_ONE, r[l]))
            expect = _eadd(expect, _emul(red_u[j], _emul(head, wj)))
        if not np.array_equal(sigma, expect):
            raise PcsError("claim reduction does not match the claims")
        transcript.absorb_ext("pcs/reduced", red_u)
        m = transcript.challenge_ext("pcs/mu")
        mu_pows = K.ext_powers(m[0], m[1], J, 0)
        sigma = np.array(K.ext_dot(mu_pows, red_u), dtype=np.uint64)
    root = None
    log_l = n + rs[0]
    alphas_all = []
    weight_terms = []  # (points (q, 2) ext, coefficients (q, 2), number of trailing variables)
    for i, k in enumerate(ks):
        it = proof.iterations[i]
        last = i == len(ks) - 1
        sc = np.asarray(it.sumcheck)
        if sc.shape != (k, 2, 2):
            raise PcsError(f"iteration {i}: wrong sumcheck length")
        alphas = []
        for s in range(k):
            transcript.absorb_ext("pcs/sumcheck", sc[s])
            a = transcript.challenge_ext("pcs/fold")
            sigma = _sumcheck_next(sigma, sc[s], a)
            alphas.append(a)
        alphas = np.array(alphas, dtype=np.uint64).reshape(k, 2)
        alphas_all.extend(alphas)
        ood_z = np.zeros((0, 2), dtype=np.uint64)
        if not last:
            if it.root is None or len(it.root) != 32:
                raise PcsError("missing root")
            transcript.absorb_digest("pcs/root", it.root)
            if params.ood_samples:
                ood_z = transcript.challenge_ext_vec("pcs/ood", params.ood_samples)
                if np.asarray(it.ood_answers).shape != (params.ood_samples, 2):
                    raise PcsError("wrong number of OOD answers")
                transcript.absorb_ext("pcs/ood_answers", it.ood_answers)
            elif np.asarray(it.ood_answers).size:
                raise PcsError("unexpected OOD answers")
        else:
            fp = np.asarray(proof.final_poly)
            if fp.shape != (1 << m_final, 2):
                raise PcsError("wrong final polynomial size")
            transcript.absorb_ext("pcs/final", fp)
        if not transcript.check_pow(params.grinding_at(i), it.nonce):
            raise PcsError(f"iteration {i}: proof of work fails")
        qs = sorted_unique(transcript.challenge_indices("pcs/queries", params.queries_at(i), 1 << (log_l - k)))
        if i == 0:
            openings = [(it.leaves, it.siblings)] + list(it.batch)
            if len(openings) != J:
                raise PcsError("wrong number of opened commitments")
            positions = []
            for (cm, _), (nj, _), (leaves, sib) in zip(items, layouts, openings):
                kj = params.folding_schedule(nj)[0]
                uniq, pos, slots = _tree_positions(qs, log_l, k, nj, rs[0], kj)
                leaves = np.asarray(leaves)
                if leaves.shape != (uniq.shape[0], 1 << kj):
                    raise PcsError("iteration 0: wrong opened leaves shape")
                if not verify_multiproof(bytes(cm.root), nj + rs[0] - kj, uniq, leaves, MultiProof(sib)):
                    raise PcsError("iteration 0: Merkle proof fails")
                positions.append((pos, slots))
            fibers = np.ascontiguousarray(openings[0][0]) if J == 1 else _combined_fibers(openings, positions, mu_pows)
        else:
            if it.batch:
                raise PcsError(f"iteration {i}: unexpected batch openings")
            leaves = np.asarray(it.leaves)
            if leaves.shape != (qs.shape[0], 2 << k):
                raise PcsError(f"iteration {i}: wrong opened leaves shape")
            if not verify_multiproof(root, log_l - k, qs, leaves, MultiProof(it.siblings)):
                raise PcsError(f"iteration {i}: Merkle proof fails")
            fibers = np.ascontiguousarray(leaves)
        ys = _fold_values(fibers, i > 0 or J > 1, qs, alphas, log_l, k)
        zq = _query_points(qs, log_l, k)
        if not last:
            g = transcript.challenge_ext("pcs/combine")
            cf = K.ext_powers(g[0], g[1], ood_z.shape[0] + qs.shape[0], 1)
            vals = np.concatenate([np.asarray(it.ood_answers, dtype=np.uint64).reshape(-1, 2), ys])
            sigma = _eadd(sigma, np.array(K.ext_dot(cf, vals), dtype=np.uint64))
            m_next = n - sum(ks[: i + 1])
            weight_terms.append((np.concatenate([ood_z, zq]), cf, m_next))
            root = it.root
            log_l = m_next + rs[i + 1]
        else:
            expect = np.empty_like(ys)
            K.coeff_eval_pow_many(np.ascontiguousarray(proof.final_poly, dtype=np.uint64), zq, expect)
            if not np.array_equal(expect, ys):
                raise PcsError("final polynomial does not match the last oracle")
    fs = np.asarray(proof.final_sumcheck)
    if fs.shape != (m_final, 2, 2):
        raise PcsError("wrong final sumcheck length")
    tail = []
    for s in range(m_final):
        transcript.absorb_ext("pcs/sumcheck", fs[s])
        a = transcript.challenge_ext("pcs/fold")
        sigma = _sumcheck_next(sigma, fs[s], a)
        tail.append(a)
    alphas_all = np.array(alphas_all + tail, dtype=np.uint64).reshape(n, 2)
    fval = np.array(K.coeff_eval(np.ascontiguousarray(proof.final_poly, dtype=np.uint64), alphas_all[n - m_final :]), dtype=np.uint64)
    if J == 1:
        ls, (nj, offs) = log_sizes[0], layouts[0]
        wval = _weight_at(claim_lists[0], gam, ls, offs, n, alphas_all)
    else:
        wval = np.array(K.eq_ext_eval(r, alphas_all), dtype=np.uint64)
    for pts, cf, m in weight_terms:
        s = K.eq_pow_sum(pts, cf, np.ascontiguousarray(alphas_all[n - m :]))
        wval = _eadd(wval, np.array(s, dtype=np.uint64))
    if not np.array_equal(sigma, _emul(fval, wval)):
        raise PcsError("final sumcheck claim does not match")
    return True
