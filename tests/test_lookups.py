"""The model prover's merged LogUp (veriml.prover.lookups): every range check and table lookup
of a plan in one LogUp-GKR. Completeness with the claims it leaves, and rejection of values
outside their table (a cheating prover that skips its own checks)."""

from types import SimpleNamespace

import numpy as np
import pytest

from veriml.codec import Reader
from veriml.errors import ProofError
from veriml.field import from_int
from veriml.ir.tables import get_table
from veriml.iop import ext as E
from veriml.poly import multilinear as ML
from veriml.prover import lookups as LK
from veriml.prover.context import Context
from veriml.transcript import Transcript

ATTRS = {"fn": "sigmoid", "params": (), "s_in": 4, "s_out": 8, "lo": -64, "bits": 7}


def _plan(rng, widths_sizes, n_lookups=2, lookup_log=5):
    """A plan-like object: limb columns of the given (width, log size), a function table with
    ``n_lookups`` (x, y) pairs, and their filled columns."""
    columns, specs, range_uses = [], [], {}
    for w, log in widths_sizes:
        c = rng.integers(0, 1 << w, 1 << log).astype(np.uint64)
        range_uses.setdefault(w, []).append(len(columns))
        columns.append(c)
        specs.append(SimpleNamespace(log_size=log))
    key = ("sigmoid", 0)
    table = get_table(ATTRS)
    pairs = []
    for _ in range(n_lookups):
        idx = rng.integers(0, 1 << ATTRS["bits"], 1 << lookup_log)
        pairs.append((len(columns), len(columns) + 1))
        columns += [from_int(ATTRS["lo"] + idx), from_int(table[idx])]
        specs += [SimpleNamespace(log_size=lookup_log)] * 2
    plan = SimpleNamespace(columns=specs, range_uses=range_uses, lookup_uses={key: pairs},
                           lookup_attrs={key: ATTRS}, mult_cols={})
    for w in sorted(range_uses):
        plan.mult_cols[("range", w)] = len(specs)
        specs.append(SimpleNamespace(log_size=w))
    plan.mult_cols[("lookup", key)] = len(specs)
    specs.append(SimpleNamespace(log_size=ATTRS["bits"]))
    columns += [None] * (len(specs) - len(columns))
    for col, m in LK.multiplicities(plan, columns).items():
        columns[col] = m
    return plan, columns


def _run(plan, columns, check_prover=True):
    tp = Transcript("lookups")
    prover = Context(plan, tp, prover=True, columns=columns)
    if not check_prover:
        prover.fail = lambda message: None
    LK.prove_lookups(prover)
    tv = Transcript("lookups")
    verifier = Context(plan, tv, prover=False, reader=Reader(prover.w.getvalue()))
    LK.prove_lookups(verifier)
    verifier.r.finish()
    assert tp.state == tv.state
    return prover, verifier


def test_merged_lookup_complete_and_claims_hold():
    rng = np.random.default_rng(1)
    plan, columns = _plan(rng, [(16, 9), (16, 9), (3, 4), (7, 6), (1, 0), (16, 2)])
    lay = LK.layout(plan)
    assert len(lay.segments) == 5 and len(lay.blocks) == 8
    prover, verifier = _run(plan, columns)
    assert len(verifier.col_claims) == len(prover.col_claims) == 6 + 2 * 2 + 5
    for (c, pt, v), (c2, pt2, v2) in zip(prover.col_claims, verifier.col_claims):
        assert c == c2 and pt == pt2 and v == v2
        table = columns[c]
        assert v == (E.ext(ML.evaluate(table, E.to_array(pt))) if pt else E.ext(int(table[0])))


def test_range_only_plan():
    rng = np.random.default_rng(2)
    plan, columns = _plan(rng, [(5, 3)], n_lookups=0)
    plan.lookup_uses, plan.lookup_attrs = {}, {}
    del plan.mult_cols[("lookup", ("sigmoid", 0))]
    _run(plan, columns[:-1])


@pytest.mark.parametrize("what", ["range", "width", "function"])
def test_value_outside_its_table_rejected(what):
    rng = np.random.default_rng(3)
    plan, columns = _plan(rng, [(7, 4), (3, 4)])
    if what == "range":  # 2^7 in a 7-bit column
        columns[0] = columns[0].copy()
        columns[0][5] = 1 << 7
    elif what == "width":  # a value of the 7-bit table in the 3-bit column: tags keep them apart
        columns[1] = columns[1].copy()
        columns[1][2] = 100
    else:  # a wrong function value
        x, y = plan.lookup_uses[("sigmoid", 0)][0]
        columns[y] = columns[y].copy()
        columns[y][3] = (int(columns[y][3]) + 1) % E.P
    for col, m in LK.multiplicities(plan, columns).items():  # honest-looking multiplicities
        columns[col] = m
    with pytest.raises(ProofError):
        _run(plan, columns, check_prover=False)
