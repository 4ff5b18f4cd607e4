"""Fiat-Shamir transcript over Keccak-256, built to be replayed cheaply by a Solidity verifier.

The whole transcript is one 32-byte state ``s``; every operation is one or a few Keccak-256
calls over short, fixed-layout messages. ``be32``/``be64`` are big-endian unsigned integers,
``||`` is concatenation, ``H`` is Keccak-256. See ``docs/TRANSCRIPT.md`` for the full spec.

* init:    ``s = H("veriml.transcript.v1" || protocol_label)``
* absorb:  ``s = H(s || tag || be32(len(label)) || label || be32(len(data)) || data)``
  with tag 0x01 bytes, 0x02 base-field elements (be64 each), 0x03 extension elements
  (be64(c0) || be64(c1) each), 0x04 a 32-byte digest, 0x05 a proof-of-work nonce.
* squeeze k values: ``r = H(s || tag || be32(len(label)) || label || be32(k) || be32(param))``
  with tag 0x11 base, 0x12 extension, 0x13 indices (param = log2 of the domain size, else 0).
  k = 1: the output is ``r`` read as a big-endian uint256 ``x``, and ``s = r`` (one hash per
  single challenge). k != 1: output ``i`` is ``H(r || be32(i + 1))``, then ``s = H(r || be32(0))``.
  Base: ``x mod p``; extension: ``((x >> 128) mod p, (x mod 2^128) mod p)`` (bias below 2^-64);
  index: ``x mod domain_size`` (its low bits).
* grinding: the nonce is the smallest ``n`` with ``H(s || "pow" || be64(n))`` starting with
  ``bits`` zero bits; then absorb(tag 0x05, label "pow", data ``u8(bits) || be64(n)``).

The preimages of the different operations never coincide: absorb and squeeze-request
messages carry a tag byte at offset 32 (0x01-0x05, 0x11-0x13), the proof-of-work message has
``'p'`` = 0x70 there, and squeeze outputs and the state update hash exactly 36 bytes, shorter
than any other message. (A single challenge equal to the next state is the usual hash-chain
Fiat-Shamir: every later value is a fresh random-oracle output on a message containing it.) Every method is deterministic; prover and verifier use the same class.
"""

from __future__ import annotations

import numpy as np
from veriml.jit import kernel, parallel_pays, prange

from veriml.codec import canonical_u64
from veriml.hash.keccak import bswap64, keccak256, keccak_f1600_x4

__all__ = ["Transcript", "GOLDILOCKS_P", "DOMAIN_PREFIX"]

GOLDILOCKS_P = 0xFFFFFFFF00000001
DOMAIN_PREFIX = b"veriml.transcript.v1"

TAG_BYTES = 0x01
TAG_FIELD = 0x02
TAG_EXT = 0x03
TAG_DIGEST = 0x04
TAG_POW = 0x05
TAG_CHALLENGE_BASE = 0x11
TAG_CHALLENGE_EXT = 0x12
TAG_CHALLENGE_INDICES = 0x13

_P_U64 = np.uint64(GOLDILOCKS_P)
_MASK128 = (1 << 128) - 1
_POW_LANE4 = np.uint64(0x776F70)  # bytes 'p' 'o' 'w' at message offsets 32, 33, 34
_PAD_FIRST_AT_43 = np.uint64(0x01 << 24)  # pad byte 0x01 at offset 43 = byte 3 of lane 5
_PAD_LAST = np.uint64(0x8000000000000000)
_GRIND_SERIAL = 1 << 12  # nonces tried serially before switching to the parallel search
_HASH_S = 9e-8  # seconds per pow hash, serial (an 18-bit grind: ~2^18 hashes, ~23 ms)
_GRIND_MIN_LOG_BATCH = 14  # log2 of the nonces per parallel batch, at least ...
_GRIND_MAX_LOG_BATCH = 20  # ... and at most


def _label_bytes(label) -> bytes:
    b = label.encode("utf-8") if isinstance(label, str) else bytes(label)
    if len(b) >= 1 << 32:
        raise ValueError("label too long")
    return b


def _be32(x: int) -> bytes:
    return int(x).to_bytes(4, "big")


# --------------------------------------------------------------------------
# grinding kernels: message = s (32 bytes) || "pow" || be64(nonce), 43 bytes, one block
# --------------------------------------------------------------------------


