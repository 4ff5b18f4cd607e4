"""Keccak-256 Merkle trees and deduplicated multiproofs."""

import numpy as np
import pytest

from veriml.hash.keccak import keccak256
from veriml.hash.merkle import (
    GOLDILOCKS_P,
    PARALLEL_THRESHOLD,
    MerkleTree,
    MultiProof,
    hash_leaves,
    multiproof_size,
    verify_multiproof,
    verify_path,
)


def rand_rows(rng, n, w):
    return rng.integers(0, GOLDILOCKS_P, size=(n, w), dtype=np.uint64)


def ref_leaf(row) -> bytes:
    # Solidity: keccak256(abi.encodePacked(uint64(row[0]), uint64(row[1]), ...))
    return keccak256(b"".join(int(x).to_bytes(8, "big") for x in row))


def ref_root(rows) -> bytes:
    level = [ref_leaf(r) for r in rows]
    while len(level) > 1:
        level = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


@pytest.mark.parametrize("n,w", [(1, 1), (1, 4), (2, 1), (8, 16), (16, 17), (4, 34), (32, 0)])
def test_root_matches_reference(n, w):
    rows = rand_rows(np.random.default_rng(n * 100 + w), n, w)
    assert MerkleTree.build(rows).root == ref_root(rows)


def test_leaf_layout_is_big_endian_packed():
    rows = np.array([[1, 2]], dtype=np.uint64)
    expected = keccak256(bytes(7) + b"\x01" + bytes(7) + b"\x02")
    assert hash_leaves(rows)[0].tobytes() == expected == MerkleTree.build(rows).root


