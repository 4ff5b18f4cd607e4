"""Every model case: the padded execution agrees with the reference interpreter, the honest
proof verifies with the reference outputs, and a proof of another output or of another
input is rejected."""

import numpy as np
import pytest

from prover_cases import CASES, PROGRAMS, field_of
from veriml.errors import ProofError
from veriml.field import from_int, to_int
from veriml.prover import system as S
from veriml.prover.plan import pad_fill

NAMES = list(CASES) + list(PROGRAMS)


@pytest.mark.parametrize("name", NAMES)
def test_padded_execution_matches_reference(cases, name):
    c = cases.get(name)
    vals = S.execute_padded(c.plan, c.q)
    for node in c.program.nodes:
        t = node.out
        got = c.plan.layout(t).unpad(vals[t])
        assert got.shape == c.ref[t].shape, (name, t, node.op)
        assert np.array_equal(got, c.ref[t]), (name, t, node.op, node.attrs.get("op"))
        tensor = c.program.tensors[t]
        if vals[t].size:  # every padded entry stays in the tensor's proven interval
            assert tensor.lo <= vals[t].min() and vals[t].max() <= tensor.hi, (name, t, node.op)


@pytest.mark.parametrize("name", NAMES)
def test_honest_proof_verifies(cases, name):
    c = cases.get(name)
    ins, outs = S.verify(c.vk, c.proof)
    assert len(outs) == len(c.program.outputs)
    for o, o_prover, ref in zip(outs, c.outs, c.ref_outputs()):
        assert o.shape == ref.shape and np.array_equal(o, ref)
        assert np.array_equal(o_prover, ref)
    for x, q in zip(ins, c.q):
        assert np.array_equal(x, q)


def _bump(vec, index, delta=1):
    out = np.array(vec, dtype=np.uint64, copy=True)
    out[index] = field_of(int(to_int(out[index : index + 1])[0]) + delta)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_wrong_output_rejected(cases, name):
    """One output value changed (and the proof re-encoded, well-formed): rejected. Both a
    valid entry and, where the output is padded, a padding entry."""
    c = cases.get(name)
    parts = S.split_proof(c.proof)
    lay = c.plan.layout(c.program.outputs[0])
    valid = lay.padded_index()
    positions = [int(valid[len(valid) // 2])] if valid.size else []
    padding = np.setdiff1d(np.arange(lay.size), valid)
    if padding.size:
        positions.append(int(padding[0]))
    assert positions
    for pos in positions:
        bad = dict(parts, outputs=[_bump(parts["outputs"][0], pos)] + parts["outputs"][1:])
        with pytest.raises(ProofError):
            S.verify(c.vk, S.join_proof(bad))


@pytest.mark.parametrize("name", NAMES)
def test_wrong_input_rejected(cases, name):
    """Another input (in range, canonically padded) with the same proof: rejected."""
    c = cases.get(name)
    parts = S.split_proof(c.proof)
    tid = c.program.inputs[0]
    t = c.program.tensors[tid]
    x = np.array(c.q[0], dtype=np.int64, copy=True)
    i = x.size // 2
    flat = x.reshape(-1)
    flat[i] = flat[i] + 1 if flat[i] < t.hi else flat[i] - 1
    padded = from_int(c.plan.layout(tid).pad(x, pad_fill(t)).reshape(-1))
    bad = dict(parts, inputs=[padded] + parts["inputs"][1:])
    with pytest.raises(ProofError):
        S.verify(c.vk, S.join_proof(bad))
