"""Canonical binary encoding of proof objects.

Every value has exactly one encoding, so no two distinct byte strings decode to the same
proof object:

* integers are fixed-width big-endian: ``u8`` (1 byte), ``u32`` (4), ``u64`` (8);
  ``bool_`` is a ``u8`` that must be 0 or 1;
* a base-field element is a ``u64`` that must be canonical (``< p``);
* an extension element is ``c0`` then ``c1``, both canonical;
* a digest is 32 raw bytes;
* ``bytes_`` is ``u32(length) || bytes``;
* ``vec_*`` is ``u32(count) || items``; plain ``field`` / ``ext`` / ``digests`` without the
  ``vec_`` prefix carry no count: the reader must know it from context;
* :meth:`Reader.finish` rejects trailing bytes.

The :class:`Reader` raises :class:`CodecError` (a ``ValueError``) on truncation, a non-canonical
field element, a bool other than 0/1, a count larger than what remains, and trailing bytes.
The byte layout is specified in ``docs/TRANSCRIPT.md``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CodecError", "Writer", "Reader", "GOLDILOCKS_P", "canonical_u64"]

GOLDILOCKS_P = 0xFFFFFFFF00000001
_P_U64 = np.uint64(GOLDILOCKS_P)
_U32_MAX = (1 << 32) - 1


class CodecError(ValueError):
    """Malformed or non-canonical encoding."""


def canonical_u64(values, what: str = "value") -> np.ndarray:
    """``values`` as a uint64 array, checking every element is a canonical field element.

    Accepts uint64 arrays, any integer array or nested list of Python ints; raises
    ``ValueError`` on a negative or ``>= p`` element and ``TypeError`` on non-integers.
    """
    # lists go through Python ints: numpy would turn [0, 2**64 - 1] into float64
    arr = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    if arr.dtype == object:
        if not all(isinstance(x, (int, np.integer)) for x in arr.reshape(-1)):
            raise TypeError(f"{what} expects integers")
        flat = [int(x) for x in arr.reshape(-1)]
        if any(not 0 <= x < GOLDILOCKS_P for x in flat):
            raise ValueError(f"{what}: non-canonical field element")
        return np.array(flat, dtype=np.uint64).reshape(arr.shape)
    if arr.size == 0:
        return arr.astype(np.uint64)
    if arr.dtype != np.uint64:
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{what} expects integers, got {arr.dtype}")
        if arr.min() < 0:
            raise ValueError(f"{what}: negative value")
        arr = arr.astype(np.uint64)
    if bool((arr >= _P_U64).any()):
        raise ValueError(f"{what}: non-canonical field element (>= p)")
    return arr


def _uint(x: int, nbytes: int) -> bytes:
    x = int(x)
    if not 0 <= x < 1 << (8 * nbytes):
        raise ValueError(f"{x} does not fit in {8 * nbytes} unsigned bits")
    return x.to_bytes(nbytes, "big")


class Writer:
    """Append-only encoder; :meth:`getvalue` returns the bytes written so far."""

    def __init__(self):
        self._parts: list[bytes] = []

    def getvalue(self) -> bytes:
        return b"".join(self._parts)

    # ---- scalars ---------------------------------------------------------

    def u8(self, x: int) -> "Writer":
        self._parts.append(_uint(x, 1))
        return self

    def bool_(self, x: bool) -> "Writer":
        return self.u8(1 if x else 0)

    def u32(self, x: int) -> "Writer":
        self._parts.append(_uint(x, 4))
        return self

    def u64(self, x: int) -> "Writer":
        self._parts.append(_uint(x, 8))
        return self

    def felt(self, x: int) -> "Writer":
        """One canonical base-field element."""
        if not 0 <= int(x) < GOLDILOCKS_P:
            raise ValueError("felt: non-canonical field element")
        return self.u64(x)

    def digest(self, d: bytes) -> "Writer":
        d = bytes(d)
        if len(d) != 32:
            raise ValueError("a digest is exactly 32 bytes")
        self._parts.append(d)
        return self

    def bytes_(self, b: bytes) -> "Writer":
        b = bytes(b)
        self.u32(self._count(len(b)))
        self._parts.append(b)
        return self

    # ---- arrays without a count -------------------------------------------

    def field(self, values) -> "Writer":
        """Canonical base-field elements, 8 big-endian bytes each (no count)."""
        arr = canonical_u64(values, "field").reshape(-1)
        self._parts.append(arr.astype(">u8").tobytes())
        return self

    def ext(self, values) -> "Writer":
        """Extension elements as a (k, 2) array, ``c0 || c1`` each (no count)."""
        arr = canonical_u64(values, "ext")
        if arr.ndim == 0 or arr.shape[-1] != 2:
            raise ValueError("ext expects an array of shape (..., 2)")
        self._parts.append(arr.reshape(-1).astype(">u8").tobytes())
        return self

    def digests(self, ds) -> "Writer":
        """32-byte digests, as a (k, 32) uint8 array or a sequence of bytes (no count)."""
        for d in _digest_rows(ds):
            self.digest(d)
        return self

    # ---- arrays with a u32 count -------------------------------------------

    @staticmethod
    def _count(n: int) -> int:
        if n > _U32_MAX:
            raise ValueError("count does not fit in a u32")
        return n

    def vec_u32(self, xs) -> "Writer":
        xs = list(xs)
        self.u32(self._count(len(xs)))
        for x in xs:
            self.u32(x)
        return self

    def vec_u64(self, xs) -> "Writer":
        xs = list(xs)
        self.u32(self._count(len(xs)))
        for x in xs:
            self.u64(x)
        return self

    def vec_field(self, values) -> "Writer":
        arr = canonical_u64(values, "vec_field").reshape(-1)
        self.u32(self._count(arr.size))
        return self.field(arr)

    def vec_ext(self, values) -> "Writer":
        arr = canonical_u64(values, "vec_ext")
        if arr.ndim == 0 or arr.shape[-1] != 2:
            raise ValueError("vec_ext expects an array of shape (..., 2)")
        arr = arr.reshape(-1, 2)
        self.u32(self._count(arr.shape[0]))
        return self.ext(arr)

    def vec_digest(self, ds) -> "Writer":
        rows = _digest_rows(ds)
        self.u32(self._count(len(rows)))
        return self.digests(rows)


def _digest_rows(ds) -> list[bytes]:
    if isinstance(ds, np.ndarray):
        if ds.dtype != np.uint8 or ds.ndim != 2 or ds.shape[1] != 32:
            raise ValueError("digests must be a (k, 32) uint8 array")
        return [bytes(r) for r in ds]
    return [bytes(d) for d in ds]


class Reader:
    """Decoder over a byte string; mirrors :class:`Writer` and raises :class:`CodecError`."""

    def __init__(self, data: bytes):
        self._buf = memoryview(bytes(data))
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._buf) - self._pos

    def _take(self, n: int, what: str) -> memoryview:
        if n > self.remaining:
            raise CodecError(
                f"truncated input: {what} needs {n} bytes at offset {self._pos}, "
                f"{self.remaining} remain"
            )
        out = self._buf[self._pos : self._pos + n]
        self._pos += n
        return out

    def finish(self) -> None:
        """Raise unless every byte has been consumed."""
        if self.remaining:
            raise CodecError(f"{self.remaining} trailing bytes at offset {self._pos}")

    # ---- scalars ---------------------------------------------------------

    def u8(self) -> int:
        return self._take(1, "u8")[0]

    def bool_(self) -> bool:
        v = self.u8()
        if v > 1:
            raise CodecError(f"bool must be 0 or 1, got {v} at offset {self._pos - 1}")
        return bool(v)

    def u32(self) -> int:
        return int.from_bytes(self._take(4, "u32"), "big")

    def u64(self) -> int:
        return int.from_bytes(self._take(8, "u64"), "big")

    def felt(self) -> int:
        return int(self.field(1)[0])

    def digest(self) -> bytes:
        return bytes(self._take(32, "digest"))

    def bytes_(self) -> bytes:
        n = self._count(1, "bytes")
        return bytes(self._take(n, "bytes"))

    # ---- arrays without a count -------------------------------------------

    def field(self, n: int) -> np.ndarray:
        """``n`` canonical base-field elements as a (n,) uint64 array."""
        start = self._pos
        raw = self._take(8 * n, f"{n} field elements")
        arr = np.frombuffer(raw, dtype=">u8").astype(np.uint64)
        bad = np.flatnonzero(arr >= _P_U64)
        if bad.size:
            raise CodecError(
                f"non-canonical field element (>= p) at offset {start + 8 * int(bad[0])}"
            )
        return arr

    def ext(self, n: int) -> np.ndarray:
        """``n`` extension elements as a (n, 2) uint64 array."""
        return self.field(2 * n).reshape(n, 2)

    def digests(self, n: int) -> np.ndarray:
        """``n`` digests as a (n, 32) uint8 array."""
        raw = self._take(32 * n, f"{n} digests")
        return np.frombuffer(raw, dtype=np.uint8).reshape(n, 32).copy()

    # ---- arrays with a u32 count -------------------------------------------

    def _count(self, item_size: int, what: str) -> int:
        at = self._pos
        n = self.u32()
        if n * item_size > self.remaining:
            raise CodecError(
                f"{what} count {n} at offset {at} needs {n * item_size} bytes, "
                f"only {self.remaining} remain"
            )
        return n

    def vec_u32(self) -> list[int]:
        return [self.u32() for _ in range(self._count(4, "vec_u32"))]

    def vec_u64(self) -> list[int]:
        return [self.u64() for _ in range(self._count(8, "vec_u64"))]

    def vec_field(self) -> np.ndarray:
        return self.field(self._count(8, "vec_field"))

    def vec_ext(self) -> np.ndarray:
        return self.ext(self._count(16, "vec_ext"))

    def vec_digest(self) -> np.ndarray:
        return self.digests(self._count(32, "vec_digest"))
