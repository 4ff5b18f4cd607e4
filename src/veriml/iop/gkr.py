"""GKR for a binary tree of fractions (LogUp-GKR, Papini-Haböck, ePrint 2023/1284, §3).

Layer n holds the leaves (p_i, q_i), i in {0,1}^n; layer k < n holds

    p_k(b) = p_{k+1}(0, b) q_{k+1}(1, b) + p_{k+1}(1, b) q_{k+1}(0, b),
    q_k(b) = q_{k+1}(0, b) q_{k+1}(1, b),                         b in {0,1}^k,

pairing the two halves of the table (x_0 = MSB). The root (p_0, q_0) is the projective
sum of all fractions: if q_0 != 0 then every q_i != 0 and p_0 / q_0 = sum_i p_i / q_i.

Layer reduction (§3.1). Given claims (P, Q) = (p_k(rho), q_k(rho)), the verifier squeezes
lambda and runs one sumcheck of degree 3 over k variables:

    P + lambda Q = sum_b eq(rho, b) [p0 q1 + p1 q0 + lambda q0 q1](b),
    p0 = p_{k+1}(0, .), p1 = p_{k+1}(1, .), q0 = q_{k+1}(0, .), q1 = q_{k+1}(1, .).

It ends with claims p0(r), p1(r), q0(r), q1(r); the verifier squeezes mu and moves to
layer k+1 at rho' = (mu, r) with P' = p0(r) + mu (p1(r) - p0(r)), Q' likewise, since a
multilinear p_{k+1}(X, r) is linear in X.

Soundness error of the whole tree: sum over layers of [sumcheck: 3k/|F| + lambda: 1/|F|
+ mu: 1/|F|] <= (3 n(n-1)/2 + 2n) / p^2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import ProofError
from . import ext as E
from . import fs
from . import kernels as K
from . import sumcheck as SC
from ..codec import CodecError, Reader, Writer

# tables of a layer sumcheck: 0 = p0, 1 = p1, 2 = q0, 3 = q1
_P0, _P1, _Q0, _Q1 = 0, 1, 2, 3


def layer_terms(lam: E.Ext):
    """p0 q1 + p1 q0 + lambda q0 q1."""
    return [(E.ONE, (_P0, _Q1)), (E.ONE, (_P1, _Q0)), (lam, (_Q0, _Q1))]


@dataclass(frozen=True, eq=False)
class GkrProof:
    """layers[k]: the sumcheck proof reducing layer k to layer k+1 (k variables)."""

    layers: tuple

    def write(self, w: Writer) -> None:
        w.u32(len(self.layers))
        for layer in self.layers:
            layer.write(w)

    @classmethod
    def read(cls, r: Reader) -> "GkrProof":
        n = r.u32()
        if n > 64:
            raise CodecError("GKR proof with more than 64 layers")
        return cls(tuple(SC.SumcheckProof.read(r) for _ in range(n)))


class LeafClaim(NamedTuple):
    point: list  # n coordinates (Ext)
    p: E.Ext
    q: E.Ext


def build_tree(p_leaves: np.ndarray, q_leaves: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """All layers [(p_k, q_k)] for k = 0 .. n (extension tables; layer 0 is the root)."""
    p = SC._ext_ref(np.ascontiguousarray(p_leaves, dtype=np.uint64))
    q = SC._ext_ref(np.ascontiguousarray(q_leaves, dtype=np.uint64))
    layers = [(p, q)]
    while p.shape[0] > 1:
        p, q = K.frac_layer(p, q)
        layers.append((p, q))
    return layers[::-1]


def prove(layers, transcript, *, reference: bool = False) -> tuple[GkrProof, LeafClaim]:
    """Reduce the root claim (the caller has absorbed it) to a claim on the leaves."""
    prover = SC.prove_ref if reference else SC.prove
    n = len(layers) - 1
    p_root, q_root = layers[0]
    P, Q = E.ext(p_root[0]), E.ext(q_root[0])
    rho: list = []
    proofs = []
    for k in range(n):
        lam = fs.challenge(transcript, "gkr/lambda")
        p, q = layers[k + 1]
        h = p.shape[0] // 2
        out = prover([p[:h], p[h:], q[:h], q[h:]], layer_terms(lam), transcript,
                     eq_point=E.to_array(rho) if rho else np.zeros((0, 2), dtype=np.uint64),
                     claim=E.add(P, E.mul(lam, Q)))
        proofs.append(out.proof)
        v = E.from_array(out.evals)
        mu = fs.challenge(transcript, "gkr/mu")
        P = E.add(v[_P0], E.mul(mu, E.sub(v[_P1], v[_P0])))
        Q = E.add(v[_Q0], E.mul(mu, E.sub(v[_Q1], v[_Q0])))
        rho = [mu] + E.from_array(out.point)
    return GkrProof(tuple(proofs)), LeafClaim(rho, P, Q)


def verify(proof: GkrProof, root: tuple[E.Ext, E.Ext], num_vars: int, transcript) -> LeafClaim:
    """Check the layer reductions from ``root`` = (p_0, q_0); return the leaf claim."""
    if len(proof.layers) != num_vars:
        raise ProofError(f"GKR proof has {len(proof.layers)} layers, expected {num_vars}")
    P, Q = root
    rho: list = []
    for k in range(num_vars):
        lam = fs.challenge(transcript, "gkr/lambda")
        point, evals = SC.verify(proof.layers[k], E.add(P, E.mul(lam, Q)), layer_terms(lam), k, 4,
                                 transcript, eq_point=E.to_array(rho) if rho else np.zeros((0, 2), dtype=np.uint64))
        v = E.from_array(evals)
        mu = fs.challenge(transcript, "gkr/mu")
        P = E.add(v[_P0], E.mul(mu, E.sub(v[_P1], v[_P0])))
        Q = E.add(v[_Q0], E.mul(mu, E.sub(v[_Q1], v[_Q0])))
        rho = [mu] + E.from_array(point)
    return LeafClaim(rho, P, Q)


# ---------------------------------------------------------------- batched trees
#
# Several fraction trees (of any depths n_j) proven together, layer by layer from the roots:
# at layer k every instance with n_j > k joins ONE sumcheck over k variables, so round
# messages are shared and only the final evaluations are per instance. With A active
# instances (claims (P_a, Q_a) at the common point rho) the verifier squeezes lambda and the
# layer statement is
#
#     sum_a lambda^(2a) P_a + lambda^(2a+1) Q_a
#         = sum_b eq(rho, b) sum_a [lambda^(2a) (p0 q1 + p1 q0) + lambda^(2a+1) q0 q1]_a(b).
#
# Round messages (Gruen, ePrint 2024/108 §3): round i's polynomial is
# s_i(X) = eq(rho_<i, r_<i) eq(rho_i, X) t_i(X) with t_i of degree 2, so the prover sends only
# t_i(0) and t_i(2). The verifier keeps the claim divided by eq(rho_<i, r_<i),
# c_i = (1 - rho_i) t_i(0) + rho_i t_i(1), recovers t_i(1) = (c_i - (1 - rho_i) t_i(0)) / rho_i,
# and sets c_(i+1) = t_i(r_i); after the last round c_k must equal the combination of the
# final values (the eq factor cancels). rho_i = 0 (probability 1/|F|) is rejected.
# Then mu gives rho' = (mu, r) for layer k+1, as for one tree. An instance leaves the batch
# with its leaf claim at the layer where it ends.
#
# Soundness error of layer k: (2A - 1)/|F| (lambda batching) + 3k/|F| (sumcheck rounds of
# degree 3) + 1/|F| (mu): over all layers below (2 A_max n + 3 n(n-1)/2)/|F|, n = max n_j.


@dataclass(frozen=True, eq=False)
class BatchGkrProof:
    """Per layer k: ``rounds[k]`` (k, 2, 2) = (t_i(0), t_i(2)) per round, ``finals[k]``
    (A_k, 4, 2) = p0, p1, q0, q1 of each active instance at the round point."""

    rounds: tuple
    finals: tuple

    def write(self, w: Writer) -> None:
        for r, f in zip(self.rounds, self.finals):
            w.ext(np.asarray(r, dtype=np.uint64).reshape(-1, 2))
            w.ext(np.asarray(f, dtype=np.uint64).reshape(-1, 2))

    @classmethod
    def read(cls, r: Reader, depths) -> "BatchGkrProof":
        rounds, finals = [], []
        for k in range(max(depths, default=0)):
            a = sum(1 for d in depths if d > k)
            rounds.append(r.ext(2 * k).reshape(k, 2, 2))
            finals.append(r.ext(4 * a).reshape(a, 4, 2))
        return cls(tuple(rounds), tuple(finals))


def _powers(x: E.Ext, count: int) -> list:
    out = [E.ONE]
    for _ in range(count - 1):
        out.append(E.mul(out[-1], x))
    return out


def _combine_round(coef, acc, k):
    """sum_a coef[2a] num_a(x_k) + coef[2a+1] den_a(x_k) from the kernel output (A, 2, 2, 2)."""
    s0 = s1 = 0
    for a in range(acc.shape[0]):
        c, d = coef[2 * a], coef[2 * a + 1]
        n0, n1 = int(acc[a, k, 0, 0]), int(acc[a, k, 0, 1])
        e0, e1 = int(acc[a, k, 1, 0]), int(acc[a, k, 1, 1])
        s0 += c[0] * n0 + E.W * c[1] * n1 + d[0] * e0 + E.W * d[1] * e1
        s1 += c[0] * n1 + c[1] * n0 + d[0] * e1 + d[1] * e0
    return (s0 % E.P, s1 % E.P)


def _combine_finals(coef, finals):
    acc = E.ZERO
    for a in range(len(finals)):
        p0, p1, q0, q1 = finals[a]
        acc = E.add(acc, E.mul(coef[2 * a], E.add(E.mul(p0, q1), E.mul(p1, q0))))
        acc = E.add(acc, E.mul(coef[2 * a + 1], E.mul(q0, q1)))
    return acc


def _batch_inv(xs) -> list:
    """1/x for every x (Montgomery's trick, one inversion); a zero raises ProofError (the
    round polynomial cannot be recovered: probability 1/|F| per coordinate)."""
    if not xs:
        return []
    prefix = [E.ONE]
    for x in xs:
        if E.is_zero(x):
            raise ProofError("GKR: degenerate challenge (zero coordinate)")
        prefix.append(E.mul(prefix[-1], x))
    inv = E.inv(prefix[-1])
    out = [None] * len(xs)
    for i in range(len(xs) - 1, -1, -1):
        out[i] = E.mul(inv, prefix[i])
        inv = E.mul(inv, xs[i])
    return out


def _t1(cur, t0, z, zinv):
    """t(1) from c = (1 - z) t(0) + z t(1)."""
    return E.mul(E.sub(cur, E.mul(E.sub(E.ONE, z), t0)), zinv)


def _frac_round_ref(tabs, w):
    """Readable twin of :func:`kernels.frac_round` (field.ref arithmetic)."""
    from ..field import ref as R
    half = tabs.shape[1] // 2
    out = np.zeros((tabs.shape[0] // 4, 2, 2, 2), dtype=np.uint64)
    two = np.array([2, 0], dtype=np.uint64)
    for a in range(tabs.shape[0] // 4):
        lo = [tabs[4 * a + c, :half] for c in range(4)]
        hi = [tabs[4 * a + c, half:] for c in range(4)]
        for k, vals in enumerate((lo, [R.ext_sub(R.ext_mul(h, two[None, :]), l) for l, h in zip(lo, hi)])):
            p0, p1, q0, q1 = vals
            num = R.ext_mul(R.ext_add(R.ext_mul(p0, q1), R.ext_mul(p1, q0)), w)
            den = R.ext_mul(R.ext_mul(q0, q1), w)
            out[a, k, 0] = SC._sum_ref(num)
            out[a, k, 1] = SC._sum_ref(den)
    return out


def prove_batch(trees, transcript, *, reference: bool = False) -> tuple[BatchGkrProof, list]:
    """Reduce the root claims of several trees (each from :func:`build_tree`; the caller has
    absorbed the roots) to one leaf claim per tree, in one batched GKR."""
    from ..poly import multilinear as ML
    depths = [len(t) - 1 for t in trees]
    claims = [(E.ext(t[0][0][0]), E.ext(t[0][1][0])) for t in trees]
    leaves = [LeafClaim([], *claims[j]) if d == 0 else None for j, d in enumerate(depths)]
    rho: list = []
    rounds_all, finals_all = [], []
    round_kernel = _frac_round_ref if reference else K.frac_round
    for k in range(max(depths, default=0)):
        act = [j for j, d in enumerate(depths) if d > k]
        coef = _powers(fs.challenge(transcript, "gkr/lambda"), 2 * len(act))
        cur = E.ZERO
        for a, j in enumerate(act):
            cur = E.add(cur, E.add(E.mul(coef[2 * a], claims[j][0]), E.mul(coef[2 * a + 1], claims[j][1])))
        h = 1 << k
        tabs = np.empty((4 * len(act), h, 2), dtype=np.uint64)
        for a, j in enumerate(act):
            p, q = trees[j][k + 1]
            tabs[4 * a], tabs[4 * a + 1], tabs[4 * a + 2], tabs[4 * a + 3] = p[:h], p[h:], q[:h], q[h:]
        w = ML.eq_table(E.to_array(rho[1:])) if k > 1 else np.array([[1, 0]], dtype=np.uint64)
        msgs, point = np.zeros((k, 2, 2), dtype=np.uint64), []
        zinv = _batch_inv(rho)
        for i in range(k):
            acc = round_kernel(tabs, w)
            t0, t2 = _combine_round(coef, acc, 0), _combine_round(coef, acc, 1)
            z = rho[i]
            t1 = _t1(cur, t0, z, zinv[i])
            msgs[i] = E.to_array([t0, t2])
            fs.absorb_ext(transcript, "gkr/round", msgs[i])
            r = fs.challenge(transcript, "gkr/r")
            cur = E.interpolate([t0, t1, t2], r)
            tabs = K.fold_stack_ext(tabs, np.uint64(r[0]), np.uint64(r[1]))
            if i < k - 1:
                w = K.half_sum(w)
            point.append(r)
        finals = np.ascontiguousarray(tabs[:, 0, :]).reshape(len(act), 4, 2)
        fs.absorb_ext(transcript, "gkr/finals", finals.reshape(-1, 2))
        mu = fs.challenge(transcript, "gkr/mu")
        rho = [mu] + point
        for a, j in enumerate(act):
            p0, p1, q0, q1 = E.from_array(finals[a])
            claims[j] = (E.add(p0, E.mul(mu, E.sub(p1, p0))), E.add(q0, E.mul(mu, E.sub(q1, q0))))
            if depths[j] == k + 1:
                leaves[j] = LeafClaim(list(rho), *claims[j])
        rounds_all.append(msgs)
        finals_all.append(finals)
    return BatchGkrProof(tuple(rounds_all), tuple(finals_all)), leaves


def verify_batch(proof: BatchGkrProof, roots, depths, transcript) -> list:
    """Check a batched GKR from the root claims ``roots`` [(p_0, q_0)] of trees of the given
    depths; return one :class:`LeafClaim` per tree. Raises :class:`ProofError`."""
    depths = [int(d) for d in depths]
    n = max(depths, default=0)
    if len(roots) != len(depths) or len(proof.rounds) != n or len(proof.finals) != n:
        raise ProofError("batched GKR proof has the wrong number of layers")
    claims = [(E.ext(p), E.ext(q)) for p, q in roots]
    leaves = [LeafClaim([], *claims[j]) if d == 0 else None for j, d in enumerate(depths)]
    rho: list = []
    for k in range(n):
        act = [j for j, d in enumerate(depths) if d > k]
        rounds = np.asarray(proof.rounds[k])
        finals = np.asarray(proof.finals[k])
        if rounds.shape != (k, 2, 2) or finals.shape != (len(act), 4, 2):
            raise ProofError(f"batched GKR layer {k} has the wrong shape")
        if rounds.dtype != np.uint64 or finals.dtype != np.uint64 or (rounds >= E.P).any() or (finals >= E.P).any():
            raise ProofError("batched GKR proof has non-canonical field elements")
        coef = _powers(fs.challenge(transcript, "gkr/lambda"), 2 * len(act))
        cur = E.ZERO
        for a, j in enumerate(act):
            cur = E.add(cur, E.add(E.mul(coef[2 * a], claims[j][0]), E.mul(coef[2 * a + 1], claims[j][1])))
        point = []
        zinv = _batch_inv(rho)
        for i in range(k):
            z = rho[i]
            t0, t2 = E.from_array(rounds[i])
            t1 = _t1(cur, t0, z, zinv[i])
            fs.absorb_ext(transcript, "gkr/round", rounds[i])
            r = fs.challenge(transcript, "gkr/r")
            cur = E.interpolate([t0, t1, t2], r)
            point.append(r)
        fv = [E.from_array(finals[a]) for a in range(len(act))]
        if cur != _combine_finals(coef, fv):
            raise ProofError(f"batched GKR layer {k}: final evaluations do not match the last round")
        fs.absorb_ext(transcript, "gkr/finals", finals.reshape(-1, 2))
        mu = fs.challenge(transcript, "gkr/mu")
        rho = [mu] + point
        for a, j in enumerate(act):
            p0, p1, q0, q1 = fv[a]
            claims[j] = (E.add(p0, E.mul(mu, E.sub(p1, p0))), E.add(q0, E.mul(mu, E.sub(q1, q0))))
            if depths[j] == k + 1:
                leaves[j] = LeafClaim(list(rho), *claims[j])
    return leaves
