"""WHIR polynomial commitment: completeness, batching, encoding, soundness on small instances,
and the security calculator."""

import numpy as np
import pytest

import veriml.field as F
from veriml import ntt as N
from veriml.pcs import Commitment, PcsError, PcsParams, PcsProof, commit, open as pcs_open, verify
from veriml.pcs.whir import encode_rows, stack_layout
from veriml.poly import multilinear as ML
from veriml.security import queries_for
from veriml.transcript import Transcript

SMALL = PcsParams(log_inv_rate=1, folding_factor_first=2, folding_factor=2, max_final_vars=2,
                  queries=(6, 5), grinding_bits=(1,), min_vars=1)


def _instance(rng, sizes, points_per_poly=2):
    tables = [F.random_base(rng, 1 << s) for s in sizes]
    claims = []
    for j, t in enumerate(tables):
        for _ in range(points_per_poly):
            pt = F.random_ext(rng, sizes[j])
            claims.append((j, pt, ML.evaluate(t, pt)))
    return tables, claims


def _prove(params, tables, claims, label="test"):
    cm, pd = commit(params, tables)
    tp = Transcript(label)
    cm.absorb_into(tp)
    return cm, pcs_open(params, pd, claims, tp)


def _verify(params, cm, claims, proof, label="test"):
    tv = Transcript(label)
    cm.absorb_into(tv)
    return verify(params, cm, claims, proof, tv)


@pytest.mark.parametrize("sizes", [[1], [2], [5], [7], [6, 3, 3, 0], [8, 8, 2], [4, 6]])
def test_completeness_small_params(sizes):
    rng = np.random.default_rng(sum(sizes) + len(sizes))
    tables, claims = _instance(rng, sizes)
    cm, proof = _prove(SMALL, tables, claims)
    data = proof.to_bytes()
    assert _verify(SMALL, cm, claims, data)
    assert _verify(SMALL, cm, claims, proof)
    assert PcsProof.from_bytes(data).to_bytes() == data
    assert Commitment.from_bytes(cm.to_bytes()) == cm


@pytest.mark.parametrize("params", [
    PcsParams(log_inv_rate=2, folding_factor_first=3, folding_factor=2, max_final_vars=3,
              queries=(9, 7, 5), grinding_bits=(2, 0), ood_samples=2, min_vars=1),
    PcsParams(log_inv_rate=3, folding_factor_first=1, folding_factor=3, max_final_vars=1,
              queries=(5,), grinding_bits=(0,), ood_samples=0, min_vars=4),
])
def test_completeness_other_schedules(params):
    rng = np.random.default_rng(7)
    tables, claims = _instance(rng, [9, 4], points_per_poly=3)
    cm, proof = _prove(params, tables, claims)
    assert _verify(params, cm, claims, proof.to_bytes())


def test_default_params_at_2_12():
    params = PcsParams.default()
    rng = np.random.default_rng(12)
    tables, claims = _instance(rng, [12, 10], points_per_poly=2)
    cm, proof = _prove(params, tables, claims)
    data = proof.to_bytes()
    assert _verify(params, cm, claims, data)
    bad = list(claims)
    bad[1] = (bad[1][0], bad[1][1], F.ext_add(bad[1][2], np.array([1, 0], dtype=np.uint64)))
    with pytest.raises(PcsError):
        _verify(params, cm, bad, data)


def test_every_byte_flip_is_rejected():
    rng = np.random.default_rng(99)
    tables, claims = _instance(rng, [5, 3], points_per_poly=1)
    cm, proof = _prove(SMALL, tables, claims)
    data = proof.to_bytes()
    assert _verify(SMALL, cm, claims, data)
    for pos in range(len(data)):
        for mask in (0x01, 0x80):
            bad = bytearray(data)
            bad[pos] ^= mask
            with pytest.raises(PcsError):
                _verify(SMALL, cm, claims, bytes(bad))
    with pytest.raises(PcsError):
        _verify(SMALL, cm, claims, data + b"\x00")
    with pytest.raises(PcsError):
        _verify(SMALL, cm, claims, data[:-1])


