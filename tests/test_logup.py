"""LogUp-GKR lookups and range checks: completeness, claims, fast == reference, soundness."""

from __future__ import annotations

import numpy as np
import pytest

from veriml.codec import CodecError
from veriml.errors import ProofError
from veriml.field import random_base
from veriml.iop import ext as E
from veriml.iop import gkr
from veriml.iop import logup as LU
from veriml.iop import range_check as RC
from veriml.poly import multilinear as ML
from veriml.transcript import Transcript

P = E.P


def _committed(*arrays) -> Transcript:
    """A transcript that absorbed the witness (stand-in for its commitment)."""
    t = Transcript("logup-test")
    for a in arrays:
        t.absorb_field("commitment", np.asarray(a, dtype=np.uint64).reshape(-1))
    return t


def _padded_mle(col, point):
    n = point.shape[0]
    t = np.zeros(1 << n, dtype=np.uint64)
    t[: len(col)] = col
    return E.ext(ML.evaluate(t, point)) if n else (int(t[0]), 0)


def _range_roundtrip(x, bits, *, reference=False):
    limbs = RC.decompose(x, bits)
    m = RC.multiplicities(limbs, bits)
    proof, claims = RC.prove(limbs, bits, m, _committed(limbs, m), reference=reference)
    decoded = LU.LogupProof.from_bytes(proof.to_bytes())
    got = RC.verify(decoded, len(x), bits, _committed(limbs, m))
    return limbs, m, proof, claims, got


# ---------------------------------------------------------------- completeness


@pytest.mark.parametrize("log_n", range(1, 11))
def test_range_complete_powers_of_two(log_n):
    rng = np.random.default_rng(log_n)
    bits = [1, 4, 8, 16][log_n % 4]
    x = rng.integers(0, 1 << bits, 1 << log_n, dtype=np.uint64)
    limbs, m, proof, claims, got = _range_roundtrip(x, bits)
    assert np.array_equal(got.witness_point, claims.witness_point)
    assert E.ext(got.witness_evals[0]) == _padded_mle(x, got.witness_point)
    assert E.ext(got.multiplicity_eval) == _padded_mle(m, got.table_point)
    assert int(m.sum()) == len(x)


@pytest.mark.parametrize("n,bits", [(1, 1), (1, 16), (3, 2), (5, 8), (1000, 16), (33, 7)])
def test_range_complete_odd_sizes(n, bits):
    rng = np.random.default_rng(n * 100 + bits)
    x = rng.integers(0, 1 << bits, n, dtype=np.uint64)
    x[0] = (1 << bits) - 1
    _, _, _, _, got = _range_roundtrip(x, bits)
    assert E.ext(got.witness_evals[0]) == _padded_mle(x, got.witness_point)


@pytest.mark.parametrize("n,bits", [(100, 17), (64, 32), (77, 40), (5, 63), (256, 48)])
def test_range_limbs_complete(n, bits):
    rng = np.random.default_rng(bits)
    x = rng.integers(0, 1 << bits, n, dtype=np.uint64)
    x[-1] = (1 << bits) - 1
    limbs, _, _, _, got = _range_roundtrip(x, bits)
    assert limbs.shape[0] == RC.num_limbs(bits)
    for l in range(limbs.shape[0]):
        assert E.ext(got.witness_evals[l]) == _padded_mle(limbs[l], got.witness_point)
    # the caller's check: x(rho) = sum_l 2^(16 l) limb_l(rho)
    assert _padded_mle(x, got.witness_point) == RC.recompose(got.witness_evals)


def _tuple_instance(rng, rows=100, lookups=37):
    tx = np.arange(rows, dtype=np.uint64) * np.uint64(3) + np.uint64(11)
    ty = (tx * tx) % np.uint64(1009)
    table = LU.Table((tx, ty), (None, None))
    idx = rng.integers(0, rows, lookups)
    return table, [tx[idx], ty[idx]]


def test_tuple_lookup_committed_table_and_reference():
    rng = np.random.default_rng(11)
    table, cols = _tuple_instance(rng)
    m = LU.multiplicities(cols, [(0, 1)], table)
    proof, claims = LU.prove(cols, [(0, 1)], table, m, _committed(*cols, m))
    ref, _ = LU.prove(cols, [(0, 1)], table, m, _committed(*cols, m), reference=True)
    assert proof.to_bytes() == ref.to_bytes()
    shape = LU.LookupShape.make(37, 2, [(0, 1)], table)
    got = LU.verify(LU.LogupProof.from_bytes(proof.to_bytes()), shape, _committed(*cols, m))
    for c in range(2):
        assert E.ext(got.witness_evals[c]) == _padded_mle(cols[c], got.witness_point)
        assert E.ext(got.table_evals[c]) == _padded_mle(table.columns[c], got.table_point)


