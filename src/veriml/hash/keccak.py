"""Ethereum Keccak-256 (the original Keccak submission, as used by the EVM).

Keccak-256 is the sponge over Keccak-f[1600] with rate 1088 bits (136 bytes) and
capacity 512 bits, padded with the multi-rate rule ``pad10*1``: append the byte
``0x01``, zero bytes, and set the top bit of the last byte of the block (``0x80``).
It is *not* FIPS-202 SHA3-256, whose padding starts with ``0x06``.

Three implementations with the same answers:

* :func:`keccak256_ref` -- a plain, readable pure-Python reference. The round
  constants and rotation offsets are derived from their definitions in the Keccak
  reference (FIPS 202 section 3.2: the ``rc`` LFSR and the ``(t+1)(t+2)/2`` walk),
  not copied from a table, and checked against the tables the fast kernel uses.
* :func:`keccak256_batch` -- a numba kernel hashing ``n`` equal-length messages.
* :func:`keccak256` -- one message through pycryptodome's C ``keccak_oneshot`` (~1 us per
  short message; falls back to pycryptodome's public API if its internals change).

The numba permutation :func:`keccak_f1600_x4` runs four independent states at once
(interleaved, so LLVM turns it into AVX2 code); each state is 25 little-endian 64-bit lanes,
lane ``x + 5*y`` holding state bytes ``8*(x+5*y) .. 8*(x+5*y)+7``. Other kernels (Merkle
trees, grinding) build their lanes directly and call :func:`keccak_f1600_x4` themselves.
"""

from __future__ import annotations

import os

import numpy as np
from veriml.jit import kernel, parallel_pays, prange

__all__ = [
    "RATE_BYTES",
    "ROUND_CONSTANTS",
    "ROTATION_OFFSETS",
    "keccak_f1600_ref",
    "keccak256_ref",
    "keccak256",
    "keccak256_batch",
    "keccak_f1600_x4",
    "bswap64",
    "digests_to_lanes",
    "lanes_to_digests",
]

RATE_BYTES = 136  # 1088-bit rate of Keccak-256
RATE_LANES = RATE_BYTES // 8
_MASK64 = (1 << 64) - 1
PARALLEL_THRESHOLD = 1 << 12  # below this many messages, run the serial kernel
_BYTE_S = 3e-9  # seconds per byte hashed, serial


# --------------------------------------------------------------------------
# Readable reference (pure Python)
# --------------------------------------------------------------------------


def _rc_bit(t: int) -> int:
    """Output bit ``rc(t)`` of the degree-8 LFSR x^8 + x^6 + x^5 + x^4 + 1 (FIPS 202, Alg. 5)."""
    if t % 255 == 0:
        return 1
    r = 0x01  # bit i of r is R[i]
    for _ in range(t % 255):
        r <<= 1
        if r & 0x100:
            r ^= 0x171  # x^8 = x^6 + x^5 + x^4 + 1
    return r & 1


def _derive_round_constants() -> list[int]:
    """RC[i] has bit 2^j - 1 equal to rc(j + 7 i), for j = 0..6 (FIPS 202, Alg. 6)."""
    out = []
    for i in range(24):
        rc = 0
        for j in range(7):
            rc |= _rc_bit(j + 7 * i) << ((1 << j) - 1)
        out.append(rc)
    return out


