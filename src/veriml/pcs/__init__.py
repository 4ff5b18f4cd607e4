"""Transparent multilinear polynomial commitment: WHIR over Goldilocks^2 with Keccak-256.

Usage::

    params = PcsParams.default()
    commitment, prover_data = commit(params, [table_a, table_b])
    commitment.absorb_into(transcript)            # caller, before forming claims
    claims = [(0, point_a, value_a), (1, point_b, value_b)]
    proof = open(params, prover_data, claims, transcript)
    verify(params, commitment, claims, proof, verifier_transcript)  # True, or PcsError

See :mod:`veriml.pcs.whir` for the protocol and :mod:`veriml.security` / docs/SECURITY.md
for the parameters and their soundness.
"""

from ..security import PcsParams
from .proof import Claim, Commitment, PcsError, PcsProof
from .whir import ProverData, commit, open, open_many, verify, verify_many  # noqa: A004

__all__ = ["PcsParams", "Claim", "Commitment", "PcsError", "PcsProof", "ProverData", "commit", "open", "open_many", "verify", "verify_many"]
