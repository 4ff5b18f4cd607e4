"""The plan's limb width: chosen from the program's range checks, any width proves, and a
limb outside its width is caught whatever the width."""

import numpy as np
import pytest

from prover_cases import build_clamp, build_wide_div, program_case
from veriml.errors import ProofError
from veriml.prover import system as S
from veriml.prover.context import Context
from veriml.prover.ops import OPS
from veriml.prover.plan import COLUMN_COST, choose_limb_bits, range_check_cost
from veriml.prover.refs import LIMB_BITS, LimbedRef, limb_widths


def test_limb_widths():
    assert limb_widths(1, 16) == (1,)
    assert limb_widths(16, 16) == (16,)
    assert limb_widths(45, 16) == (16, 16, 13)
    assert limb_widths(45, 7) == (7,) * 6 + (3,)
    assert limb_widths(0, 5) == (1,)
    for bits in range(1, 64):
        for w in (2, 5, 16, 20):
            ws = limb_widths(bits, w)
            assert sum(ws) == bits and all(1 <= x <= w for x in ws)


def test_range_check_cost_counts_columns_and_tables():
    # one 4-entry column of 10-bit values at w = 4: limbs 4, 4, 2 -> 3 columns of 4 values,
    # tables of 2^4 and 2^2 rows
    assert range_check_cost([(2, 10)], 4) == 3 * (4 + COLUMN_COST) + (16 + COLUMN_COST) + (4 + COLUMN_COST)


def test_choose_limb_bits():
    assert choose_limb_bits([]) == LIMB_BITS
    tiny = [(2, 20), (2, 9), (3, 1)]  # a few values: a small table wins
    assert choose_limb_bits(tiny) <= 8
    big = [(20, 32)] * 8  # 8 M values of 32 bits: wide limbs win
    assert choose_limb_bits(big) >= 14
    for reqs in (tiny, big, [(10, 30), (12, 7)]):
        w = choose_limb_bits(reqs)
        assert all(range_check_cost(reqs, w) <= range_check_cost(reqs, v) for v in range(2, 21))


@pytest.mark.parametrize("w", [2, 5, 16, 20])
@pytest.mark.parametrize("build", [build_wide_div, build_clamp], ids=["wide_div", "clamp"])
def test_any_limb_width_proves(build, w):
    c = program_case(f"{build.__name__}/w{w}", build, limb_bits=w)
    assert c.plan.limb_bits == w
    assert {x for x in c.plan.range_uses} <= set(range(1, w + 1))
    _, outs = S.verify(c.vk, c.proof)
    assert all(np.array_equal(o, r) for o, r in zip(outs, c.ref_outputs()))


def test_default_width_is_the_plans_choice():
    c = program_case("wide_div/auto", build_wide_div, prove=False)
    assert c.plan.limb_bits == choose_limb_bits(c.plan.limb_requests)


@pytest.mark.parametrize("w", [3, 16])
def test_overfull_limb_rejected(monkeypatch, w):
    """Move 2^w from the second limb into the first: the limbs still recompose to the true
    value (so every relation holds), only the range check of the first limb fails."""
    c = program_case(f"wide_div/w{w}", build_wide_div, limb_bits=w, prove=False)
    node = next(n for n in c.program.nodes if n.op == "div")
    refs = [r for r in c.plan.node_data[node.out] if isinstance(r, LimbedRef) and len(r.cols) >= 2]
    impl = OPS["div"]
    orig = impl.fill

    def bad_fill(n, plan, xs, out, filler):
        orig(n, plan, xs, out, filler)
        if n is not node:
            return
        for ref in refs:
            lo, hi = filler.columns[ref.cols[0]].copy(), filler.columns[ref.cols[1]].copy()
            pos = int(np.flatnonzero(hi > 0)[0]) if np.any(hi > 0) else None
            if pos is None:
                continue
            lo[pos] += np.uint64(1 << ref.limb_bits)
            hi[pos] -= np.uint64(1)
            filler.columns[ref.cols[0]], filler.columns[ref.cols[1]] = lo, hi
            return
        raise AssertionError("no limb to move")

    monkeypatch.setattr(impl, "fill", bad_fill)
    strict = Context.fail
    monkeypatch.setattr(Context, "fail", lambda self, m: None if self.prover else strict(self, m))
    proof, _ = S.prove(c.pk, c.q)
    with pytest.raises(ProofError):
        S.verify(c.vk, proof)