def test_parallel_build_matches_serial_reference():
    rng = np.random.default_rng(5)
    n = 2 * PARALLEL_THRESHOLD
    rows = rand_rows(rng, n, 3)
    tree = MerkleTree.build(rows)
    # check the leaf level and a middle level against direct hashing
    assert np.array_equal(tree.level(0), hash_leaves(rows))
    for i in [0, 1, n // 2 - 1]:
        lvl1 = tree.level(1)
        assert lvl1[i].tobytes() == keccak256(tree.level(0)[2 * i].tobytes() +
                                              tree.level(0)[2 * i + 1].tobytes())
    # and the root against the serial path
    from veriml.hash import merkle as M

    nodes = np.empty((2 * n - 1, 4), dtype=np.uint64)
    M._build_serial(rows, nodes, tree.depth)
    assert np.array_equal(nodes, tree.nodes)


def test_rejects_bad_shapes_and_noncanonical():
    with pytest.raises(ValueError):
        MerkleTree.build(np.zeros((3, 2), dtype=np.uint64))
    with pytest.raises(ValueError):
        MerkleTree.build(np.zeros((4, 2), dtype=np.int64))
    bad = np.zeros((4, 2), dtype=np.uint64)
    bad[2, 1] = GOLDILOCKS_P
    with pytest.raises(ValueError):
        MerkleTree.build(bad)


@pytest.mark.parametrize("depth", [0, 1, 3, 6, 10])
def test_honest_multiproofs_verify(depth):
    rng = np.random.default_rng(depth)
    n = 1 << depth
    rows = rand_rows(rng, n, 5)
    tree = MerkleTree.build(rows)
    for _ in range(20):
        k = int(rng.integers(1, min(n, 40) + 1))
        idx = np.sort(rng.choice(n, size=k, replace=False))
        proof = tree.open(idx)
        assert len(proof) == multiproof_size(depth, idx)
        assert verify_multiproof(tree.root, depth, idx, rows[idx], proof)


def test_multiproof_is_deduplicated():
    rows = rand_rows(np.random.default_rng(9), 8, 2)
    tree = MerkleTree.build(rows)
    assert len(tree.open([0, 1])) == 2  # siblings 0,1 known; need nodes (1,1) and (2,1)
    assert len(tree.open([0, 1, 2, 3])) == 1
    assert len(tree.open(list(range(8)))) == 0
    assert len(tree.open([0, 7])) == 4
    assert len(tree.open_path(5)) == 3


def test_single_path():
    rows = rand_rows(np.random.default_rng(11), 16, 4)
    tree = MerkleTree.build(rows)
    for i in range(16):
        assert verify_path(tree.root, 4, i, rows[i], tree.open_path(i))
    assert not verify_path(tree.root, 4, 3, rows[4], tree.open_path(3))


def test_open_rejects_unsorted_or_repeated():
    tree = MerkleTree.build(rand_rows(np.random.default_rng(1), 8, 1))
    for bad in ([], [3, 1], [2, 2], [-1], [8]):
        with pytest.raises(ValueError):
            tree.open(bad)


def test_tampering_fails():
    rng = np.random.default_rng(12)
    depth = 4
    rows = rand_rows(rng, 1 << depth, 3)
    tree = MerkleTree.build(rows)
    idx = np.array([1, 6, 7, 12])
    proof = tree.open(idx)
    root = tree.root
    assert verify_multiproof(root, depth, idx, rows[idx], proof)

    # every single byte flip (every bit position of every byte) of the proof fails
    raw = proof.nodes.copy()
    for b in range(raw.size):
        for bit in range(8):
            t = raw.copy().reshape(-1)
            t[b] ^= 1 << bit
            assert not verify_multiproof(root, depth, idx, rows[idx], MultiProof(t))

    # a wrong leaf value (any element, +1 mod p)
    for r in range(len(idx)):
        for c in range(rows.shape[1]):
            bad = rows[idx].copy()
            bad[r, c] = (int(bad[r, c]) + 1) % GOLDILOCKS_P
            assert not verify_multiproof(root, depth, idx, bad, proof)

    # a non-canonical encoding (x + p) of a committed small value x
    rows5 = rows.copy()
    rows5[idx[0], 0] = 5
    tree5 = MerkleTree.build(rows5)
    bad = rows5[idx].copy()
    bad[0, 0] = 5 + GOLDILOCKS_P
    assert verify_multiproof(tree5.root, depth, idx, rows5[idx], tree5.open(idx))
    assert not verify_multiproof(tree5.root, depth, idx, bad, tree5.open(idx))

    # wrong indices: shifted, swapped rows, out of range, unsorted, repeated
    assert not verify_multiproof(root, depth, [1, 6, 7, 13], rows[idx], proof)
    assert not verify_multiproof(root, depth, [0, 6, 7, 12], rows[idx], proof)
    assert not verify_multiproof(root, depth, idx, rows[idx][[1, 0, 2, 3]], proof)
    assert not verify_multiproof(root, depth, [1, 6, 7, 16], rows[idx], proof)
    assert not verify_multiproof(root, depth, [6, 1, 7, 12], rows[idx], proof)
    assert not verify_multiproof(root, depth, [1, 6, 6, 12], rows[idx], proof)

    # wrong root, wrong depth, wrong row count
    for b in range(32):
        bad_root = bytearray(root)
        bad_root[b] ^= 0x01
        assert not verify_multiproof(bytes(bad_root), depth, idx, rows[idx], proof)
    assert not verify_multiproof(root, depth + 1, idx, rows[idx], proof)
    assert not verify_multiproof(root, depth - 1, idx, rows[idx], proof)
    assert not verify_multiproof(root, depth, idx[:3], rows[idx][:3], proof)
    assert not verify_multiproof(root[:31], depth, idx, rows[idx], proof)

    # missing, extra, or reordered proof nodes
    assert not verify_multiproof(root, depth, idx, rows[idx], MultiProof(raw[:-1]))
    assert not verify_multiproof(root, depth, idx, rows[idx], MultiProof(np.vstack([raw, raw[:1]])))
    assert not verify_multiproof(root, depth, idx, rows[idx], MultiProof(raw[::-1]))


def test_extension_rows_hash_as_pairs():
    # a (n, 2w) array of (c0, c1) pairs hashes each element as be64(c0) || be64(c1)
    rng = np.random.default_rng(13)
    ext = rand_rows(rng, 8, 6).reshape(8, 3, 2)
    tree = MerkleTree.build(ext.reshape(8, 6))
    assert tree.root == ref_root(ext.reshape(8, 6))
    idx = np.array([2, 5])
    assert verify_multiproof(tree.root, 3, idx, ext.reshape(8, 6)[idx], tree.open(idx))


def test_sorted_unique_matches_numpy():
    from veriml.hash.merkle import sorted_unique

    rng = np.random.default_rng(5)
    for shape in [(0,), (1,), (37,), (5, 16), (3, 4, 8)]:
        a = rng.integers(0, 20, size=shape, dtype=np.int64)
        u, inv = sorted_unique(a, return_inverse=True)
        assert np.array_equal(u, np.unique(a)) and np.array_equal(sorted_unique(a), u)
        assert inv.shape == a.shape and np.array_equal(u[inv], a)
