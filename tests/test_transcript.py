"""Keccak-256 Fiat-Shamir transcript: determinism, domain separation, challenge ranges, PoW."""

import numpy as np
import pytest

from veriml.hash.keccak import keccak256
from veriml.transcript import DOMAIN_PREFIX, GOLDILOCKS_P, Transcript, pow_hash

P = GOLDILOCKS_P


def be32(x):
    return x.to_bytes(4, "big")


def run(ops, label="proto"):
    """Apply a list of (method, args) and return the squeezed ext challenge plus state."""
    t = Transcript(label)
    for name, args in ops:
        getattr(t, name)(*args)
    return t.challenge_ext("c").tolist(), t.state


def test_init_and_absorb_byte_layout():
    t = Transcript("proto")
    s0 = keccak256(DOMAIN_PREFIX + b"proto")
    assert t.state == s0
    t.absorb_bytes("lab", b"\x01\x02")
    s1 = keccak256(s0 + b"\x01" + be32(3) + b"lab" + be32(2) + b"\x01\x02")
    assert t.state == s1
    t.absorb_field("f", np.array([1, P - 1], dtype=np.uint64))
    s2 = keccak256(s1 + b"\x02" + be32(1) + b"f" + be32(16) + (1).to_bytes(8, "big")
                   + (P - 1).to_bytes(8, "big"))
    assert t.state == s2
    t.absorb_ext("e", np.array([[3, 4]], dtype=np.uint64))
    s3 = keccak256(s2 + b"\x03" + be32(1) + b"e" + be32(16) + (3).to_bytes(8, "big")
                   + (4).to_bytes(8, "big"))
    assert t.state == s3
    t.absorb_digest("root", bytes(range(32)))
    s4 = keccak256(s3 + b"\x04" + be32(4) + b"root" + be32(32) + bytes(range(32)))
    assert t.state == s4


def test_squeeze_byte_layout():
    t = Transcript("proto")
    s = t.state
    c = t.challenge_ext_vec("alpha", 2)
    r = keccak256(s + b"\x12" + be32(5) + b"alpha" + be32(2) + be32(0))
    for i in range(2):
        x = int.from_bytes(keccak256(r + be32(i + 1)), "big")
        assert c[i].tolist() == [(x >> 128) % P, (x % 2**128) % P]
    assert t.state == keccak256(r + be32(0))

    s = t.state
    b = t.challenge_base("beta")
    r = keccak256(s + b"\x11" + be32(4) + b"beta" + be32(1) + be32(0))
    assert int(b) == int.from_bytes(r, "big") % P  # one value: r itself, and the new state
    assert t.state == r

    s = t.state
    e = t.challenge_ext("gamma")
    r = keccak256(s + b"\x12" + be32(5) + b"gamma" + be32(1) + be32(0))
    x = int.from_bytes(r, "big")
    assert e.tolist() == [(x >> 128) % P, (x % 2**128) % P] and t.state == r

    s = t.state
    idx = t.challenge_indices("q", 3, 1 << 10)
    r = keccak256(s + b"\x13" + be32(1) + b"q" + be32(3) + be32(10))
    for i in range(3):
        assert idx[i] == int.from_bytes(keccak256(r + be32(i + 1)), "big") % 1024


def test_deterministic():
    ops = [("absorb_bytes", ("a", b"xyz")), ("absorb_field", ("f", [1, 2, 3]))]
    assert run(ops) == run(ops)
    t1, t2 = Transcript("p"), Transcript("p")
    assert t1.challenge_ext_vec("x", 5).tolist() == t2.challenge_ext_vec("x", 5).tolist()
    assert t1.grind(6) == t2.grind(6)
    assert t1.state == t2.state


