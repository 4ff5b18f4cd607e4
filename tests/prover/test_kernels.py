"""The model prover's numba kernels against plain reference arithmetic (veriml.field.ref)."""

import numpy as np

import veriml.field as F
from veriml.field import ref as R
from veriml.prover.kernels import contract_last, contract_mid, index_weights


def _contract_ref(x, eq):
    """sum_r eq[r] * x[..., r, :] with Python-int arithmetic."""
    acc = np.zeros(x.shape[:-2] + (x.shape[-1], 2), dtype=np.uint64)
    for r in range(x.shape[-2]):
        term = R.ext_mul_base(np.broadcast_to(eq[r], x[..., r, :].shape + (2,)), x[..., r, :])
        acc = R.ext_add(acc, term)
    return acc


def test_contract_mid_and_last_match_reference():
    rng = np.random.default_rng(5)
    x = F.random_base(rng, (3, 4, 5))
    eq = F.random_ext(rng, 4)
    out = np.empty((3, 5, 2), dtype=np.uint64)
    contract_mid(x, eq, out)
    assert (out == _contract_ref(x, eq)).all()
    xt = np.ascontiguousarray(x.transpose(0, 2, 1))  # (3, 5, 4): contract the last axis
    out2 = np.empty((3, 5, 2), dtype=np.uint64)
    contract_last(xt, eq, out2)
    assert (out2 == out).all()


def test_index_weights_match_reference():
    rng = np.random.default_rng(6)
    eq = F.random_ext(rng, 16)
    idx = rng.integers(-1, 8, size=16)
    w = index_weights(eq, idx, 8)
    ref = np.zeros((8, 2), dtype=np.uint64)
    for i, j in enumerate(idx):
        if j >= 0:
            ref[j] = R.ext_add(ref[j], eq[i])
    assert (w == ref).all()
    # sum_i eq_i x[idx_i] == sum_j w_j x_j
    x = F.random_base(rng, 8)
    lhs = np.zeros(2, dtype=np.uint64)
    for i, j in enumerate(idx):
        if j >= 0:
            lhs = R.ext_add(lhs, R.ext_mul_base(eq[i], x[j]))
    rhs = np.zeros(2, dtype=np.uint64)
    for j in range(8):
        rhs = R.ext_add(rhs, R.ext_mul_base(w[j], x[j]))
    assert (lhs == rhs).all()
