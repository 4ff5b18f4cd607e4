"""Interactive oracle proofs: sumcheck, fractional-sum GKR, LogUp lookups and range checks.

Every protocol takes the transcript explicitly and turns claims into claims: the verifier
returns (point, value) pairs on tables it cannot evaluate itself, for a commitment to check.
"""