def test_domain_separation():
    base = [("absorb_bytes", ("a", b"xyz")), ("absorb_field", ("f", [1, 2]))]
    variants = [
        base,
        [("absorb_bytes", ("b", b"xyz")), ("absorb_field", ("f", [1, 2]))],  # label
        [("absorb_bytes", ("a", b"xyw")), ("absorb_field", ("f", [1, 2]))],  # data
        [("absorb_field", ("f", [1, 2])), ("absorb_bytes", ("a", b"xyz"))],  # order
        [("absorb_bytes", ("a", b"xyz")), ("absorb_field", ("f", [1, 2, 0]))],  # length
        [("absorb_bytes", ("a", b"xyz")), ("absorb_ext", ("f", [[1, 2]]))],  # type
        [("absorb_bytes", ("ax", b"yz")), ("absorb_field", ("f", [1, 2]))],  # label/data split
        [("absorb_bytes", ("a", b"xyz"))],  # missing op
        [("absorb_bytes", ("a", b"xyz")), ("absorb_bytes", ("f", (1).to_bytes(8, "big")
                                                           + (2).to_bytes(8, "big")))],
    ]
    outs = {tuple(run(v)[0]) for v in variants}
    assert len(outs) == len(variants)
    assert run(base, "proto")[0] != run(base, "proto2")[0]  # protocol label


def test_challenges_never_repeat_and_labels_matter():
    t = Transcript("p")
    seen = set()
    for _ in range(20):
        seen.add(tuple(t.challenge_ext("same").tolist()))
    assert len(seen) == 20
    a, b = Transcript("p"), Transcript("p")
    assert a.challenge_ext("x").tolist() != b.challenge_ext("y").tolist()
    # squeezing one vector of k differs from k singles, and kinds are separated
    a, b = Transcript("p"), Transcript("p")
    assert a.challenge_ext_vec("x", 2)[1].tolist() != b.challenge_ext("x").tolist()
    a, b = Transcript("p"), Transcript("p")
    assert int(a.challenge_base("x")) != int(b.challenge_ext("x")[0])


def test_challenges_are_canonical_and_in_range():
    t = Transcript("ranges")
    e = t.challenge_ext_vec("e", 200)
    assert e.shape == (200, 2) and e.dtype == np.uint64 and (e < np.uint64(P)).all()
    b = t.challenge_base_vec("b", 200)
    assert b.dtype == np.uint64 and (b < np.uint64(P)).all()
    for log_d in [0, 1, 5, 20, 40]:
        idx = t.challenge_indices("q", 300, 1 << log_d)
        assert idx.dtype == np.int64 and (idx >= 0).all() and (idx < (1 << log_d)).all()
    idx = t.challenge_indices("q", 4000, 16)
    assert len(set(idx.tolist())) == 16  # covers a small domain
    with pytest.raises(ValueError):
        t.challenge_indices("q", 3, 12)


def test_absorb_rejects_noncanonical():
    t = Transcript("p")
    with pytest.raises(ValueError):
        t.absorb_field("f", np.array([P], dtype=np.uint64))
    with pytest.raises(ValueError):
        t.absorb_ext("e", np.array([[0, P]], dtype=np.uint64))
    with pytest.raises(ValueError):
        t.absorb_ext("e", np.array([1, 2, 3], dtype=np.uint64))
    with pytest.raises(ValueError):
        t.absorb_digest("d", b"short")


@pytest.mark.parametrize("bits", [0, 1, 4, 8, 12])
def test_grind_finds_smallest_nonce_and_verifies(bits):
    prover = Transcript("pow")
    prover.absorb_bytes("x", b"seed")
    verifier = prover.copy()
    s = prover.state
    nonce = prover.grind(bits)
    lz = lambda d: 256 - int.from_bytes(d, "big").bit_length()  # noqa: E731
    assert lz(pow_hash(s, nonce)) >= bits
    assert all(lz(pow_hash(s, m)) < bits for m in range(nonce))
    assert pow_hash(s, nonce) == keccak256(s + b"pow" + nonce.to_bytes(8, "big"))
    assert verifier.check_pow(bits, nonce)
    assert verifier.state == prover.state
    assert prover.state == keccak256(
        s + b"\x05" + be32(3) + b"pow" + be32(9) + bytes([bits]) + nonce.to_bytes(8, "big")
    )


def test_grind_parallel_path_and_bad_nonce():
    t = Transcript("pow16")
    v = t.copy()
    s = t.state
    nonce = t.grind(16)
    assert 256 - int.from_bytes(pow_hash(s, nonce), "big").bit_length() >= 16
    bad = v.copy()
    assert nonce > 0
    assert not bad.check_pow(16, nonce - 1)  # smaller than the smallest valid nonce
    assert bad.state == s
    assert not bad.check_pow(16, -1) and not bad.check_pow(65, nonce)
    assert v.check_pow(16, nonce) and v.state == t.state
