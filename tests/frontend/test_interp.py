"""Interpolated lookups (veriml.quant.qops.lookup): smooth functions on fine inputs become a
value table and a slope table on a coarse index; accuracy against the float function, and
the direct table wherever interpolation would not pay or would not be accurate."""

import math

import numpy as np
import pytest

from veriml.ir.execute import execute
from veriml.ir.tables import FUNCTIONS, build_table
from veriml.quant import policy, qops
from veriml.quant.builder import Builder

S_IN = 18  # a fine input scale: direct tables of 2^18-2^19 rows


def _lower(fn, lo, hi, n, params=()):
    b = Builder()
    x = np.linspace(lo, hi, n)
    xi = np.round(x * 2.0**S_IN).astype(np.int64)
    t = b.input([xi], S_IN, int(lo * 2**S_IN), int(hi * 2**S_IN), "x")
    y = qops.lookup(b, t, fn, lo, hi, params=params)
    b.output(y, "y")
    out = execute(b.program, [xi])[y.id]
    lookups = [nd for nd in b.program.nodes if nd.op == "lookup"]
    return xi / 2.0**S_IN, np.asarray(out) / 2.0**y.scale, y.scale, lookups


@pytest.mark.parametrize("fn,lo,hi", [("sigmoid", -2.0, 2.0), ("tanh", -2.0, 2.0), ("exp", -8.0, 0.0),
                                      ("erf", -2.0, 2.0), ("phi", -4.0, 4.0), ("gelu_tanh", -4.0, 4.0),
                                      ("sin", -3.0, 3.0)])
def test_smooth_functions_interpolate_within_a_few_output_steps(fn, lo, hi):
    x, y, s_out, lookups = _lower(fn, lo, hi, 4001)
    assert sorted(nd.attrs["fn"] for nd in lookups) == sorted([fn, "d:" + fn])
    s_in = min(S_IN, policy.TABLE_BITS - policy.ceil_log2(hi - lo))  # as qops.lookup picks it
    direct_bits = int((hi - lo) * 2**s_in).bit_length()  # the table a direct lookup would need
    assert sum(2 ** nd.attrs["bits"] for nd in lookups) <= 2 ** (direct_bits - 2)
    # against f at the input rounded to the table's input scale (what a direct table gives):
    # rounding of the value and slope tables and of the product (<= 1.5 steps) plus the
    # interpolation error bound the segment width was chosen for (<= 1 step)
    xr = np.floor(x * 2.0**s_in + 0.5) / 2.0**s_in
    assert np.max(np.abs(y - FUNCTIONS[fn](xr))) <= 3.0 * 2.0**-s_out


def test_slope_table_is_the_forward_difference():
    t0 = build_table("sigmoid", (), 10, 16, -2048, 12)
    h = 2.0**-10
    t1 = build_table("d:sigmoid", (h,), 10, 16, -2048, 12)
    x = (-2048 + np.arange(4096)) / 2.0**10
    f = FUNCTIONS["sigmoid"]
    assert np.array_equal(t1, np.floor((f(x + h) - f(x)) * 2.0**16 + 0.5).astype(np.int64))
    assert np.max(np.abs(t0[1:] - t0[:-1] - t1[:-1])) <= 1


def test_direct_table_where_interpolation_does_not_pay_or_is_not_smooth():
    _, _, _, lk = _lower("log", 0.5, 2.0, 101)  # not in SMOOTH_FUNCTIONS
    assert [nd.attrs["fn"] for nd in lk] == ["log"]
    b = Builder()
    xi = np.arange(-4, 5, dtype=np.int64)
    t = b.input([xi], 0, -4, 4, "x")
    qops.lookup(b, t, "sigmoid", -4.0, 4.0)  # scale 0: a 9-row table is already small
    assert [nd.attrs["fn"] for nd in b.program.nodes if nd.op == "lookup"] == ["sigmoid"]
    assert "sigmoid" in policy.SMOOTH_FUNCTIONS and math.isfinite(policy.INTERP_COLUMNS)
