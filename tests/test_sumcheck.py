"""Sumcheck: completeness, fast == reference, soundness against tampering, encoding."""

from __future__ import annotations

import numpy as np
import pytest

from veriml.codec import CodecError
from veriml.errors import ProofError
from veriml.field import random_base, random_ext
from veriml.iop import ext as E
from veriml.iop import kernels as K
from veriml.iop import sumcheck as SC
from veriml.poly import multilinear as ML
from veriml.transcript import Transcript

P = E.P


def _statements(rng, n):
    """(tables, terms, eq_point) covering every prover path."""
    N = 1 << n
    b = lambda: random_base(rng, N)  # noqa: E731
    x = lambda: random_ext(rng, N)  # noqa: E731
    z = random_ext(rng, n)
    lam = tuple(int(v) for v in random_ext(rng, 1)[0])
    return {
        "base*base": ([b(), b()], [(3, (0, 1))], None),
        "base*ext": ([b(), x()], [(1, (1, 0))], None),
        "ext*ext": ([x(), x()], [(lam, (0, 1))], None),
        "eq*f": ([x()], [(1, (0,))], z),
        "eq*f*g base": ([b(), b()], [(1, (0, 1))], z),
        "eq*f*g ext": ([x(), b()], [(1, (0, 1))], z),
        "logup layer": ([x(), x(), x(), x()], [(1, (0, 3)), (1, (1, 2)), (lam, (2, 3))], z),
        "f*g*h": ([b(), b(), x()], [(1, (0, 1, 2)), (5, (0,))], None),
        "eq*f*g*h + f": ([b(), x(), b()], [(2, (0, 1, 2)), (1, (1,))], z),
        "f^4": ([x()], [(1, (0, 0, 0, 0))], None),
    }


def _direct_sum(tables, terms, z):
    """sum_b [eq(z, b)] sum_t c_t prod f_j(b), straight from the definition."""
    n = tables[0].shape[0].bit_length() - 1
    eqt = ML.eq_table_ref(z) if z is not None and n else np.array([[1, 0]] * (1 << n), dtype=np.uint64)
    total = E.ZERO
    for i in range(1 << n):
        vals = [E.ext(t[i]) if t.ndim == 2 else (int(t[i]), 0) for t in tables]
        h = E.total(E.mul(E.ext(c), E.prod(vals[j] for j in f)) for c, f in terms)
        total = E.add(total, E.mul(E.ext(eqt[i]), h))
    return total


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7, 10])
def test_complete_and_fast_equals_reference(n):
    rng = np.random.default_rng(100 + n)
    for name, (tables, terms, z) in _statements(rng, n).items():
        fast = SC.prove(tables, terms, Transcript("t"), eq_point=z)
        if n <= 7:
            ref = SC.prove_ref(tables, terms, Transcript("t"), eq_point=z)
            assert ref.proof.to_bytes() == fast.proof.to_bytes(), name
            assert np.array_equal(ref.claim, fast.claim), name
        if n <= 4:
            assert E.ext(fast.claim) == _direct_sum(tables, terms, z), name
        proof = SC.SumcheckProof.from_bytes(fast.proof.to_bytes())
        point, evals = SC.verify(proof, fast.claim, terms, n, len(tables), Transcript("t"), eq_point=z)
        assert np.array_equal(point, fast.point) and np.array_equal(evals, fast.evals), name
        for j, t in enumerate(tables):  # the returned claims are true evaluations
            want = ML.evaluate(t, point) if n else (t[0] if t.ndim == 2 else np.array([t[0], 0], dtype=np.uint64))
            assert E.ext(evals[j]) == E.ext(want), name


def test_claim_given_equals_claim_computed():
    rng = np.random.default_rng(5)
    tables, terms, z = _statements(rng, 6)["logup layer"]
    a = SC.prove(tables, terms, Transcript("t"), eq_point=z)
    b = SC.prove(tables, terms, Transcript("t"), eq_point=z, claim=a.claim)
    assert a.proof.to_bytes() == b.proof.to_bytes()


def test_eq_point_zero_coordinate_and_degenerate_prefix():
    """z_i = 0 disables the derivation of t_i(1) from the claim; both paths must agree."""
    rng = np.random.default_rng(6)
    tables = [random_ext(rng, 16), random_ext(rng, 16)]
    z = random_ext(rng, 4)
    z[1] = 0
    z[2] = (1, 0)
    a = SC.prove(tables, [(1, (0, 1))], Transcript("t"), eq_point=z)
    b = SC.prove_ref(tables, [(1, (0, 1))], Transcript("t"), eq_point=z)
    assert a.proof.to_bytes() == b.proof.to_bytes()
    SC.verify(a.proof, a.claim, [(1, (0, 1))], 4, 2, Transcript("t"), eq_point=z)