@kernel
def _pow_group(s_lanes, nonce0, bits, st):
    """Hash nonces nonce0..nonce0+3; return the first (smallest) that passes, or -1."""
    st[:] = 0
    for k in range(4):
        nb = bswap64(np.uint64(nonce0 + k))  # little-endian lane of be64(nonce)
        for j in range(4):
            st[4 * j + k] = s_lanes[j]
        st[16 + k] = _POW_LANE4 | (nb << np.uint64(24))
        st[20 + k] = (nb >> np.uint64(40)) | _PAD_FIRST_AT_43
        st[64 + k] = _PAD_LAST
    keccak_f1600_x4(st)
    shift = np.uint64(64 - bits)
    for k in range(4):
        if bits == 0 or (bswap64(st[k]) >> shift) == np.uint64(0):
            return nonce0 + k
    return -1


@kernel
def _grind_serial(s_lanes, start, count, bits):
    st = np.zeros(100, dtype=np.uint64)
    for base in range(start, start + count, 4):
        hit = _pow_group(s_lanes, base, bits, st)
        if hit >= 0:
            return hit
    return -1


@kernel(parallel=True)
def _grind_parallel(s_lanes, start, n_chunks, chunk, bits):
    found = np.full(n_chunks, -1, dtype=np.int64)
    for c in prange(n_chunks):
        found[c] = _grind_serial(s_lanes, start + np.int64(c) * chunk, chunk, bits)
    for c in range(n_chunks):  # the lowest chunk with a hit holds the smallest nonce
        if found[c] >= 0:
            return found[c]
    return -1


def pow_hash(state: bytes, nonce: int) -> bytes:
    """``keccak256(state || "pow" || be64(nonce))``."""
    return keccak256(state + b"pow" + int(nonce).to_bytes(8, "big"))


def _leading_zero_bits(digest: bytes) -> int:
    v = int.from_bytes(digest, "big")
    return 256 - v.bit_length()


# --------------------------------------------------------------------------
# transcript
# --------------------------------------------------------------------------


