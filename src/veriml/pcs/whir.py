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
2. Not last: the prover commits to f_(i+1)^ on L_(i+1) = L_i^2 (rate drops by 2^(k_i - 1)),
   answers w out-of-domain samples y = f_(i+1)^(z). Last: it sends f_M's coefficients.
3. Proof of work (``grinding_bits``), then t_i query indices q in L_i^(2^k_i); the verifier
   opens the fibers, computes Fold(f_i, alpha)(z_q) itself (:func:`kernels.fold_fibers`).
4. Not last: with fresh gamma_i, sigma += sum_j gamma_i^(j+1) y_j and
   W <- W(alpha, .) + sum_j gamma_i^(j+1) eq(pow(z_j), .) over OOD and shift points.
   Last: the verifier checks the folds against f_M^(z_q) directly.

Finally m_M sumcheck rounds on f_M * W, and the verifier checks
``sigma == f_M(alpha_tail) * W(alpha)`` where it evaluates W(alpha) itself: every term of W is
an eq against a known point (claims, OOD and shift points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ntt as N
from ..field import fast as FF
from ..hash.merkle import MerkleTree, MultiProof, verify_multiproof
from ..poly import multilinear as ML
from ..security import PcsParams
from . import kernels as K
from .proof import Claim, Commitment, IterationProof, PcsError, PcsProof

__all__ = ["commit", "open", "verify", "ProverData", "stack_layout", "encode_rows"]

P = N.P
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
    tw = N.twiddles(log_l)
    comps = [coeffs] if coeffs.ndim == 1 else [coeffs[:, 0], coeffs[:, 1]]
    outs = []
    for c in comps:
        x = np.repeat(np.ascontiguousarray(c), 1 << log_inv_rate)
        N.dit_stages(x, tw, log_inv_rate)
        outs.append(x)
    n_rows = (1 << log_l) >> k
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
    return np.array(FF.emul(np.uint64(a[0]), np.uint64(a[1]), np.uint64(b[0]), np.uint64(b[1])), dtype=np.uint64)


def _eadd(a, b):
    return FF.ext_add(a, b)


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
        if bool((c.point >= np.uint64(P)).any()) or bool((c.value >= np.uint64(P)).any()):
            raise PcsError("non-canonical claim")
        out.append(c)
    if not out:
        raise PcsError("no claims")
    return out


def _absorb_claims(transcript, claims: list[Claim]) -> np.ndarray:
    """Absorb the claims; return the batching coefficients gamma^j (c, 2)."""
    transcript.absorb_field("pcs/claim_polys", np.array([c.poly for c in claims], dtype=np.uint64))
    pts = [c.point for c in claims if c.point.shape[0]]
    if pts:
        transcript.absorb_ext("pcs/claim_points", np.concatenate(pts))
    transcript.absorb_ext("pcs/claim_values", np.stack([c.value for c in claims]))
    if len(claims) == 1:
        return _ONE.reshape(1, 2).copy()
    g = transcript.challenge_ext("pcs/batch")
    return K.ext_powers(g[0], g[1], len(claims), 0)


def _prefix_bits(offset: int, m: int, n: int) -> list[int]:
    block = offset >> m
    return [(block >> (n - m - 1 - l)) & 1 for l in range(n - m)]


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


def _coeff_fold(c, r):
    out = np.empty((c.shape[0] // 2, 2), dtype=np.uint64)
    if c.ndim == 1:
        K.coeff_fold_base(c, r[0], r[1], out)
    else:
        K.coeff_fold_ext(c, r[0], r[1], out)
    return out


def open(params: PcsParams, prover_data: ProverData, claims, transcript) -> PcsProof:  # noqa: A001
    """Prove all claims (poly index, point, value) against the commitment in ``prover_data``.

    The caller has absorbed the commitment (:meth:`Commitment.absorb_into`) before forming the
    claims; ``transcript`` must be in the same state as the verifier's.
    """
    pd = prover_data
    claims = _check_claims(claims, pd.log_sizes)
    n = pd.n
    ks = params.folding_schedule(n)
    rs = params.log_inv_rates(n)
    gam = _absorb_claims(transcript, claims)
    w = np.zeros((1 << n, 2), dtype=np.uint64)
    sigma = _ZERO.copy()
    for c, g in zip(claims, gam):
        m = pd.log_sizes[c.poly]
        o = pd.offsets[c.poly]
        eq = ML.eq_table(c.point) if m else _ONE.reshape(1, 2)
        if len(claims) == 1:  # gamma^0 = 1 and w is still zero
            w[o : o + (1 << m)] = eq
        else:
            w[o : o + (1 << m)] = FF.ext_add(w[o : o + (1 << m)], FF.ext_mul(eq, g[None, :]))
        sigma = _eadd(sigma, _emul(g, c.value))
    f, coeffs, rows, tree = pd.evals, pd.coeffs, pd.rows, pd.tree
    log_l = n + rs[0]
    proof = PcsProof()
    for i, k in enumerate(ks):
        last = i == len(ks) - 1
        msgs, alphas = [], []
        for _ in range(k):
            msg, r, sigma = _sumcheck_round(f, w, sigma, transcript)
            msgs.append(msg)
            alphas.append(r)
            f = ML.fold(f, r)
            w = ML.fold(w, r)
            coeffs = _coeff_fold(coeffs, r)
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
        qs = np.unique(transcript.challenge_indices("pcs/queries", params.queries_at(i), 1 << (log_l - k)))
        opened = rows[qs]
        sib = tree.open(qs).nodes
        proof.iterations.append(IterationProof(np.stack(msgs) if msgs else np.zeros((0, 2, 2), np.uint64),
                                               root, ood_y, nonce, opened, sib))
        if not last:
            ys = _fold_values(opened, i > 0, qs, alphas, log_l, k)
            zq = _query_points(qs, log_l, k)
            g = transcript.challenge_ext("pcs/combine")
            cf = K.ext_powers(g[0], g[1], ood_z.shape[0] + qs.shape[0], 1)
            sigma = _eadd(sigma, np.array(K.ext_dot(cf, np.concatenate([ood_y, ys])), dtype=np.uint64))
            for j in range(ood_z.shape[0]):
                pt = _pow_point(ood_z[j], log_l - 1 - rs[i + 1])
                w = FF.ext_add(w, FF.ext_mul(ML.eq_table(pt), cf[j][None, :]))
            _add_eq_pow(w, np.ascontiguousarray(zq[:, 0]), np.ascontiguousarray(cf[ood_z.shape[0]:]))
            rows, tree, log_l = new_rows, new_tree, log_l - 1
    proof.final_poly = coeffs
    fmsgs = []
    for _ in range(f.shape[0].bit_length() - 1):
        msg, r, sigma = _sumcheck_round(f, w, sigma, transcript)
        fmsgs.append(msg)
        f = ML.fold(f, r)
        w = ML.fold(w, r)
    proof.final_sumcheck = np.stack(fmsgs) if fmsgs else np.zeros((0, 2, 2), np.uint64)
    return proof


SPLIT_THRESHOLD = 1 << 12


def _add_eq_pow(w, zs, coeffs):
    """w += sum_j coeffs[j] eq(pow(zs[j]), .) (base zs); split/parallel kernel for large w."""
    if w.shape[0] >= SPLIT_THRESHOLD:
        K.add_eq_pow_base_split(w, zs, coeffs)
    else:
        K.add_eq_pow_base(w, zs, coeffs)


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
    if isinstance(proof, (bytes, bytearray, memoryview)):
        proof = PcsProof.from_bytes(bytes(proof))
    try:
        return _verify(params, commitment, claims, proof, transcript)
    except PcsError:
        raise
    except (ValueError, TypeError, IndexError, AttributeError) as e:  # malformed proof object
        raise PcsError(f"malformed PCS proof: {e}") from e


def _verify(params, commitment, claims, proof, transcript) -> bool:
    log_sizes = tuple(commitment.log_sizes)
    claims = _check_claims(claims, log_sizes)
    n, offsets = stack_layout(log_sizes, params.min_vars)
    ks = params.folding_schedule(n)
    rs = params.log_inv_rates(n)
    m_final = n - sum(ks)
    if len(proof.iterations) != len(ks):
        raise PcsError("wrong number of iterations")
    gam = _absorb_claims(transcript, claims)
    sigma = _ZERO.copy()
    for c, g in zip(claims, gam):
        sigma = _eadd(sigma, _emul(g, c.value))
    root = bytes(commitment.root)
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
            r = transcript.challenge_ext("pcs/fold")
            sigma = _sumcheck_next(sigma, sc[s], r)
            alphas.append(r)
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
        qs = np.unique(transcript.challenge_indices("pcs/queries", params.queries_at(i), 1 << (log_l - k)))
        width = (1 << k) * (2 if i > 0 else 1)
        leaves = np.asarray(it.leaves)
        if leaves.shape != (qs.shape[0], width):
            raise PcsError(f"iteration {i}: wrong opened leaves shape")
        if not verify_multiproof(root, log_l - k, qs, leaves, MultiProof(it.siblings)):
            raise PcsError(f"iteration {i}: Merkle proof fails")
        ys = _fold_values(np.ascontiguousarray(leaves), i > 0, qs, alphas, log_l, k)
        zq = _query_points(qs, log_l, k)
        if not last:
            g = transcript.challenge_ext("pcs/combine")
            cf = K.ext_powers(g[0], g[1], ood_z.shape[0] + qs.shape[0], 1)
            vals = np.concatenate([np.asarray(it.ood_answers, dtype=np.uint64).reshape(-1, 2), ys])
            sigma = _eadd(sigma, np.array(K.ext_dot(cf, vals), dtype=np.uint64))
            weight_terms.append((np.concatenate([ood_z, zq]), cf, log_l - 1 - rs[i + 1]))
            root = it.root
            log_l -= 1
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
        r = transcript.challenge_ext("pcs/fold")
        sigma = _sumcheck_next(sigma, fs[s], r)
        tail.append(r)
    alphas_all = np.array(alphas_all + tail, dtype=np.uint64).reshape(n, 2)
    fval = np.array(K.coeff_eval(np.ascontiguousarray(proof.final_poly, dtype=np.uint64), alphas_all[n - m_final :]), dtype=np.uint64)
    wval = _ZERO.copy()
    for c, g in zip(claims, gam):
        m = log_sizes[c.poly]
        e = _ONE.copy()
        for l, bit in enumerate(_prefix_bits(offsets[c.poly], m, n)):
            e = _emul(e, alphas_all[l] if bit else FF.ext_sub(_ONE, alphas_all[l]))
        if m:
            e = _emul(e, ML.eq_eval(c.point, alphas_all[n - m :]))
        wval = _eadd(wval, _emul(g, e))
    for pts, cf, m in weight_terms:
        s = K.eq_pow_sum(pts, cf, np.ascontiguousarray(alphas_all[n - m :]))
        wval = _eadd(wval, np.array(s, dtype=np.uint64))
    if not np.array_equal(sigma, _emul(fval, wval)):
        raise PcsError("final sumcheck claim does not match")
    return True