def test_wrong_value_point_or_poly_is_rejected():
    rng = np.random.default_rng(3)
    tables, claims = _instance(rng, [6, 6], points_per_poly=1)
    cm, proof = _prove(SMALL, tables, claims)
    one = np.array([1, 0], dtype=np.uint64)
    j, pt, v = claims[0]
    variants = [
        [(j, pt, F.ext_add(v, one))] + claims[1:],  # wrong value
        [(j, F.ext_add(pt, one[None, :]), v)] + claims[1:],  # wrong point
        [(1, pt, v), claims[1]],  # claim moved to the other table
        claims[:1],  # a claim dropped
    ]
    for bad in variants:
        with pytest.raises(PcsError):
            _verify(SMALL, cm, bad, proof)


def test_proof_for_one_table_fails_against_another_commitment():
    rng = np.random.default_rng(4)
    t1 = F.random_base(rng, 1 << 7)
    t2 = t1.copy()
    t2[5] = (int(t2[5]) + 1) % N.P  # differs in one entry only
    pt = F.random_ext(rng, 7)
    claims = [(0, pt, ML.evaluate(t1, pt))]
    cm1, proof = _prove(SMALL, [t1], claims)
    cm2, _ = commit(SMALL, [t2])
    assert _verify(SMALL, cm1, claims, proof)
    with pytest.raises(PcsError):
        _verify(SMALL, cm2, claims, proof)
    # and an honest proof about t2's value does not verify against t1's commitment
    claims2 = [(0, pt, ML.evaluate(t2, pt))]
    _, proof2 = _prove(SMALL, [t2], claims2)
    with pytest.raises(PcsError):
        _verify(SMALL, cm1, claims2, proof2)


def test_other_transcript_is_rejected():
    rng = np.random.default_rng(8)
    tables, claims = _instance(rng, [6], points_per_poly=1)
    cm, proof = _prove(SMALL, tables, claims, label="a")
    with pytest.raises(PcsError):
        _verify(SMALL, cm, claims, proof, label="b")


def test_bad_inputs():
    with pytest.raises(PcsError):
        commit(SMALL, [np.zeros(3, dtype=np.uint64)])
    with pytest.raises(PcsError):
        commit(SMALL, [np.full(4, N.P, dtype=np.uint64)])
    cm, pd = commit(SMALL, [np.zeros(8, dtype=np.uint64)])
    with pytest.raises(PcsError):
        pcs_open(SMALL, pd, [(0, np.zeros((2, 2), np.uint64), np.zeros(2, np.uint64))], Transcript("x"))
    with pytest.raises(PcsError):
        pcs_open(SMALL, pd, [(1, np.zeros((3, 2), np.uint64), np.zeros(2, np.uint64))], Transcript("x"))
    with pytest.raises(PcsError):
        PcsProof.from_bytes(b"")


def test_stack_layout_aligns_tables():
    n, offs = stack_layout([3, 5, 0, 5, 2], min_vars=1)
    assert n == 7 and offs == [64, 0, 76, 32, 72]
    for s, o in zip([3, 5, 0, 5, 2], offs):
        assert o % (1 << s) == 0


def test_codeword_rows_are_fold_fibers():
    """rows[q, s] = F^(omega^(q + s |L|/2^k)) with F^(X) = sum_i c[i] X^(e(i))."""
    rng = np.random.default_rng(11)
    m, r, k = 4, 2, 2
    c = F.random_base(rng, 1 << m)
    rows = encode_rows(c, r, k)
    size = 1 << (m + r)
    w = N.root_of_unity(m + r)
    exps = [int(format(i, f"0{m}b")[::-1], 2) for i in range(1 << m)]
    for q in range(size >> k):
        for s in range(1 << k):
            x = pow(w, q + s * (size >> k), N.P)
            expect = sum(int(c[i]) * pow(x, exps[i], N.P) for i in range(1 << m)) % N.P
            assert int(rows[q, s]) == expect


def test_security_is_computed_and_meets_target():
    p = PcsParams.default()
    for n in range(1, 25):  # round by round, two commitments opened together
        assert p.security_bits(n) >= 100.0, n
        assert p.security_bits(n, num_commitments=1) >= p.security_bits(n), n
    for n in range(1, 23):  # the plain union bound too
        assert p.security(n).union_bits >= 100.0, n
    assert min(p.security_bits(n) for n in range(8, 25)) >= 101.0  # docs/SECURITY.md: >= 101.13
    rep = p.security(20)
    assert "final queries" in rep.rounds and "combine commitments" in rep.rounds
    assert 100 <= rep.union_bits < rep.rbr_bits
    assert "combine commitments" not in p.security(20, num_commitments=1).rounds
    weaker = PcsParams(queries=(60, 40, 40))
    assert weaker.security_bits(20) < 80
    assert PcsParams(grinding_bits=(24,)).security_bits(20) > p.security_bits(20)
    assert queries_for(100, 2, 16) == 124
    assert PcsParams.for_security(100).security_bits(20) >= 100
    str(rep)