def test_several_groups_and_scales():
    """Three groups (one scaled) into one table, with an odd group count and row count."""
    rng = np.random.default_rng(12)
    table = LU.range_table(6)
    a = rng.integers(0, 64, 9, dtype=np.uint64)
    b = rng.integers(0, 64, 9, dtype=np.uint64)
    c = rng.integers(0, 16, 9, dtype=np.uint64)  # 4 * c < 64
    groups, scales = [(0,), (1,), (2,)], [1, 1, 4]
    m = LU.multiplicities([a, b, c], groups, table, scales)
    proof, _ = LU.prove([a, b, c], groups, table, m, _committed(a, b, c, m), scales=scales)
    ref, _ = LU.prove([a, b, c], groups, table, m, _committed(a, b, c, m), scales=scales, reference=True)
    assert proof.to_bytes() == ref.to_bytes()
    shape = LU.LookupShape.make(9, 3, groups, table, scales=scales)
    LU.verify(proof, shape, _committed(a, b, c, m))


@pytest.mark.parametrize("bits,n", [(4, 5), (16, 64), (20, 3), (40, 17)])
def test_range_fast_equals_reference(bits, n):
    rng = np.random.default_rng(bits + n)
    x = rng.integers(0, 1 << bits, n, dtype=np.uint64)
    fast = _range_roundtrip(x, bits)[2]
    ref = _range_roundtrip(x, bits, reference=True)[2]
    assert fast.to_bytes() == ref.to_bytes()


def test_gkr_root_is_fraction_sum():
    rng = np.random.default_rng(13)
    p = random_base(rng, 8)
    q = random_base(rng, 8) | np.uint64(1)
    layers = gkr.build_tree(p, q)
    P0, Q0 = E.ext(layers[0][0][0]), E.ext(layers[0][1][0])
    want = E.total(E.mul((int(a), 0), E.inv((int(b), 0))) for a, b in zip(p, q))
    assert E.mul(P0, E.inv(Q0)) == want


# ---------------------------------------------------------------- soundness


def _rejects(proof_bytes, verify):
    try:
        proof = LU.LogupProof.from_bytes(proof_bytes)
    except CodecError:
        return True
    try:
        verify(proof)
    except ProofError:
        return True
    return False


def test_every_byte_flip_rejected_range():
    x = np.array([3, 0, 2], dtype=np.uint64)
    limbs = RC.decompose(x, 2)
    m = RC.multiplicities(limbs, 2)
    proof, _ = RC.prove(limbs, 2, m, _committed(limbs, m))
    data = proof.to_bytes()
    verify = lambda pr: RC.verify(pr, 3, 2, _committed(limbs, m))  # noqa: E731
    assert not _rejects(data, verify)
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x80 if i % 3 else 0x01
        assert _rejects(bytes(bad), verify), f"flip at byte {i} of {len(data)} accepted"
    assert _rejects(data + b"\0", verify) and _rejects(data[:-1], verify)


def test_every_byte_flip_rejected_tuple():
    rng = np.random.default_rng(14)
    table, cols = _tuple_instance(rng, rows=3, lookups=2)
    m = LU.multiplicities(cols, [(0, 1)], table)
    proof, _ = LU.prove(cols, [(0, 1)], table, m, _committed(*cols, m))
    shape = LU.LookupShape.make(2, 2, [(0, 1)], table)
    data = proof.to_bytes()
    verify = lambda pr: LU.verify(pr, shape, _committed(*cols, m))  # noqa: E731
    assert not _rejects(data, verify)
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x04
        assert _rejects(bytes(bad), verify), f"flip at byte {i} accepted"


