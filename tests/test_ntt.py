"""NTT over Goldilocks: the numba kernels against the O(n^2) reference, and the multilinear
evaluation <-> coefficient transforms against their Python-integer references."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import veriml.field as F
from veriml import ntt as N
from veriml.poly import multilinear as ML


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 6, 8])
def test_ntt_matches_reference(k):
    rng = np.random.default_rng(k)
    a = F.random_base(rng, (3, 1 << k))  # batched along the leading axis
    e = N.ntt(a)
    assert (e == N.ntt_ref(a)).all()
    assert (N.intt(e) == a).all()
    assert (N.intt(e) == N.intt_ref(e)).all()


@pytest.mark.parametrize("k", [0, 3, 7])
def test_coset_ntt_matches_reference(k):
    rng = np.random.default_rng(10 + k)
    a = F.random_base(rng, 1 << k)
    shift = 7 ** 5
    e = N.coset_ntt(a, shift)
    assert (e == N.coset_ntt_ref(a, shift)).all()
    assert (N.coset_intt(e, shift) == a).all()


def test_roots_of_unity():
    for k in (1, 5, 32):
        w = N.root_of_unity(k)
        assert pow(w, 1 << k, N.P) == 1 and pow(w, 1 << (k - 1), N.P) == N.P - 1
    with pytest.raises(ValueError):
        N.root_of_unity(33)


def test_parallel_kernel_large():
    """2^17 takes the parallel, cache-blocked path: spot-check against Horner and round-trip."""
    rng = np.random.default_rng(5)
    k = 17
    a = F.random_base(rng, 1 << k)
    e = N.ntt(a)
    w = N.root_of_unity(k)
    coeffs = [int(x) for x in a[::-1]]
    for j in (0, 1, 777, (1 << k) - 1):
        x, acc = pow(w, j, N.P), 0
        for c in coeffs:
            acc = (acc * x + c) % N.P
        assert int(e[j]) == acc
    assert (N.intt(e) == a).all()
    old = N.PARALLEL
    try:
        N.PARALLEL = False
        assert (N.ntt(a) == e).all()
    finally:
        N.PARALLEL = old


def test_lde_skips_stages():
    """DIT from stage b on c repeated 2^b times = NTT of the zero-padded bit-reversed input."""
    rng = np.random.default_rng(6)
    m, b = 5, 2
    c = F.random_base(rng, 1 << m)
    x = np.repeat(c, 1 << b)
    N.dit_stages(x, N.twiddles(m + b), b)
    u = np.zeros(1 << (m + b), dtype=np.uint64)
    u[: 1 << m] = N.bit_reverse(c)  # univariate coefficient of X^e is c[bitrev(e)]
    assert (x == N.ntt_ref(u)).all()


@pytest.mark.parametrize("n", [0, 1, 2, 5, 9])
def test_multilinear_basis_change(n):
    rng = np.random.default_rng(20 + n)
    t = F.random_base(rng, 1 << n)
    c = N.eval_to_coeffs(t)
    assert (c == N.eval_to_coeffs_ref(t)).all()
    assert (N.coeffs_to_eval(c) == t).all()
    assert (N.coeffs_to_eval_ref(c) == t).all()
    te = F.random_ext(rng, 1 << n)
    assert (N.coeffs_to_eval(N.eval_to_coeffs(te)) == te).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 6), st.integers(0, 2**32))
def test_coefficients_evaluate_like_the_table(n, seed):
    """sum_S c[S] prod_{j in S} x_j equals the multilinear extension of the table."""
    rng = np.random.default_rng(seed)
    t = F.random_base(rng, 1 << n)
    x = F.random_ext(rng, n)
    c = N.eval_to_coeffs(t)
    acc = np.zeros(2, dtype=np.uint64)
    for i in range(1 << n):
        term = F.ext_from_base(c[i])
        for j in range(n):
            if (i >> (n - 1 - j)) & 1:
                term = F.ext_mul(term, x[j])
        acc = F.ext_add(acc, term)
    assert (acc == ML.evaluate(t, x)).all()
