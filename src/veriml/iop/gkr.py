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
