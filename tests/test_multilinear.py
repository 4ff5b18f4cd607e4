import numpy as np
import pytest

import veriml.field as F
from veriml.poly import multilinear as M


@pytest.mark.parametrize("n", [0, 1, 2, 5, 8])
def test_eval_fold_eq_match_reference(n):
    rng = np.random.default_rng(n)
    t = F.random_base(rng, 1 << n)
    te = F.random_ext(rng, 1 << n)
    pt = F.random_ext(rng, n)
    assert (M.evaluate(t, pt) == M.evaluate_ref(t, pt)).all()
    assert (M.evaluate(te, pt) == M.evaluate_ref(te, pt)).all()
    assert (M.eq_table(pt) == M.eq_table_ref(pt)).all()
    if n:
        assert (M.fold(t, pt[0]) == M.fold_ref(t, pt[0])).all()
        assert (M.fold(te, pt[0]) == M.fold_ref(te, pt[0])).all()


def test_boolean_points_read_the_table_msb_first():
    rng = np.random.default_rng(3)
    t = F.random_base(rng, 8)
    for i in range(8):
        bits = [(i >> (2 - j)) & 1 for j in range(3)]
        pt = F.ext_from_base(np.array(bits, dtype=np.uint64))
        assert (M.evaluate(t, pt) == [t[i], 0]).all()


def test_eq_eval_matches_table():
    rng = np.random.default_rng(4)
    a = F.random_ext(rng, 6)
    b = F.random_ext(rng, 6)
    assert (M.eq_eval(a, b) == M.evaluate(M.eq_table(a), b)).all()


def test_point_size_mismatch_is_an_error():
    with pytest.raises(ValueError):
        M.evaluate(np.zeros(8, dtype=np.uint64), np.zeros((2, 2), dtype=np.uint64))


def test_evaluate_base_split_matches_evaluate():
    rng = np.random.default_rng(31)
    for n in (1, 2, 3, 8, 13):
        t = F.random_base(rng, 1 << n)
        p = F.random_ext(rng, n)
        assert np.array_equal(M.evaluate_base(t, p), M.evaluate(t, p))
