"""Commitment, claims and proof objects of the WHIR PCS, with canonical byte encodings.

Proof layout (all integers big-endian, see :mod:`veriml.codec`)::

    u8 version (= 2)
    vec_ext   claim-reduction sumcheck       n rounds x (c0, c2), flattened (empty for one commitment)
    vec_ext   reduced evaluations u_j        one per commitment (empty for one commitment)
    u32 M                                   number of WHIR iterations
    per iteration i < M:
        vec_ext   sumcheck                  k_i rounds x (c0, c2), flattened: 2 k_i elements
        [i < M-1]  digest root_(i+1), vec_ext ood_answers
        u64       pow nonce
        u32 rows, u32 width, field(rows*width)   opened Merkle leaves (one fold fiber each)
        vec_digest multiproof siblings
        [i = 0]   u32 B, then B x (u32 rows, u32 width, field leaves, vec_digest siblings):
                  the openings of the other commitments (see :func:`veriml.pcs.whir.open_many`)
    vec_ext   final polynomial coefficients (2^(m_M))
    vec_ext   final sumcheck (c0, c2) per remaining variable, flattened

Decoding rejects truncation, trailing bytes, non-canonical field elements and counts that do
not fit; the verifier then checks every shape against the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..codec import CodecError, Reader, Writer
from ..errors import ProofError

__all__ = ["PcsError", "Commitment", "Claim", "IterationProof", "PcsProof"]

VERSION = 2
MAX_ITERATIONS = 64
MAX_LOG_SIZE = 40
MAX_COMMITMENTS = 64


def _write_opening(w: Writer, leaves, siblings) -> None:
    leaves = np.asarray(leaves, dtype=np.uint64)
    w.u32(leaves.shape[0])
    w.u32(leaves.shape[1])
    w.field(leaves.reshape(-1))
    w.vec_digest(np.asarray(siblings, dtype=np.uint8).reshape(-1, 32))


def _read_opening(r: Reader):
    rows = r.u32()
    width = r.u32()
    if rows * width * 8 > r.remaining:
        raise PcsError("truncated leaves")
    leaves = r.field(rows * width).reshape(rows, width)
    return leaves, r.vec_digest()


class PcsError(ProofError):
    """A PCS proof is malformed or does not verify, or the PCS was called incorrectly."""


@dataclass(frozen=True)
class Commitment:
    """Merkle root of the committed codeword and log2 of each committed table's size."""

    root: bytes
    log_sizes: tuple

    def absorb_into(self, transcript) -> None:
        """What the caller absorbs before forming claims: root, then the sizes."""
        transcript.absorb_digest("pcs/commitment", self.root)
        transcript.absorb_field("pcs/log_sizes", np.array(self.log_sizes, dtype=np.uint64))

    def to_bytes(self) -> bytes:
        w = Writer()
        w.digest(self.root)
        w.vec_u32(list(self.log_sizes))
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Commitment":
        try:
            r = Reader(data)
            root = r.digest()
            sizes = tuple(int(x) for x in r.vec_u32())
            r.finish()
        except CodecError as e:
            raise PcsError(f"malformed commitment: {e}") from e
        if not sizes or any(s > MAX_LOG_SIZE for s in sizes):
            raise PcsError("malformed commitment: bad sizes")
        return cls(root, sizes)


@dataclass(frozen=True)
class Claim:
    """``poly``-th committed table, as a multilinear, takes ``value`` at ``point``."""

    poly: int
    point: np.ndarray  # (m, 2) extension point, x_0 first
    value: np.ndarray  # (2,) extension element

    @classmethod
    def of(cls, c) -> "Claim":
        if isinstance(c, Claim):
            return c
        poly, point, value = c
        point = np.asarray(point, dtype=np.uint64).reshape(-1, 2)
        value = np.asarray(value, dtype=np.uint64).reshape(2)
        return cls(int(poly), point, value)


@dataclass
class IterationProof:
    sumcheck: np.ndarray  # (k, 2, 2): (c0, c2) per round
    root: bytes | None  # next oracle's root (None in the last iteration)
    ood_answers: np.ndarray  # (w, 2), empty in the last iteration
    nonce: int
    leaves: np.ndarray  # (u, width) uint64
    siblings: np.ndarray  # (h, 32) uint8
    batch: list = field(default_factory=list)  # iteration 0: (leaves, siblings) of commitments 1..J-1


@dataclass
class PcsProof:
    iterations: list = field(default_factory=list)
    reduce_sumcheck: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 2), dtype=np.uint64))
    reduced_evals: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.uint64))
    final_poly: np.ndarray = None  # (2^m_M, 2) coefficient table
    final_sumcheck: np.ndarray = None  # (m_M, 2, 2)

    def to_bytes(self) -> bytes:
        w = Writer()
        w.u8(VERSION)
        w.vec_ext(np.asarray(self.reduce_sumcheck, dtype=np.uint64).reshape(-1, 2))
        w.vec_ext(np.asarray(self.reduced_evals, dtype=np.uint64).reshape(-1, 2))
        w.u32(len(self.iterations))
        last = len(self.iterations) - 1
        for i, it in enumerate(self.iterations):
            w.vec_ext(np.asarray(it.sumcheck, dtype=np.uint64).reshape(-1, 2))
            if i < last:
                w.digest(it.root)
                w.vec_ext(np.asarray(it.ood_answers, dtype=np.uint64).reshape(-1, 2))
            w.u64(int(it.nonce))
            _write_opening(w, it.leaves, it.siblings)
            if i == 0:
                w.u32(len(it.batch))
                for leaves, sib in it.batch:
                    _write_opening(w, leaves, sib)
        w.vec_ext(np.asarray(self.final_poly, dtype=np.uint64).reshape(-1, 2))
        w.vec_ext(np.asarray(self.final_sumcheck, dtype=np.uint64).reshape(-1, 2))
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "PcsProof":
        try:
            r = Reader(data)
            if r.u8() != VERSION:
                raise PcsError("unknown PCS proof version")
            red = r.vec_ext()
            if red.shape[0] % 2:
                raise PcsError("odd claim-reduction length")
            red_u = r.vec_ext()
            m = r.u32()
            if not 1 <= m <= MAX_ITERATIONS:
                raise PcsError("bad iteration count")
            its = []
            for i in range(m):
                sc = r.vec_ext()
                if sc.shape[0] % 2:
                    raise PcsError("odd sumcheck length")
                root, ood = None, np.zeros((0, 2), dtype=np.uint64)
                if i < m - 1:
                    root = r.digest()
                    ood = r.vec_ext()
                nonce = r.u64()
                leaves, sib = _read_opening(r)
                batch = []
                if i == 0:
                    count = r.u32()
                    if count > MAX_COMMITMENTS:
                        raise PcsError("too many batched commitments")
                    batch = [_read_opening(r) for _ in range(count)]
                its.append(IterationProof(sc.reshape(-1, 2, 2), root, ood, nonce, leaves, sib, batch))
            final_poly = r.vec_ext()
            fs = r.vec_ext()
            if fs.shape[0] % 2:
                raise PcsError("odd final sumcheck length")
            r.finish()
        except CodecError as e:
            raise PcsError(f"malformed PCS proof: {e}") from e
        return cls(its, red.reshape(-1, 2, 2), red_u, final_poly, fs.reshape(-1, 2, 2))

    def __len__(self) -> int:
        return len(self.to_bytes())