_CACHE_SCRIPT = """
import numpy as np
import veriml.field as F
from veriml.pcs import PcsParams, commit, open as po, kernels as K
from veriml import ntt as N
from veriml.poly import multilinear as ML
from veriml.transcript import Transcript
rng = np.random.default_rng(0)
p = PcsParams(queries=(4,), grinding_bits=(0,))
t = F.random_base(rng, 1 << 9); pt = F.random_ext(rng, 9)
cm, pd = commit(p, [t]); tp = Transcript("c"); cm.absorb_into(tp)
po(p, pd, [(0, pt, ML.evaluate(t, pt))], tp)
ks = (K.sumcheck_coeffs_base, K.coeff_fold_base, N._dit_serial, N._moebius)
print(sum(sum(k.stats.cache_hits.values()) for k in ks), sum(sum(k.stats.cache_misses.values()) for k in ks))
"""


def test_kernels_load_from_the_numba_cache():
    """Module-level kernels (no closures over jitted functions) load from the cache (numba's
    JIT path: ``VERIML_AOT=0``)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "VERIML_AOT": "0"}
    subprocess.run([sys.executable, "-c", _CACHE_SCRIPT], check=True, capture_output=True, env=env)
    out = subprocess.run([sys.executable, "-c", _CACHE_SCRIPT], check=True, capture_output=True, text=True,
                         env=env)
    hits, misses = map(int, out.stdout.split())
    assert hits == 4 and misses == 0


def test_default_params_at_2_16_several_points():
    params = PcsParams.default()
    rng = np.random.default_rng(16)
    tables, claims = _instance(rng, [16, 14, 9], points_per_poly=2)
    cm, proof = _prove(params, tables, claims)
    assert _verify(params, cm, claims, proof.to_bytes())


# ---------------------------------------------------------------- several commitments in one opening


def _many(params, groups, seed, points_per_poly=2):
    from veriml.pcs import open_many
    rng = np.random.default_rng(seed)
    cms, pds, claim_lists = [], [], []
    for sizes in groups:
        tables, claims = _instance(rng, sizes, points_per_poly)
        cm, pd = commit(params, tables)
        cms.append(cm)
        pds.append(pd)
        claim_lists.append(claims)
    tp = Transcript("many")
    for cm in cms:
        cm.absorb_into(tp)
    proof = open_many(params, list(zip(pds, claim_lists)), tp)
    return cms, claim_lists, proof


def _verify_many(params, cms, claim_lists, proof):
    from veriml.pcs import verify_many
    tv = Transcript("many")
    for cm in cms:
        cm.absorb_into(tv)
    return verify_many(params, list(zip(cms, claim_lists)), proof, tv)


@pytest.mark.parametrize("groups", [[[5, 3], [2]], [[2], [6, 4]], [[4], [4], [1, 0]], [[9], [0]], [[3], [7, 7]]])
def test_open_many_small_params(groups):
    cms, claim_lists, proof = _many(SMALL, groups, len(groups) + sum(map(sum, groups)))
    data = proof.to_bytes()
    assert PcsProof.from_bytes(data).to_bytes() == data
    assert _verify_many(SMALL, cms, claim_lists, data)
    one = np.array([1, 0], dtype=np.uint64)
    for j in range(len(groups)):  # a wrong value on any commitment
        bad = [list(c) for c in claim_lists]
        p, pt, v = bad[j][-1]
        bad[j][-1] = (p, pt, F.ext_add(v, one))
        with pytest.raises(PcsError):
            _verify_many(SMALL, cms, bad, data)
    with pytest.raises(PcsError):  # commitments swapped
        _verify_many(SMALL, cms[::-1], claim_lists[::-1], data)


def test_open_many_default_params_different_sizes():
    """The model prover's case: a witness and a (smaller, single-claim) weight commitment."""
    params = PcsParams.default()
    cms, claim_lists, proof = _many(params, [[12, 9, 9], [3]], 5, points_per_poly=1)
    assert _verify_many(params, cms, claim_lists, proof.to_bytes())
    cms, claim_lists, proof = _many(params, [[2], [13]], 6)
    assert _verify_many(params, cms, claim_lists, proof.to_bytes())