class Transcript:
    """Keccak-256 Fiat-Shamir transcript (layout in the module docstring and docs/TRANSCRIPT.md).

    Parameters
    ----------
    protocol_label : str or bytes
        Names the protocol instance; different labels give independent transcripts.
    """

    def __init__(self, protocol_label: str | bytes):
        self._state = keccak256(DOMAIN_PREFIX + _label_bytes(protocol_label))

    @property
    def state(self) -> bytes:
        """The current 32-byte state ``s``."""
        return self._state

    def copy(self) -> "Transcript":
        t = Transcript.__new__(Transcript)
        t._state = self._state
        return t

    # ---- absorbing -------------------------------------------------------

    def _absorb(self, tag: int, label, data: bytes) -> None:
        lab = _label_bytes(label)
        if len(data) >= 1 << 32:
            raise ValueError("absorbed data too long")
        self._state = keccak256(
            self._state + bytes([tag]) + _be32(len(lab)) + lab + _be32(len(data)) + data
        )

    def absorb_bytes(self, label, data: bytes) -> None:
        """Absorb raw bytes (tag 0x01)."""
        self._absorb(TAG_BYTES, label, bytes(data))

    def absorb_field(self, label, values) -> None:
        """Absorb canonical base-field elements (tag 0x02), each as 8 big-endian bytes."""
        arr = canonical_u64(values, "absorb_field").reshape(-1)
        self._absorb(TAG_FIELD, label, arr.astype(">u8").tobytes())

    def absorb_ext(self, label, values) -> None:
        """Absorb extension elements given as (k, 2) (c0, c1) pairs (tag 0x03): be64(c0) || be64(c1)."""
        if type(values) is np.ndarray and values.dtype == np.uint64 and values.size:
            arr = values  # the common case, checked with one reduction
            if int(arr.max()) >= GOLDILOCKS_P:
                raise ValueError("absorb_ext: non-canonical field element (>= p)")
        else:
            arr = canonical_u64(values, "absorb_ext")
        if arr.ndim == 0 or arr.shape[-1] != 2:
            raise ValueError("absorb_ext expects an array of shape (..., 2)")
        self._absorb(TAG_EXT, label, arr.reshape(-1).astype(">u8").tobytes())

    def absorb_digest(self, label, digest: bytes) -> None:
        """Absorb a 32-byte digest, e.g. a Merkle root (tag 0x04)."""
        d = bytes(digest)
        if len(d) != 32:
            raise ValueError("a digest is exactly 32 bytes")
        self._absorb(TAG_DIGEST, label, d)

    # ---- squeezing -------------------------------------------------------

    def _squeeze(self, tag: int, label, count: int, param: int) -> list[int]:
        if not 0 <= count < (1 << 32) - 1:
            raise ValueError("count out of range")
        lab = _label_bytes(label)
        r = keccak256(
            self._state + bytes([tag]) + _be32(len(lab)) + lab + _be32(count) + _be32(param)
        )
        if count == 1:
            self._state = r
            return [int.from_bytes(r, "big")]
        out = [int.from_bytes(keccak256(r + _be32(i + 1)), "big") for i in range(count)]
        self._state = keccak256(r + _be32(0))
        return out

    def challenge_base(self, label) -> np.uint64:
        """One base-field challenge: ``x mod p``."""
        return self.challenge_base_vec(label, 1)[0]

    def challenge_base_vec(self, label, k: int) -> np.ndarray:
        """``k`` base-field challenges as a (k,) uint64 array (tag 0x11)."""
        xs = self._squeeze(TAG_CHALLENGE_BASE, label, k, 0)
        return np.array([x % GOLDILOCKS_P for x in xs], dtype=np.uint64)

    def challenge_ext(self, label) -> np.ndarray:
        """One extension-field challenge as a (2,) uint64 array (c0, c1)."""
        return self.challenge_ext_vec(label, 1)[0]

    def challenge_ext_vec(self, label, k: int) -> np.ndarray:
        """``k`` extension challenges (tag 0x12) as a (k, 2) uint64 array.

        ``c0 = (x >> 128) mod p`` and ``c1 = (x mod 2^128) mod p``.
        """
        xs = self._squeeze(TAG_CHALLENGE_EXT, label, k, 0)
        return np.array([[(x >> 128) % GOLDILOCKS_P, (x & _MASK128) % GOLDILOCKS_P] for x in xs],
                        dtype=np.uint64).reshape(k, 2)

    def challenge_indices(self, label, count: int, domain_size: int) -> np.ndarray:
        """``count`` uniform indices in ``[0, domain_size)`` (tag 0x13); may repeat.

        ``domain_size`` must be a power of two (at most 2^62); each index is the low
        ``log2(domain_size)`` bits of one squeezed uint256.
        """
        if domain_size < 1 or domain_size & (domain_size - 1) or domain_size > 1 << 62:
            raise ValueError("domain_size must be a power of two in [1, 2^62]")
        log_d = domain_size.bit_length() - 1
        xs = self._squeeze(TAG_CHALLENGE_INDICES, label, count, log_d)
        return np.array([x & (domain_size - 1) for x in xs], dtype=np.int64)

    # ---- proof of work ---------------------------------------------------

    def _absorb_pow(self, bits: int, nonce: int) -> None:
        self._absorb(TAG_POW, b"pow", bytes([bits]) + int(nonce).to_bytes(8, "big"))

    def grind(self, bits: int) -> int:
        """Find the smallest nonce whose pow hash has ``bits`` leading zero bits; absorb it.

        Searches ``H(s || "pow" || be64(nonce))`` for nonce = 0, 1, 2, ... with a numba
        kernel (four hashes per AVX2 permutation, parallel batches above 4096 nonces when
        :func:`veriml.jit.parallel_pays`).
        """
        if not 0 <= bits <= 64:
            raise ValueError("bits must be in [0, 64]")
        s_lanes = np.frombuffer(self._state, dtype="<u8").astype(np.uint64)
        nonce = _grind_serial(s_lanes, 0, _GRIND_SERIAL, bits)
        start = _GRIND_SERIAL
        # batches of a quarter of the expected work 2^bits (clamped), in 16 parallel work
        # items: every chunk runs to its end, so smaller batches waste less past the hit
        batch = 1 << min(max(bits - 2, _GRIND_MIN_LOG_BATCH), _GRIND_MAX_LOG_BATCH)
        parallel = nonce < 0 and parallel_pays(_HASH_S * 2.0**bits)
        while nonce < 0:
            if start > (1 << 63) - batch:
                raise RuntimeError("grinding exhausted the nonce space")
            if parallel:
                nonce = _grind_parallel(s_lanes, start, 16, batch // 16, bits)
            else:
                nonce = _grind_serial(s_lanes, start, batch, bits)
            start += batch
        nonce = int(nonce)
        self._absorb_pow(bits, nonce)
        return nonce

    def check_pow(self, bits: int, nonce: int) -> bool:
        """Verifier side of :meth:`grind`: check the nonce, then absorb it.

        Returns False, leaving the state unchanged, if the nonce does not give ``bits``
        leading zero bits (any nonce that does is accepted, not only the smallest).
        """
        if not 0 <= bits <= 64 or not 0 <= int(nonce) < 1 << 64:
            return False
        if _leading_zero_bits(pow_hash(self._state, nonce)) < bits:
            return False
        self._absorb_pow(bits, int(nonce))
        return True
