"""The integer primitives' exact semantics and the interval analysis."""

import numpy as np
import pytest

from veriml.errors import BoundError
from veriml.ir.execute import PRIMITIVES
from veriml.ir.bounds import BOUNDS
from veriml.quant.builder import Builder
from veriml.quant import qops


def test_every_primitive_has_a_bound_rule():
    assert set(PRIMITIVES) == set(BOUNDS)


def test_rescale_rounds_half_up():
    x = np.array([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5], dtype=np.int64)
    y = PRIMITIVES["rescale"]([x], {"k": 1})
    assert y.tolist() == [-2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3]
    assert PRIMITIVES["rescale"]([x], {"k": 70}).tolist() == [0] * 11


def test_div_floor_and_round():
    a = np.array([-7, -1, 0, 5, 7], dtype=np.int64)
    b = np.array([2, 2, 2, 2, 2], dtype=np.int64)
    assert PRIMITIVES["div"]([a, b], {}).tolist() == [-4, -1, 0, 2, 3]
    assert PRIMITIVES["div"]([a, b], {"round": 1}).tolist() == [-3, 0, 0, 3, 4]


def test_isqrt_exact_near_squares():
    s = np.arange(0, 3_000_000_000, 7_777_777, dtype=np.int64)
    x = np.concatenate([s * s, s * s - 1, s * s + 1])
    x = x[x >= 0]
    r = PRIMITIVES["isqrt"]([x], {})
    assert np.all(r * r <= x) and np.all((r + 1) * (r + 1) > x)


def test_gather_negative_index_reads_zero():
    x = np.arange(1, 7, dtype=np.int64).reshape(2, 3)
    idx = np.array([[5, -1], [0, 2]], dtype=np.int64)
    assert PRIMITIVES["gather"]([x], {"idx": idx}).tolist() == [[6, 0], [1, 3]]


def test_matmul_float_and_int_paths_agree():
    rng = np.random.default_rng(0)
    a = rng.integers(-2**40, 2**40, size=(3, 5), dtype=np.int64)
    b = rng.integers(-2**15, 2**15, size=(5, 4), dtype=np.int64)
    small = PRIMITIVES["matmul"]([a >> 30, b], {})
    assert np.array_equal(small, (a >> 30) @ b)
    big = PRIMITIVES["matmul"]([a, b], {})  # partial sums > 2^53: int64 path
    assert np.array_equal(big, a @ b)


def _builder(x, lo, hi, scale=10):
    b = Builder()
    t = b.input([np.asarray(x, dtype=np.int64)], scale, lo, hi, "x")
    return b, t


def test_bounds_are_sound_on_random_programs():
    rng = np.random.default_rng(5)
    x = rng.integers(-1000, 1000, size=(4, 8))
    b, t = _builder(x, -1000, 1000)
    w = qops.qconst(b, rng.standard_normal((8, 3)))
    y = b.emit("matmul", [t, w], scale=t.scale + w.scale)
    z = b.emit("rescale", [y], {"k": 7})
    r = qops.relu(b, z)
    s = qops.reduce_sum(b, r, (1,))
    for tensor in (y, z, r, s):
        v = b.values[tensor.id][0]
        assert tensor.lo <= v.min() and v.max() <= tensor.hi


def test_overflow_is_reported_at_compile_time():
    b, t = _builder([[1, 2]], -2**40, 2**40)
    with pytest.raises(BoundError):
        b.emit("mul", [t, t], scale=2 * t.scale)  # 2^80 cannot fit


def test_products_lose_precision_instead_of_overflowing():
    b, t = _builder([[1, 2]], -2**40, 2**40)
    y = qops.mul(b, t, t)
    assert y.bound < 2**62


def test_lookup_domain_is_proven():
    b, t = _builder([[0, 5]], -100, 100, scale=4)
    with pytest.raises(BoundError):
        b.emit("lookup", [t], {"fn": "tanh", "s_in": 4, "s_out": 8, "lo": -16, "bits": 5})
    y = qops.lookup(b, t, "tanh", -8.0, 8.0)  # inserts the clamp
    assert y.hi <= 2**y.scale
