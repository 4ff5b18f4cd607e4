"""Range checks x in [0, 2^k) by LogUp-GKR lookups into the public table [0, 2^min(k,16)).

k <= 16: one lookup of x into [0, 2^k).

k > 16: x = sum_{l<L} 2^(16 l) limb_l with L = ceil(k / 16) limbs; every limb is looked up
in [0, 2^16), and when the top limb has r = k - 16(L-1) < 16 bits it is looked up a second
time scaled by 2^(16-r): limb < 2^16 and 2^(16-r) limb < 2^16 (as integers, no wrap since
2^(32-r) < p) together mean limb < 2^r. All limb claims come at one point rho, so the
caller checks x(rho) = sum_l 2^(16 l) limb_l(rho) against its own opening of x; then
x < 2^k as an integer (k <= 63 keeps the sum below p).

The limbs (like x) must be committed, and their commitment absorbed, before proving.
"""

from __future__ import annotations

import numpy as np

from ..errors import ProofError
from . import ext as E
from . import logup as LU

LIMB_BITS = 16


def num_limbs(bits: int) -> int:
    if not 1 <= bits <= 63:
        raise ValueError("range checks of 1..63 bits")
    return 1 if bits <= LIMB_BITS else -(-bits // LIMB_BITS)


def decompose(x, bits: int) -> np.ndarray:
    """(L, N) uint64 limbs of x (least significant first); L = 1 (x itself) when bits <= 16."""
    x = np.asarray(x, dtype=np.uint64)
    L = num_limbs(bits)
    if L == 1:
        return x[None, :].copy()
    mask = np.uint64((1 << LIMB_BITS) - 1)
    return np.stack([(x >> np.uint64(LIMB_BITS * l)) & mask for l in range(L)])


def recompose(limb_values) -> E.Ext:
    """sum_l 2^(16 l) limb_l for extension values (the check the caller makes on claims)."""
    return E.total(E.scale(E.ext(v), 1 << (LIMB_BITS * l)) for l, v in enumerate(limb_values))


def _setup(num_rows: int, bits: int):
    L = num_limbs(bits)
    if L == 1:
        return LU.range_table(bits), [(0,)], [1]
    groups, scales = [(l,) for l in range(L)], [1] * L
    top = bits - LIMB_BITS * (L - 1)
    if top < LIMB_BITS:
        groups.append((L - 1,))
        scales.append(1 << (LIMB_BITS - top))
    return LU.range_table(LIMB_BITS), groups, scales


def shape(num_rows: int, bits: int) -> LU.LookupShape:
    table, groups, scales = _setup(num_rows, bits)
    return LU.LookupShape.make(num_rows, num_limbs(bits), groups, table, scales=scales)


def multiplicities(limbs, bits: int) -> np.ndarray:
    limbs = np.asarray(limbs, dtype=np.uint64)
    table, groups, scales = _setup(limbs.shape[1], bits)
    return LU.multiplicities(list(limbs), groups, table, scales)


def prove(limbs, bits: int, m, transcript, *, reference: bool = False):
    """Prove every row of ``limbs`` (from :func:`decompose`) is in range; returns
    (proof, claims) with ``claims.witness_evals[l]`` = limb_l(rho)."""
    limbs = np.asarray(limbs, dtype=np.uint64)
    if limbs.ndim != 2 or limbs.shape[0] != num_limbs(bits):
        raise ValueError(f"expected {num_limbs(bits)} limb rows")
    table, groups, scales = _setup(limbs.shape[1], bits)
    return LU.prove(list(limbs), groups, table, m, transcript, scales=scales, reference=reference)


def verify(proof: LU.LogupProof, num_rows: int, bits: int, transcript) -> LU.LookupClaims:
    """Verify; the caller still checks the limb claims (and x(rho) = recompose(limbs))."""
    if num_rows < 1:
        raise ProofError("empty range check")
    return LU.verify(proof, shape(num_rows, bits), transcript)