def test_open_many_every_byte_flip_is_rejected():
    cms, claim_lists, proof = _many(SMALL, [[3, 1], [2]], 9, points_per_poly=1)
    data = proof.to_bytes()
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= 0x01 if pos % 2 else 0x80
        with pytest.raises(PcsError):
            _verify_many(SMALL, cms, claim_lists, bytes(bad))


def test_sized_params_keep_the_defaults_security():
    """PcsParams.for_size: grinding scaled to the size, never fewer bits than the defaults."""
    from veriml.security import GRIND_LAG, GRIND_MAX

    d = PcsParams.default()
    for n in range(8, 26):
        p = PcsParams.for_size(n)
        assert p.grinding_bits[0] == min(GRIND_MAX, max(0, n - GRIND_LAG))
        assert p.security_bits(n) >= d.security_bits(n)
        if n >= GRIND_MAX + GRIND_LAG:
            assert p == d
        else:  # the bits grinding no longer gives come from queries
            assert p.queries[0] > d.queries[0]
    # a commitment opened with parameters sized for another size (the weights beside the
    # witness) still gets at least the defaults' weakest bits
    floor = min(d.security_bits(m) for m in range(8, 25))
    assert min(PcsParams.for_size(n).security_bits(m) for n in range(8, 25) for m in range(8, 25)) >= floor


@pytest.mark.parametrize("log_n,k", [(1, 1), (5, 1), (8, 4), (10, 3), (12, 4), (13, 2)])
def test_fiber_rows_in_place_matches_the_copy(log_n, k):
    """The in-place fold-fiber permutation against the plain transposition and the copying
    kernel: out[q, s] = x[s R + q]."""
    from veriml.pcs import kernels as K

    n = 1 << log_n
    x = np.random.default_rng(log_n).integers(0, 2**63, size=n, dtype=np.uint64)
    want = x.reshape(1 << k, n >> k).T
    out = np.empty((n >> k, 1 << k), dtype=np.uint64)
    K.fiber_rows_base(x, k, out)
    y = x.copy()
    K.fiber_rows_inplace(y, k)
    assert np.array_equal(out, want) and np.array_equal(y.reshape(n >> k, 1 << k), want)


def test_encode_rows_same_in_place_and_copied(monkeypatch):
    from veriml.pcs import whir

    coeffs = np.random.default_rng(3).integers(0, 2**32, size=1 << 9, dtype=np.uint64)
    inplace = whir.encode_rows(coeffs, 2, 4)
    monkeypatch.setattr(whir, "INPLACE_ROWS_LOG", 0)
    copied = whir.encode_rows(coeffs, 2, 4)
    assert inplace.shape == copied.shape == (1 << 7, 1 << 4) and np.array_equal(inplace, copied)


def test_opening_leaves_the_prover_data_as_it_was():
    """The opening folds the tables it builds in place, never the commitment's own: the same
    prover data opens again to the same proof (one commitment, and two opened together)."""
    from veriml.pcs.whir import open_many

    rng = np.random.default_rng(21)
    tables, claims = _instance(rng, [7], points_per_poly=2)
    cm, pd = commit(SMALL, tables)
    before = [a.copy() for a in (pd.evals, pd.coeffs, pd.rows)]

    def once():
        tp = Transcript("test")
        cm.absorb_into(tp)
        return pcs_open(SMALL, pd, claims, tp).to_bytes()

    first = once()
    assert once() == first and _verify(SMALL, cm, claims, first)
    assert all(np.array_equal(a, b) for a, b in zip(before, (pd.evals, pd.coeffs, pd.rows)))
    t2 = F.random_base(rng, 1 << 5)
    cm2, pd2 = commit(SMALL, [t2])
    pt2 = F.random_ext(rng, 5)
    claims2 = [(0, pt2, ML.evaluate(t2, pt2))]

    def both():
        tp = Transcript("test")
        cm.absorb_into(tp)
        cm2.absorb_into(tp)
        return open_many(SMALL, [(pd, claims), (pd2, claims2)], tp).to_bytes()

    assert both() == both()
    assert all(np.array_equal(a, b) for a, b in zip(before, (pd.evals, pd.coeffs, pd.rows)))