def _small_instance():
    rng = np.random.default_rng(7)
    tables, terms, z = _statements(rng, 3)["logup layer"]
    out = SC.prove(tables, terms, Transcript("t"), eq_point=z)
    return tables, terms, z, out


def _verify_bytes(data, claim, terms, n, J, z):
    try:
        proof = SC.SumcheckProof.from_bytes(data)
    except CodecError:
        return False
    try:
        SC.verify(proof, claim, terms, n, J, Transcript("t"), eq_point=z)
    except ProofError:
        return False
    return True


def test_every_byte_flip_rejected():
    tables, terms, z, out = _small_instance()
    data = out.proof.to_bytes()
    assert _verify_bytes(data, out.claim, terms, 3, 4, z)
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x01 if i % 2 else 0x80
        assert not _verify_bytes(bytes(bad), out.claim, terms, 3, 4, z), f"flip at byte {i} accepted"
    assert not _verify_bytes(data + b"\0", out.claim, terms, 3, 4, z)
    assert not _verify_bytes(data[:-1], out.claim, terms, 3, 4, z)


def test_changed_claims_rejected():
    tables, terms, z, out = _small_instance()
    bumped = E.to_array([E.add(E.ext(out.claim), E.ONE)])[0]
    with pytest.raises(ProofError):
        SC.verify(out.proof, bumped, terms, 3, 4, Transcript("t"), eq_point=z)
    for j in range(4):  # any final evaluation
        finals = out.proof.final_evals.copy()
        finals[j, 1] = (int(finals[j, 1]) + 1) % P
        with pytest.raises(ProofError):
            SC.verify(SC.SumcheckProof(out.proof.round_evals, finals), out.claim, terms, 3, 4,
                      Transcript("t"), eq_point=z)
    z2 = z.copy()
    z2[0, 0] = (int(z2[0, 0]) + 1) % P
    with pytest.raises(ProofError):
        SC.verify(out.proof, out.claim, terms, 3, 4, Transcript("t"), eq_point=z2)
    with pytest.raises(ProofError):  # another statement: different coefficient
        SC.verify(out.proof, out.claim, terms[:2] + [(1, (2, 3))], 3, 4, Transcript("t"), eq_point=z)
    with pytest.raises(ProofError):  # other transcript state
        SC.verify(out.proof, out.claim, terms, 3, 4, Transcript("other"), eq_point=z)


def test_false_claim_from_honest_prover_rejected():
    """A prover handed a wrong claim cannot make it verify."""
    rng = np.random.default_rng(8)
    f, g = random_base(rng, 32), random_base(rng, 32)
    wrong = (int(K.dot_base(f, g)) + 1) % P
    out = SC.prove([f, g], [(1, (0, 1))], Transcript("t"), claim=(wrong, 0))
    with pytest.raises(ProofError):
        SC.verify(out.proof, (wrong, 0), [(1, (0, 1))], 5, 2, Transcript("t"))


def test_shape_mismatch_rejected():
    tables, terms, z, out = _small_instance()
    with pytest.raises(ProofError):
        SC.verify(out.proof, out.claim, terms, 4, 4, Transcript("t"), eq_point=np.zeros((4, 2), np.uint64))
    with pytest.raises(ProofError):
        SC.verify(out.proof, out.claim, terms, 3, 5, Transcript("t"), eq_point=z)


def test_bad_statements_raise():
    with pytest.raises(ValueError):
        SC.prove([np.zeros(3, np.uint64)], [(1, (0,))], Transcript("t"))
    with pytest.raises(ValueError):
        SC.prove([np.zeros(4, np.uint64)], [(1, (1,))], Transcript("t"))
    with pytest.raises(ValueError):
        SC.prove([np.zeros(4, np.uint64)], [(1, ())], Transcript("t"))


def test_lazy_accumulation_extremes():
    """Tables of p - 1 everywhere: the largest raw products the 192-bit sums can see."""
    f = np.full(1 << 12, P - 1, dtype=np.uint64)
    g = np.full((1 << 12, 2), P - 1, dtype=np.uint64)
    for tables in ([f, f], [g, g], [g, f]):
        a = SC.prove(tables, [(1, (0, 1))], Transcript("t"))
        b = SC.prove_ref(tables, [(1, (0, 1))], Transcript("t"))
        assert a.proof.to_bytes() == b.proof.to_bytes()


def test_kernels_load_from_cache():
    """Every sumcheck kernel is a plain @njit(cache=True) function (no factories)."""
    for name in ("prod2_base", "prod2_ext", "prod2_ext_base", "quad_ext", "quad_base",
                 "generic_ext", "fold_ext", "fold_stack_ext", "fold_stack_base", "half_sum"):
        assert getattr(K, name)._cache.__class__.__name__ == "FunctionCache", name