def _derive_rotation_offsets() -> list[int]:
    """rho offsets: walk (x, y) -> (y, 2x + 3y) from (1, 0); step t gets (t+1)(t+2)/2 mod 64."""
    offsets = [0] * 25
    x, y = 1, 0
    for t in range(24):
        offsets[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


_REF_RC = _derive_round_constants()
_REF_ROT = _derive_rotation_offsets()


def _rotl_ref(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _MASK64 if n else v


def keccak_f1600_ref(lanes: list[int]) -> list[int]:
    """Keccak-f[1600] on 25 lanes ``A[x + 5*y]`` (readable reference, returns a new list).

    Each of the 24 rounds applies theta, rho, pi, chi and iota (FIPS 202, section 3.2).
    """
    a = list(lanes)
    for rnd in range(24):
        # theta: xor each lane with the parities of two neighbouring columns
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl_ref(c[(x + 1) % 5], 1) for x in range(5)]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        # rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl_ref(a[x + 5 * y], _REF_ROT[x + 5 * y])
        # chi: A[x, y] = B[x, y] ^ (~B[x+1, y] & B[x+2, y])
        for x in range(5):
            for y in range(5):
                a[x + 5 * y] = b[x + 5 * y] ^ (
                    (~b[(x + 1) % 5 + 5 * y] & _MASK64) & b[(x + 2) % 5 + 5 * y]
                )
        # iota
        a[0] ^= _REF_RC[rnd]
    return a


def keccak256_ref(data: bytes) -> bytes:
    """Keccak-256 of ``data`` (readable reference; slow, for tests and documentation)."""
    msg = bytearray(data)
    # pad10*1 with the Keccak (not SHA-3) domain byte 0x01
    pad_len = RATE_BYTES - (len(msg) % RATE_BYTES)
    pad = bytearray(pad_len)
    pad[0] ^= 0x01
    pad[-1] ^= 0x80
    msg += pad
    state = [0] * 25
    for off in range(0, len(msg), RATE_BYTES):
        block = msg[off : off + RATE_BYTES]
        for i in range(RATE_LANES):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        state = keccak_f1600_ref(state)
    return b"".join(state[i].to_bytes(8, "little") for i in range(4))


def _keccak256_pycryptodome(data: bytes) -> bytes:
    from Crypto.Hash import keccak as _pycryptodome_keccak  # the public API (the fallback)

    return _pycryptodome_keccak.new(digest_bits=256, data=bytes(data)).digest()


def _load_oneshot():
    """pycryptodome's compiled Keccak core (``Crypto/Hash/_keccak.<ext>``) opened with ctypes.

    Importing ``Crypto.Hash.keccak`` would also import pycryptodome's library loader
    (ctypes.util, subprocess, locale, ...) into every prove and verify process, for one
    small shared library. Returns its ``keccak_oneshot`` or None.
    """
    import ctypes
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("Crypto")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        for ext in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(base, "Hash", "_keccak" + ext)
            if os.path.isfile(path):
                fn = ctypes.CDLL(path).keccak_oneshot
                # (in, in_len, out, out_len, capacity_bytes, rounds, padding) -> error code
                fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.c_size_t, ctypes.c_uint8, ctypes.c_uint8]
                fn.restype = ctypes.c_int
                return fn
    return None


class _OneShot:
    """pycryptodome's C ``keccak_oneshot`` into a fresh 32-byte buffer per call (thread-safe):
    the public ``keccak.new(...).digest()`` spends most of its time per short message on
    Python-side object set-up."""

    def __init__(self):
        import ctypes

        self.buffer = ctypes.create_string_buffer

    def __call__(self, data: bytes) -> bytes:
        out = self.buffer(32)
        if _lib(data, len(data), out, 32, 64, 24, 1):  # capacity 512 bits, 24 rounds, pad 0x01
            raise RuntimeError("keccak_oneshot failed")
        return out.raw


