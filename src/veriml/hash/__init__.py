"""Hashing layer: Ethereum Keccak-256 (reference and numba kernels) and Keccak Merkle trees."""

from veriml.hash.keccak import keccak256, keccak256_batch, keccak256_ref
from veriml.hash.merkle import (
    MerkleTree,
    MultiProof,
    hash_leaves,
    merkle_root,
    multiproof_size,
    verify_multiproof,
    verify_path,
)

__all__ = [
    "keccak256",
    "keccak256_batch",
    "keccak256_ref",
    "MerkleTree",
    "MultiProof",
    "hash_leaves",
    "merkle_root",
    "multiproof_size",
    "verify_multiproof",
    "verify_path",
]
