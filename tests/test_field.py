"""Field conformance suite: every implementation (reference and numba) obeys the field
axioms, and the implementations agree bit for bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veriml.field as F

P = F.GOLDILOCKS_P
EDGE = [0, 1, 2, P - 1, P - 2, 2**32 - 1, 2**32, 2**32 + 1, 2**63, P - 2**32, 2**64 - 2**33 + 2]

elem = st.one_of(st.sampled_from(EDGE), st.integers(0, P - 1))
vec = st.lists(elem, min_size=1, max_size=24)


def arr(xs):
    return np.array(xs, dtype=np.uint64)


IMPLS = pytest.mark.parametrize("impl", [F.IMPLEMENTATIONS[k] for k in sorted(F.IMPLEMENTATIONS)], ids=sorted(F.IMPLEMENTATIONS))


@IMPLS
@settings(max_examples=60, deadline=None)
@given(a=vec, b=vec, c=vec)
def test_base_axioms(impl, a, b, c):
    n = min(len(a), len(b), len(c))
    a, b, c = arr(a[:n]), arr(b[:n]), arr(c[:n])
    assert (impl.add(a, b) == impl.add(b, a)).all()
    assert (impl.mul(a, b) == impl.mul(b, a)).all()
    assert (impl.mul(impl.mul(a, b), c) == impl.mul(a, impl.mul(b, c))).all()
    assert (impl.mul(a, impl.add(b, c)) == impl.add(impl.mul(a, b), impl.mul(a, c))).all()
    assert (impl.sub(impl.add(a, b), b) == a).all()
    assert (impl.add(a, impl.neg(a)) == 0).all()
    nz = a[a != 0]
    if nz.size:
        assert (impl.mul(nz, impl.inv(nz)) == 1).all()
    for out in (impl.add(a, b), impl.sub(a, b), impl.mul(a, b), impl.neg(a), impl.inv(a)):
        assert (out < np.uint64(P)).all()


@IMPLS
@settings(max_examples=60, deadline=None)
@given(a=vec, b=vec, c=vec)
def test_ext_axioms(impl, a, b, c):
    n = min(len(a), len(b), len(c)) // 2 * 2
    if n == 0:
        return
    a, b, c = (arr(x[:n]).reshape(-1, 2) for x in (a, b, c))
    assert (impl.ext_mul(a, b) == impl.ext_mul(b, a)).all()
    assert (impl.ext_mul(impl.ext_mul(a, b), c) == impl.ext_mul(a, impl.ext_mul(b, c))).all()
    assert (impl.ext_mul(a, impl.ext_add(b, c)) == impl.ext_add(impl.ext_mul(a, b), impl.ext_mul(a, c))).all()
    nz = a[(a != 0).any(axis=1)]
    if nz.size:
        one = np.zeros_like(nz)
        one[:, 0] = 1
        assert (impl.ext_mul(nz, impl.ext_inv(nz)) == one).all()
    # x^2 = 7
    x = arr([0, 1]).reshape(1, 2)
    assert (impl.ext_mul(x, x) == arr([7, 0])).all()
    # base embedding is a ring homomorphism
    b0 = b[:, 0]
    assert (impl.ext_mul_base(a, b0) == impl.ext_mul(a, F.ext_from_base(b0))).all()


@settings(max_examples=100, deadline=None)
@given(a=vec, b=vec)
def test_fast_matches_reference(a, b):
    n = min(len(a), len(b))
    a, b = arr(a[:n]), arr(b[:n])
    for name in ("add", "sub", "mul"):
        assert (getattr(F.fast, name)(a, b) == getattr(F.ref, name)(a, b)).all(), name
    assert (F.fast.neg(a) == F.ref.neg(a)).all()
    assert (F.fast.inv(a) == F.ref.inv(a)).all()
    assert (F.fast.pow_(a, 12345) == F.ref.pow_(a, 12345)).all()
    if n >= 2:
        m = n // 2 * 2
        ea, eb = a[:m].reshape(-1, 2), b[:m].reshape(-1, 2)
        assert (F.fast.ext_mul(ea, eb) == F.ref.ext_mul(ea, eb)).all()
        assert (F.fast.ext_inv(ea) == F.ref.ext_inv(ea)).all()


def test_large_random_agree():
    rng = np.random.default_rng(7)
    a = F.random_base(rng, 4096)
    b = F.random_base(rng, 4096)
    assert (F.fast.mul(a, b) == F.ref.mul(a, b)).all()
    ea, eb = F.random_ext(rng, 2048), F.random_ext(rng, 2048)
    assert (F.fast.ext_mul(ea, eb) == F.ref.ext_mul(ea, eb)).all()


def test_broadcasting_and_shapes():
    rng = np.random.default_rng(1)
    a = F.random_base(rng, (3, 4))
    s = np.uint64(5)
    assert F.mul(a, s).shape == (3, 4)
    assert (F.mul(a, s) == F.ref.mul(a, np.full((3, 4), 5, dtype=np.uint64))).all()
    e = F.random_ext(rng, (3, 4))
    assert F.ext_mul(e, e[0]).shape == (3, 4, 2)


def test_multiplicative_group_order():
    # 7 generates F_p^*: 7^((p-1)/q) != 1 for each prime q | p-1 = 2^32 * 3 * 5 * 17 * 257 * 65537
    g = np.array([7], dtype=np.uint64)
    assert F.pow_(g, P - 1)[0] == 1
    for q in (2, 3, 5, 17, 257, 65537):
        assert F.pow_(g, (P - 1) // q)[0] != 1


def test_signed_round_trip():
    v = np.array([0, 1, -1, 2**62, -(2**62), 12345, -98765], dtype=np.int64)
    assert (F.to_int(F.from_int(v)) == v).all()
    assert F.from_int([-1])[0] == P - 1