try:
    _lib = _load_oneshot()
    _raw = _OneShot() if _lib is not None else None
    if _raw is not None and _raw(b"") != bytes.fromhex(
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"):
        raise RuntimeError("raw Keccak self-test failed")
except Exception:  # noqa: BLE001 - a pycryptodome without this library: use the public API
    _raw = None


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of one message (pycryptodome's C core; about a microsecond per short call)."""
    if _raw is not None:
        return _raw(data if type(data) is bytes else bytes(data))
    return _keccak256_pycryptodome(data)


# --------------------------------------------------------------------------
# Fast kernels (numba)
# --------------------------------------------------------------------------

# Tables used by the kernels; tests check them against the derivations above.
ROUND_CONSTANTS = np.array(
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ],
    dtype=np.uint64,
)  # fmt: skip
ROTATION_OFFSETS = (
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
)  # fmt: skip

_RC = ROUND_CONSTANTS
_U64 = np.uint64(64)
_BYTE = np.uint64(0xFF)
_M8 = np.uint64(0x00FF00FF00FF00FF)
_M16 = np.uint64(0x0000FFFF0000FFFF)


@kernel
def _rotl(x, n):
    return (x << n) | (x >> (_U64 - n))


@kernel
def bswap64(x):
    """Reverse the byte order of a uint64 (big-endian <-> little-endian lane)."""
    x = ((x & _M8) << np.uint64(8)) | ((x >> np.uint64(8)) & _M8)
    x = ((x & _M16) << np.uint64(16)) | ((x >> np.uint64(16)) & _M16)
    return (x << np.uint64(32)) | (x >> np.uint64(32))


@kernel
def keccak_f1600_x4(s):
    """Keccak-f[1600] in place on four interleaved states: lane ``j`` of state ``k`` is ``s[4*j + k]``.

    ``s`` is a (100,) uint64 array. The same rounds as :func:`keccak_f1600_ref`, with theta,
    rho, pi and chi unrolled over named lanes (generated mechanically from the reference
    indices: ``b[y + 5*((2x+3y) % 5)] = rotl(a[x+5y] ^ d[x], ROTATION_OFFSETS[x+5y])``).
    The inner loop over the four states has stride-1 loads and stores, so LLVM vectorises it
    into 256-bit AVX2 operations: about 2.9x the throughput of the same code on one state
    (measured 122 ns against 354 ns per permutation on the 2.45 GHz EPYC dev machine).
    """
    for rnd in range(24):
        rc = _RC[rnd]
        for k in range(4):
            a0 = s[0 + k]
            a1 = s[4 + k]
            a2 = s[8 + k]
            a3 = s[12 + k]
            a4 = s[16 + k]
            a5 = s[20 + k]
            a6 = s[24 + k]
            a7 = s[28 + k]
            a8 = s[32 + k]
            a9 = s[36 + k]
            a10 = s[40 + k]
            a11 = s[44 + k]
            a12 = s[48 + k]
            a13 = s[52 + k]
            a14 = s[56 + k]
            a15 = s[60 + k]
            a16 = s[64 + k]
            a17 = s[68 + k]
            a18 = s[72 + k]
            a19 = s[76 + k]
            a20 = s[80 + k]
            a21 = s[84 + k]
            a22 = s[88 + k]
            a23 = s[92 + k]
            a24 = s[96 + k]
            c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
            c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
            c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
            c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
            c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
            d0 = c4 ^ _rotl(c1, np.uint64(1))
            d1 = c0 ^ _rotl(c2, np.uint64(1))
            d2 = c1 ^ _rotl(c3, np.uint64(1))
            d3 = c2 ^ _rotl(c4, np.uint64(1))
            d4 = c3 ^ _rotl(c0, np.uint64(1))
            b0 = a0 ^ d0
            b10 = _rotl(a1 ^ d1, np.uint64(1))
            b20 = _rotl(a2 ^ d2, np.uint64(62))
            b5 = _rotl(a3 ^ d3, np.uint64(28))
            b15 = _rotl(a4 ^ d4, np.uint64(27))
            b16 = _rotl(a5 ^ d0, np.uint64(36))
            b1 = _rotl(a6 ^ d1, np.uint64(44))
            b11 = _rotl(a7 ^ d2, np.uint64(6))
            b21 = _rotl(a8 ^ d3, np.uint64(55))
            b6 = _rotl(a9 ^ d4, np.uint64(20))
            b7 = _rotl(a10 ^ d0, np.uint64(3))
            b17 = _rotl(a11 ^ d1, np.uint64(10))
            b2 = _rotl(a12 ^ d2, np.uint64(43))
            b12 = _rotl(a13 ^ d3, np.uint64(25))
            b22 = _rotl(a14 ^ d4, np.uint64(39))
            b23 = _rotl(a15 ^ d0, np.uint64(41))
            b8 = _rotl(a16 ^ d1, np.uint64(45))
            b18 = _rotl(a17 ^ d2, np.uint64(15))
            b3 = _rotl(a18 ^ d3, np.uint64(21))
            b13 = _rotl(a19 ^ d4, np.uint64(8))
            b14 = _rotl(a20 ^ d0, np.uint64(18))
            b24 = _rotl(a21 ^ d1, np.uint64(2))
            b9 = _rotl(a22 ^ d2, np.uint64(61))
            b19 = _rotl(a23 ^ d3, np.uint64(56))
            b4 = _rotl(a24 ^ d4, np.uint64(14))
            a0 = b0 ^ (~b1 & b2)
            a1 = b1 ^ (~b2 & b3)
            a2 = b2 ^ (~b3 & b4)
            a3 = b3 ^ (~b4 & b0)
            a4 = b4 ^ (~b0 & b1)
            a5 = b5 ^ (~b6 & b7)
            a6 = b6 ^ (~b7 & b8)
            a7 = b7 ^ (~b8 & b9)
            a8 = b8 ^ (~b9 & b5)
            a9 = b9 ^ (~b5 & b6)
            a10 = b10 ^ (~b11 & b12)
            a11 = b11 ^ (~b12 & b13)
            a12 = b12 ^ (~b13 & b14)
            a13 = b13 ^ (~b14 & b10)
            a14 = b14 ^ (~b10 & b11)
            a15 = b15 ^ (~b16 & b17)
            a16 = b16 ^ (~b17 & b18)
            a17 = b17 ^ (~b18 & b19)
            a18 = b18 ^ (~b19 & b15)
            a19 = b19 ^ (~b15 & b16)
            a20 = b20 ^ (~b21 & b22)
            a21 = b21 ^ (~b22 & b23)
            a22 = b22 ^ (~b23 & b24)
            a23 = b23 ^ (~b24 & b20)
            a24 = b24 ^ (~b20 & b21)
            a0 ^= rc
            s[0 + k] = a0
            s[4 + k] = a1
            s[8 + k] = a2
            s[12 + k] = a3
            s[16 + k] = a4
            s[20 + k] = a5
            s[24 + k] = a6
            s[28 + k] = a7
            s[32 + k] = a8
            s[36 + k] = a9
            s[40 + k] = a10
            s[44 + k] = a11
            s[48 + k] = a12
            s[52 + k] = a13
            s[56 + k] = a14
            s[60 + k] = a15
            s[64 + k] = a16
            s[68 + k] = a17
            s[72 + k] = a18
            s[76 + k] = a19
            s[80 + k] = a20
            s[84 + k] = a21
            s[88 + k] = a22
            s[92 + k] = a23
            s[96 + k] = a24


@kernel
def _absorb_byte_rows_x4(msgs, rows, s, block):
    """Keccak-256 of msgs[rows[k]] for k = 0..3 into the interleaved state ``s`` (zeroed here)."""
    s[:] = 0
    length = msgs.shape[1]
    n_full = length // RATE_BYTES
    for blk in range(n_full + 1):
        base = blk * RATE_BYTES
        for k in range(4):
            block[:] = 0
            if blk < n_full:
                for t in range(RATE_BYTES):
                    block[t] = msgs[rows[k], base + t]
            else:  # last (possibly empty) partial block, padded with 0x01 ... 0x80
                rem = length - base
                for t in range(rem):
                    block[t] = msgs[rows[k], base + t]
                block[rem] ^= np.uint8(0x01)
                block[RATE_BYTES - 1] ^= np.uint8(0x80)
            for j in range(RATE_LANES):
                lane = np.uint64(0)
                for t in range(8):
                    lane |= np.uint64(block[8 * j + t]) << np.uint64(8 * t)
                s[4 * j + k] ^= lane
        keccak_f1600_x4(s)


@kernel
def _keccak256_rows(msgs, out, lo, hi):
    """out[i] = keccak256(msgs[i]) for lo <= i < hi, four rows per permutation call."""
    s = np.zeros(100, dtype=np.uint64)
    block = np.zeros(RATE_BYTES, dtype=np.uint8)
    rows = np.zeros(4, dtype=np.int64)
    for i in range(lo, hi, 4):
        for k in range(4):
            rows[k] = min(i + k, hi - 1)  # a short last group repeats its last row
        _absorb_byte_rows_x4(msgs, rows, s, block)
        for k in range(min(4, hi - i)):
            for j in range(4):
                lane = s[4 * j + k]
                for t in range(8):
                    out[i + k, 8 * j + t] = np.uint8((lane >> np.uint64(8 * t)) & _BYTE)


@kernel(parallel=True)
def _keccak256_rows_par(msgs, out, chunk):
    n = msgs.shape[0]
    n_chunks = (n + chunk - 1) // chunk
    for c in prange(n_chunks):
        _keccak256_rows(msgs, out, c * chunk, min(n, (c + 1) * chunk))


def keccak256_batch(msgs: np.ndarray) -> np.ndarray:
    """Keccak-256 of each row of an (n, L) uint8 array; returns (n, 32) uint8 digests.

    All messages have the same length ``L`` (any ``L >= 0``; multi-block absorb).
    Runs in parallel over rows when ``n >= PARALLEL_THRESHOLD``.
    """
    msgs = np.ascontiguousarray(msgs)
    if msgs.ndim != 2 or msgs.dtype != np.uint8:
        raise ValueError("keccak256_batch expects an (n, L) uint8 array")
    n = msgs.shape[0]
    out = np.empty((n, 32), dtype=np.uint8)
    if n >= PARALLEL_THRESHOLD and parallel_pays(_BYTE_S * (msgs.nbytes + 136 * n)):
        _keccak256_rows_par(msgs, out, 1024)
    elif n:
        _keccak256_rows(msgs, out, 0, n)
    return out


def digests_to_lanes(digests: np.ndarray) -> np.ndarray:
    """(n, 32) uint8 digests -> (n, 4) uint64 little-endian lanes (the kernels' layout)."""
    d = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, 32)
    return d.view("<u8").astype(np.uint64).reshape(-1, 4)


def lanes_to_digests(lanes: np.ndarray) -> np.ndarray:
    """(n, 4) uint64 lanes -> (n, 32) uint8 digests (inverse of :func:`digests_to_lanes`)."""
    lane_arr = np.ascontiguousarray(lanes, dtype=np.uint64).reshape(-1, 4)
    return lane_arr.astype("<u8").view(np.uint8).reshape(-1, 32)