@pytest.mark.parametrize("bits,bad", [(1, 2), (4, 16), (8, P - 1), (16, 1 << 16), (16, 1 << 40)])
def test_value_outside_table_rejected(bits, bad):
    rng = np.random.default_rng(bits)
    for n in (1, 6, 64):
        x = rng.integers(0, 1 << bits, n, dtype=np.uint64)
        x[n // 2] = np.uint64(bad)
        limbs = RC.decompose(x, bits)
        m = RC.multiplicities(limbs, bits)
        proof, _ = RC.prove(limbs, bits, m, _committed(limbs, m))
        with pytest.raises(ProofError):
            RC.verify(proof, n, bits, _committed(limbs, m))


def test_limb_out_of_range_rejected():
    """20 bits: the top limb holds 4 bits; a top limb of 16 passes [0, 2^16) alone but not
    the scaled second lookup."""
    x = np.array([5, 7, 9], dtype=np.uint64)
    limbs = RC.decompose(x, 20)
    limbs[1, 1] = 16  # x[1] would be 16 * 2^16 + 7 >= 2^20
    m = RC.multiplicities(limbs, 20)
    proof, _ = RC.prove(limbs, 20, m, _committed(limbs, m))
    with pytest.raises(ProofError):
        RC.verify(proof, 3, 20, _committed(limbs, m))


def test_tuple_not_in_table_rejected():
    rng = np.random.default_rng(15)
    table, cols = _tuple_instance(rng)
    cols[1] = cols[1].copy()
    cols[1][5] = (int(cols[1][5]) + 1) % 1009  # (x, y) with y != f(x)
    m = LU.multiplicities(cols, [(0, 1)], table)
    proof, _ = LU.prove(cols, [(0, 1)], table, m, _committed(*cols, m))
    with pytest.raises(ProofError):
        LU.verify(proof, LU.LookupShape.make(37, 2, [(0, 1)], table), _committed(*cols, m))


def test_wrong_multiplicities_rejected():
    x = np.array([1, 1, 2, 3, 3, 3], dtype=np.uint64)
    m = RC.multiplicities(x[None], 2)
    for k in range(4):
        bad = m.copy()
        bad[k] += np.uint64(1)
        proof, _ = RC.prove(x[None], 2, bad, _committed(x, bad))
        with pytest.raises(ProofError):
            RC.verify(proof, 6, 2, _committed(x, bad))


def test_changed_claims_and_statement_rejected():
    x = np.array([1, 0, 3, 2, 2], dtype=np.uint64)
    m = RC.multiplicities(x[None], 2)
    proof, _ = RC.prove(x[None], 2, m, _committed(x, m))
    for field in ("witness_evals", "table_evals", "roots"):
        arr = getattr(proof, field).copy()
        arr[0, 0] = (int(arr[0, 0]) + 1) % P
        forged = LU.LogupProof(**{**{f: getattr(proof, f) for f in ("roots", "witness_gkr", "table_gkr",
                                                                  "witness_evals", "table_evals")}, field: arr})
        with pytest.raises(ProofError):
            RC.verify(forged, 5, 2, _committed(x, m))
    with pytest.raises(ProofError):  # the statement: another row count
        RC.verify(proof, 4, 2, _committed(x, m))
    with pytest.raises(ProofError):  # the statement: another range
        RC.verify(proof, 5, 3, _committed(x, m))
    with pytest.raises(ProofError):  # the commitment absorbed before alpha
        RC.verify(proof, 5, 2, _committed(x + np.uint64(1), m))


def test_prefix_indicator_and_identity_mle():
    rng = np.random.default_rng(16)
    pt = [tuple(int(v) for v in r) for r in random_base(rng, (4, 2))]
    for count in range(17):
        table = np.array([1 if i < count else 0 for i in range(16)], dtype=np.uint64)
        assert E.prefix_indicator(pt, count) == E.ext(ML.evaluate(table, E.to_array(pt)))
    assert E.identity_mle(pt) == E.ext(ML.evaluate(np.arange(16, dtype=np.uint64), E.to_array(pt)))


# ---------------------------------------------------------------- batched GKR


def test_batched_gkr_fast_equals_reference_and_leaf_claims():
    from veriml.codec import Reader, Writer
    rng = np.random.default_rng(21)
    depths = [5, 0, 3, 7, 7]
    trees = [gkr.build_tree(random_base(rng, 1 << d), random_base(rng, 1 << d) | np.uint64(1)) for d in depths]
    outs = []
    for ref in (False, True):
        t = Transcript("batch")
        proof, leaves = gkr.prove_batch(trees, t, reference=ref)
        w = Writer()
        proof.write(w)
        outs.append((w.getvalue(), t.state, leaves))
    assert outs[0][0] == outs[1][0] and outs[0][1] == outs[1][1]
    data, _, leaves = outs[0]
    roots = [(tr[0][0][0], tr[0][1][0]) for tr in trees]
    got = gkr.verify_batch(gkr.BatchGkrProof.read(Reader(data), depths), roots, depths, Transcript("batch"))
    for tr, lc, g in zip(trees, leaves, got):
        assert g == lc
        p, q = tr[-1]
        pt = E.to_array(lc.point) if lc.point else np.zeros((0, 2), np.uint64)
        assert lc.p == (E.ext(ML.evaluate(p, pt)) if lc.point else E.ext(p[0]))
        assert lc.q == (E.ext(ML.evaluate(q, pt)) if lc.point else E.ext(q[0]))
    for pos in range(0, len(data), 7):  # tampering anywhere is caught
        bad = bytearray(data)
        bad[pos] ^= 0x02
        try:
            proof = gkr.BatchGkrProof.read(Reader(bytes(bad)), depths)
        except CodecError:
            continue
        with pytest.raises(ProofError):
            gkr.verify_batch(proof, roots, depths, Transcript("batch"))
