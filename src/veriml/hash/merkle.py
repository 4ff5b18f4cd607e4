"""Keccak-256 Merkle trees over rows of Goldilocks elements, with deduplicated multiproofs.

Byte layout (what a Solidity verifier recomputes):

* leaf ``i`` = ``keccak256(be64(row[0]) || be64(row[1]) || ... || be64(row[w-1]))``, each
  element a canonical uint64 (< p) written as 8 big-endian bytes, i.e. Solidity
  ``keccak256(abi.encodePacked(uint64 r0, ..., uint64 r_{w-1}))``. Extension-field rows are
  passed as ``(n, 2*w)`` arrays with ``(c0, c1)`` adjacent, so they hash as ``c0 || c1`` per
  element.
* node = ``keccak256(left || right)`` on the two 32-byte children (64 bytes).
* ``n_leaves`` is a power of two, ``depth = log2(n_leaves)``; a one-leaf tree has the leaf
  hash as its root.

Multiproof order (``MultiProof.nodes``): walk the levels from the leaves (level 0) up to
the level below the root. At each level the verifier knows a sorted set of node indices
(at level 0, the queried leaves). For each known index ``i`` whose sibling ``i ^ 1`` is not
known, the prover sends that sibling's digest; within a level these are sent in increasing
index order. The parents ``i >> 1`` become the known set of the next level. The proof holds
exactly these digests and nothing else, so its length is a function of the index set.

Internally digests are kept as ``(n, 4)`` uint64 arrays of little-endian Keccak lanes, which is
the state layout the permutation works on: a 64-byte node message is just 8 lanes, and a leaf
element ``x`` written big-endian is the lane ``bswap64(x)``. Nodes live in one flat array in
level order: level ``l`` occupies rows ``2n - 2(n >> l)`` .. ``2n - (n >> l) - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from veriml.jit import kernel, parallel_pays, prange

from veriml.hash.keccak import (
    RATE_LANES,
    bswap64,
    digests_to_lanes,
    keccak_f1600_x4,
    lanes_to_digests,
)

__all__ = [
    "MerkleTree",
    "MultiProof",
    "hash_leaves",
    "merkle_root",
    "multiproof_size",
    "verify_multiproof",
    "verify_path",
    "sorted_unique",
]


def sorted_unique(a, return_inverse: bool = False):
    """``np.unique`` of a 1-D or n-D integer array (flattened): the sorted distinct values, and
    with ``return_inverse`` each element's position among them (shape of ``a``).

    Not ``np.unique`` itself: in NumPy 2.4 its first call imports ``numpy.ma`` into every
    prove and verify process, for a mask check that never applies here."""
    a = np.asarray(a)
    flat = a.reshape(-1)
    order = np.argsort(flat, kind="stable")
    s = flat[order]
    new = np.empty(s.size, dtype=bool)
    new[:1] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    u = s[new]
    if not return_inverse:
        return u
    inv = np.empty(flat.size, dtype=np.intp)
    inv[order] = np.cumsum(new) - 1
    return u, inv.reshape(a.shape)


GOLDILOCKS_P = 0xFFFFFFFF00000001
_P = np.uint64(GOLDILOCKS_P)
_PAD_FIRST = np.uint64(0x01)
_PAD_LAST = np.uint64(0x8000000000000000)  # byte 135 = 0x80, the top byte of lane 16
PARALLEL_THRESHOLD = 1 << 13  # leaves; smaller trees are built serially
_BYTE_S = 3e-9  # seconds per byte hashed, serial
_SUBTREES = 16  # parallel build: independent subtrees, then the top levels serially


# --------------------------------------------------------------------------
# numba kernels (lanes in, lanes out)
# --------------------------------------------------------------------------


@kernel
def _leaf_group(rows, r0, r1, r2, r3, s):
    """Hash rows r0..r3 into the four interleaved states of ``s`` (lane j of state k: s[4j+k])."""
    s[:] = 0
    pos = 0
    for j in range(rows.shape[1]):
        s[4 * pos] ^= bswap64(rows[r0, j])
        s[4 * pos + 1] ^= bswap64(rows[r1, j])
        s[4 * pos + 2] ^= bswap64(rows[r2, j])
        s[4 * pos + 3] ^= bswap64(rows[r3, j])
        pos += 1
        if pos == RATE_LANES:
            keccak_f1600_x4(s)
            pos = 0
    for k in range(4):
        s[4 * pos + k] ^= _PAD_FIRST
        s[4 * (RATE_LANES - 1) + k] ^= _PAD_LAST
    keccak_f1600_x4(s)


@kernel
def _pair_group(children, c0, c1, c2, c3, s):
    """Hash children[2c] || children[2c+1] for c = c0..c3 into the four states of ``s``."""
    s[:] = 0
    for j in range(4):
        s[4 * j] = children[2 * c0, j]
        s[4 * j + 1] = children[2 * c1, j]
        s[4 * j + 2] = children[2 * c2, j]
        s[4 * j + 3] = children[2 * c3, j]
        s[16 + 4 * j] = children[2 * c0 + 1, j]
        s[16 + 4 * j + 1] = children[2 * c1 + 1, j]
        s[16 + 4 * j + 2] = children[2 * c2 + 1, j]
        s[16 + 4 * j + 3] = children[2 * c3 + 1, j]
    for k in range(4):
        s[4 * 8 + k] = _PAD_FIRST
        s[4 * (RATE_LANES - 1) + k] = _PAD_LAST
    keccak_f1600_x4(s)


@kernel
def _store_group(s, out, i, count):
    for k in range(count):
        for j in range(4):
            out[i + k, j] = s[4 * j + k]


@kernel
def _hash_leaf_range(rows, out, lo, hi, s):
    """out[i] = lanes of keccak256(be64(rows[i, 0]) || ...), for lo <= i < hi."""
    i = lo
    while i + 4 <= hi:
        _leaf_group(rows, i, i + 1, i + 2, i + 3, s)
        _store_group(s, out, i, 4)
        i += 4
    if i < hi:  # short last group: repeat the last row in the unused states
        last = hi - 1
        _leaf_group(rows, i, min(i + 1, last), min(i + 2, last), last, s)
        _store_group(s, out, i, hi - i)


@kernel
def _hash_pair_range(children, out, lo, hi, s):
    """out[i] = lanes of keccak256(children[2i] || children[2i+1]), for lo <= i < hi."""
    i = lo
    while i + 4 <= hi:
        _pair_group(children, i, i + 1, i + 2, i + 3, s)
        _store_group(s, out, i, 4)
        i += 4
    if i < hi:
        last = hi - 1
        _pair_group(children, i, min(i + 1, last), min(i + 2, last), last, s)
        _store_group(s, out, i, hi - i)


@kernel
def _level_offset(n, level):
    return 2 * n - 2 * (n >> level)


@kernel
def _build_subtree(rows, nodes, first_leaf, sub_depth, s):
    """Hash leaves first_leaf .. first_leaf + 2^sub_depth and their levels 1..sub_depth."""
    n = rows.shape[0]
    size = 1 << sub_depth
    _hash_leaf_range(rows, nodes, first_leaf, first_leaf + size, s)
    for lvl in range(1, sub_depth + 1):
        src = nodes[_level_offset(n, lvl - 1) : _level_offset(n, lvl)]
        dst = nodes[_level_offset(n, lvl) : _level_offset(n, lvl + 1)]
        lo = first_leaf >> lvl
        _hash_pair_range(src, dst, lo, lo + (size >> lvl), s)


@kernel
def _build_top(nodes, n, depth, from_level, s):
    for lvl in range(from_level + 1, depth + 1):
        src = nodes[_level_offset(n, lvl - 1) : _level_offset(n, lvl)]
        dst = nodes[_level_offset(n, lvl) : _level_offset(n, lvl + 1)]
        _hash_pair_range(src, dst, 0, n >> lvl, s)


@kernel
def _build_serial(rows, nodes, depth):
    s = np.zeros(100, dtype=np.uint64)
    _build_subtree(rows, nodes, 0, depth, s)


@kernel(parallel=True)
def _build_parallel(rows, nodes, depth, sub_depth):
    n = rows.shape[0]
    n_sub = n >> sub_depth
    for t in prange(n_sub):
        s = np.zeros(100, dtype=np.uint64)
        _build_subtree(rows, nodes, np.int64(t) << np.int64(sub_depth), sub_depth, s)
    s = np.zeros(100, dtype=np.uint64)
    _build_top(nodes, n, depth, sub_depth, s)


@kernel
def _hash_leaves_serial(rows, out):
    s = np.zeros(100, dtype=np.uint64)
    _hash_leaf_range(rows, out, 0, rows.shape[0], s)


@kernel
def _hash_pairs_serial(children, out):
    s = np.zeros(100, dtype=np.uint64)
    _hash_pair_range(children, out, 0, out.shape[0], s)


@kernel
def _any_noncanonical(rows):
    flat = rows.reshape(-1)
    for k in range(flat.shape[0]):
        if flat[k] >= _P:
            return True
    return False


# --------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------


def _as_rows(rows) -> np.ndarray:
    arr = np.asarray(rows)
    if arr.ndim != 2 or arr.dtype != np.uint64:
        raise ValueError("rows must be a 2-D uint64 array of shape (n_leaves, width)")
    return np.ascontiguousarray(arr)


def _log2_exact(n: int) -> int:
    if n < 1 or n & (n - 1):
        raise ValueError(f"number of leaves must be a power of two, got {n}")
    return n.bit_length() - 1


def hash_leaves(rows) -> np.ndarray:
    """Leaf digests of a (n, w) uint64 array as (n, 32) uint8 (serial; for small n)."""
    arr = _as_rows(rows)
    out = np.empty((arr.shape[0], 4), dtype=np.uint64)
    _hash_leaves_serial(arr, out)
    return lanes_to_digests(out)


@dataclass(frozen=True)
class MultiProof:
    """Sibling digests of a Merkle multiproof, in the order described in the module docstring.

    ``nodes`` is a (m, 32) uint8 array; ``m == multiproof_size(depth, indices)``.
    """

    nodes: np.ndarray

    def __post_init__(self):
        nodes = np.ascontiguousarray(np.asarray(self.nodes, dtype=np.uint8)).reshape(-1, 32)
        object.__setattr__(self, "nodes", nodes)

    def __len__(self) -> int:
        return self.nodes.shape[0]

    def __eq__(self, other) -> bool:
        return isinstance(other, MultiProof) and np.array_equal(self.nodes, other.nodes)

    __hash__ = None  # mutable numpy payload


def _check_indices(indices, n_leaves: int) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError("indices must be a non-empty 1-D integer array")
    idx = idx.astype(np.int64)
    if idx[0] < 0 or idx[-1] >= n_leaves or np.any(np.diff(idx) <= 0):
        raise ValueError("indices must be strictly increasing and in [0, n_leaves)")
    return idx


def _missing_siblings(idx: np.ndarray) -> np.ndarray:
    """Sorted siblings ``i ^ 1`` of the sorted known indices that are not themselves known."""
    sib = idx ^ 1
    pos = np.searchsorted(idx, sib)
    known = (pos < idx.size) & (idx[np.minimum(pos, idx.size - 1)] == sib)
    # each pair (2p, 2p+1) contributes at most one missing sibling, so this stays sorted
    return sib[~known]


def multiproof_size(depth: int, indices) -> int:
    """Number of digests in the multiproof for a sorted set of distinct indices."""
    idx = _check_indices(indices, 1 << depth)
    total = 0
    for _ in range(depth):
        total += _missing_siblings(idx).size
        idx = sorted_unique(idx >> 1)
    return total


class MerkleTree:
    """A Keccak-256 Merkle tree over the rows of a (n_leaves, width) uint64 array.

    Build with :meth:`build`; ``root`` is the 32-byte root, ``rows`` the committed rows
    (kept by reference, not copied).
    """

    def __init__(self, rows: np.ndarray, nodes: np.ndarray):
        self.rows = rows
        self.nodes = nodes  # (2n - 1, 4) uint64 lanes, level order, root last
        self.n_leaves = rows.shape[0]
        self.depth = _log2_exact(self.n_leaves)

    @classmethod
    def build(cls, rows, check_canonical: bool = True) -> "MerkleTree":
        """Commit to ``rows``; every element must be a canonical Goldilocks element (< p)."""
        arr = _as_rows(rows)
        depth = _log2_exact(arr.shape[0])
        if check_canonical and _any_noncanonical(arr):
            raise ValueError("rows contain a non-canonical field element (>= p)")
        n = arr.shape[0]
        nodes = np.empty((2 * n - 1, 4), dtype=np.uint64)
        sub_depth = depth - (_SUBTREES.bit_length() - 1)
        if n >= PARALLEL_THRESHOLD and sub_depth > 0 and parallel_pays(_BYTE_S * (arr.nbytes + 64 * n)):
            _build_parallel(arr, nodes, depth, sub_depth)
        else:
            _build_serial(arr, nodes, depth)
        return cls(arr, nodes)

    @property
    def root(self) -> bytes:
        return lanes_to_digests(self.nodes[-1:]).tobytes()

    def level(self, lvl: int) -> np.ndarray:
        """Digests of level ``lvl`` (0 = leaves) as (n >> lvl, 32) uint8."""
        n = self.n_leaves
        lo = 2 * n - 2 * (n >> lvl)
        return lanes_to_digests(self.nodes[lo : lo + (n >> lvl)])

    def open(self, indices) -> MultiProof:
        """Deduplicated multiproof for a strictly increasing set of leaf indices."""
        idx = _check_indices(indices, self.n_leaves)
        n = self.n_leaves
        parts = []
        for lvl in range(self.depth):
            missing = _missing_siblings(idx)
            parts.append(self.nodes[2 * n - 2 * (n >> lvl) + missing])
            idx = sorted_unique(idx >> 1)
        lanes = np.concatenate(parts) if parts else np.empty((0, 4), dtype=np.uint64)
        return MultiProof(lanes_to_digests(lanes))

    def open_path(self, index: int) -> MultiProof:
        """Authentication path of one leaf: its ``depth`` siblings from the bottom up."""
        return self.open(np.array([index], dtype=np.int64))


def merkle_root(rows) -> bytes:
    """Root of the Merkle tree over ``rows``."""
    return MerkleTree.build(rows).root


def verify_multiproof(root: bytes, depth: int, indices, leaf_rows, proof: MultiProof) -> bool:
    """Check that ``leaf_rows[k]`` is leaf ``indices[k]`` of the tree with root ``root``.

    Returns False (never raises) on any malformed input: unsorted, repeated or out-of-range
    indices, a row count that does not match, non-canonical elements, or a proof with too
    few or too many digests.
    """
    try:
        if not isinstance(depth, (int, np.integer)) or not 0 <= depth <= 62:
            return False
        root_b = bytes(root)
        if len(root_b) != 32:
            return False
        idx = _check_indices(indices, 1 << int(depth))
        rows = _as_rows(leaf_rows)
        if rows.shape[0] != idx.size or _any_noncanonical(rows):
            return False
        nodes = np.asarray(proof.nodes)
        if nodes.dtype != np.uint8 or nodes.ndim != 2 or nodes.shape[1] != 32:
            return False
    except (ValueError, TypeError, AttributeError):
        return False
    proof_lanes = digests_to_lanes(nodes)
    known = np.empty((idx.size, 4), dtype=np.uint64)
    _hash_leaves_serial(rows, known)
    used = 0
    for _ in range(int(depth)):
        missing = _missing_siblings(idx)
        if used + missing.size > proof_lanes.shape[0]:
            return False
        all_idx = np.concatenate([idx, missing])
        all_lanes = np.concatenate([known, proof_lanes[used : used + missing.size]])
        used += missing.size
        order = np.argsort(all_idx, kind="stable")
        pairs = np.ascontiguousarray(all_lanes[order])
        known = np.empty((pairs.shape[0] // 2, 4), dtype=np.uint64)
        _hash_pairs_serial(pairs, known)
        idx = all_idx[order][::2] >> 1
    if used != proof_lanes.shape[0]:
        return False
    return lanes_to_digests(known).tobytes() == root_b


def verify_path(root: bytes, depth: int, index: int, row, proof: MultiProof) -> bool:
    """Single-leaf form of :func:`verify_multiproof`."""
    row_arr = np.asarray(row)
    if row_arr.ndim != 1:
        return False
    return verify_multiproof(root, depth, [index], row_arr.reshape(1, -1), proof)
