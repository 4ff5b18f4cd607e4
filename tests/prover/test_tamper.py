"""A cheating prover is caught: flipped bytes, other weights, and wrong witnesses (one op's
output or one committed witness value wrong at one entry, everything downstream computed
from it, range checks on the prover side switched off)."""

import numpy as np
import pytest

from prover_cases import SECTIONS, compile_and_prove
from veriml.errors import ProofError
from veriml.pcs import PcsParams
from veriml.prover import system as S
from veriml.prover.context import Context
from veriml.prover.ops import OPS
from veriml.prover.ops.base import Filler
from veriml.prover.refs import LimbedRef


@pytest.fixture(scope="module")
def secure(cases):
    """gemm_relu proven with the default (secure) PCS parameters."""
    path, arrays = cases.source("gemm_relu")
    return compile_and_prove("gemm_relu/default", path, arrays, params=PcsParams.default())


def test_default_params_proof_verifies(secure):
    _, outs = S.verify(secure.vk, secure.proof)
    assert all(np.array_equal(o, r) for o, r in zip(outs, secure.ref_outputs()))


def _flip_positions(spans, per_section=3):
    """Byte positions spread over every section: first, middle and last byte of each."""
    out = []
    for name, (a, b) in spans.items():
        if b <= a:
            continue
        picks = sorted({a, (a + b) // 2, b - 1})[:per_section] if b - a > 2 else list(range(a, b))
        out.extend((name, p) for p in picks)
    return out


def test_byte_flips_rejected(secure):
    parts = S.split_proof(secure.proof)
    spans = parts["spans"]
    assert all(spans[k][1] > spans[k][0] for k in SECTIONS)
    positions = _flip_positions(spans)
    # a few more inside the proof stream and the openings, where most of the bytes are
    for key in ("stream", "opening"):
        a, b = spans[key]
        positions += [(key, a + (b - a) * k // 11) for k in (1, 3, 5, 7, 9)]
    assert len(positions) >= 20
    for name, pos in positions:
        bad = bytearray(secure.proof)
        bad[pos] ^= 0x01 if name != "header" else 0x80
        with pytest.raises(ProofError):
            S.verify(secure.vk, bytes(bad))
    with pytest.raises(ProofError):  # truncated
        S.verify(secure.vk, secure.proof[:-1])
    with pytest.raises(ProofError):  # trailing bytes
        S.verify(secure.vk, secure.proof + b"\x00")


@pytest.mark.parametrize("name", ["gemm_relu", "conv_grouped"])
def test_other_weights_rejected(cases, name, tmp_path):
    """The same graph with perturbed weights, proven honestly, checked against the
    original verifying key."""
    import onnx
    from onnx import numpy_helper

    c = cases.get(name)
    path, arrays = cases.source(name)
    m = onnx.load(path)
    for init in m.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype.kind == "f" and w.size > 1:
            w = w.copy()
            w.reshape(-1)[0] += 0.25
            init.CopyFrom(numpy_helper.from_array(w, init.name))
    p2 = str(tmp_path / "other.onnx")
    onnx.save(m, p2)
    other = compile_and_prove(name + "/other", p2, arrays)
    assert [n.op for n in other.program.nodes] == [n.op for n in c.program.nodes]
    assert other.plan.columns == c.plan.columns
    with pytest.raises(ProofError):
        S.verify(c.vk, other.proof)
    S.verify(other.vk, other.proof)


# ------------------------------------------------------------ wrong witnesses


def _loose_limbs(self, ref: LimbedRef, values, where):
    """Filler.limbs without the prover's range check: a value outside the range is
    committed as the low ``bits`` bits of value - offset, and the prover then uses the
    value those limbs stand for, consistently."""
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    u = (v - np.int64(ref.offset)).astype(np.uint64) & np.uint64((1 << ref.bits) - 1)
    self.limbed[ref] = u.astype(np.int64) + np.int64(ref.offset)
    for i, c in enumerate(ref.cols):
        self.columns[c] = (u >> np.uint64(ref.limb_bits * i)) & np.uint64((1 << ref.widths[i]) - 1)


def _target(program, op, pick):
    nodes = [n for n in program.nodes if n.op == op and pick(n)]
    assert nodes, op
    return nodes[0]


def _position(plan, node, where):
    lay = plan.layout(node.out)
    valid = lay.padded_index()
    if where == "valid":
        return int(valid[len(valid) // 2])
    if where == "first":
        return int(valid[0])
    padding = np.setdiff1d(np.arange(lay.size), valid)
    return int(padding[len(padding) // 2]) if padding.size else None


# (op, case, node filter, where): every primitive, and the variants of conv, cmp and div
WRONG_OUTPUT = [
    ("const", "gemm_relu", None, "valid"),
    ("add", "gemm_relu", None, "valid"),
    ("sub", "softmax", None, "valid"),
    ("mul", "misc", None, "valid"),
    ("scale_const", "misc", None, "valid"),
    ("sum", "misc", None, "valid"),
    ("matmul", "gemm_relu", None, "valid"),
    ("matmul", "batched_matmul", None, "pad"),
    ("conv", "conv_pool", None, "valid"),
    ("conv", "conv_grouped", None, "valid"),
    ("conv", "conv1d", None, "pad"),
    ("gather", "conv_pool", None, "valid"),
    ("reshape", "argmax_concat", None, "valid"),
    ("concat", "argmax_concat", None, "valid"),
    ("rescale", "gemm_relu", None, "valid"),
    ("rescale", "gemm_relu", None, "pad"),
    ("max", "gemm_relu", None, "valid"),
    ("max", "gemm_relu", None, "pad"),
    ("min", "misc", None, "valid"),
    ("clamp", "misc", None, "valid"),
    ("cmp", "compare", "lt", "valid"),
    ("cmp", "compare", "le", "valid"),
    ("cmp", "compare", "gt", "valid"),
    ("cmp", "compare", "ge", "valid"),
    ("cmp", "compare", "eq", "valid"),
    ("cmp", "compare", "ne", "pad"),
    ("sign", "misc", None, "valid"),
    ("div", "misc", 1, "valid"),
    ("div", "int_div", 0, "valid"),
    ("div", "wide_div", 0, "valid"),
    ("div", "wide_div", 1, "pad"),
    ("isqrt", "div_sqrt", None, "valid"),
    ("lookup", "lookups", None, "valid"),
    ("lookup", "interp", "value", "valid"),  # an interpolated lookup's f table
    ("lookup", "interp", "slope", "valid"),  # ... and its difference table
]


def _filter(op, sel):
    if sel is None:
        return lambda n: n.op != "rescale" or 0 < n.attrs["k"] <= 62
    if op == "cmp":
        return lambda n: n.attrs["op"] == sel
    if op == "div":
        return lambda n: int(n.attrs.get("round", 0)) == sel
    if op == "lookup":
        return lambda n: n.attrs["fn"].startswith("d:") == (sel == "slope")
    raise AssertionError(op)


def _prove_with(monkeypatch, c):
    """A proof by a prover that skips its own checks: no range checks when filling limbs,
    and the protocol's checks (which it runs like the verifier) do not stop it."""
    monkeypatch.setattr(Filler, "limbs", _loose_limbs)
    strict = Context.fail

    def fail(self, message):
        if not self.prover:
            strict(self, message)

    monkeypatch.setattr(Context, "fail", fail)
    proof, _ = S.prove(c.pk, c.q)
    return proof


@pytest.mark.parametrize("op,case,sel,where", WRONG_OUTPUT,
                         ids=[f"{o}-{c}-{s}-{w}" for o, c, s, w in WRONG_OUTPUT])
def test_wrong_output_of_one_op_rejected(cases, monkeypatch, op, case, sel, where):
    c = cases.get(case)
    node = _target(c.program, op, _filter(op, sel))
    pos = _position(c.plan, node, where)
    if pos is None:
        pytest.skip("no padding")
    impl = OPS[op]
    orig = impl.execute

    ref = c.plan.out_refs.get(node.out)

    def bad_execute(n, plan, xs):
        out = np.array(orig(n, plan, xs), dtype=np.int64, order="C", copy=True)
        if n is node:
            v = int(out.reshape(-1)[pos])
            # one off, staying inside what a limbed output can represent (a 0/1 flips)
            if isinstance(ref, LimbedRef) and v + 1 >= ref.offset + (1 << ref.bits):
                v -= 1
            else:
                v += 1
            out.reshape(-1)[pos] = v
        return out

    monkeypatch.setattr(impl, "execute", bad_execute)
    proof = _prove_with(monkeypatch, c)
    with pytest.raises(ProofError):
        S.verify(c.vk, proof)


# (op, case, node filter, index of the witness column in plan.node_data): one committed
# value that is not the output, changed by one at one entry
WRONG_WITNESS = [
    ("rescale", "gemm_relu", None, 1),  # r
    ("max", "gemm_relu", None, 1),  # d1
    ("min", "misc", None, 2),  # d2
    ("clamp", "misc", None, 1),  # a
    ("clamp", "misc", None, 3),  # u
    ("cmp", "compare", "lt", 1),  # e
    ("cmp", "compare", "eq", 1),  # w (where a != b: free where a = b)
    ("sign", "misc", None, 3),  # a
    ("div", "misc", 1, 2),  # r
    ("div", "int_div", 0, 3),  # s
    ("div", "wide_div", 0, 4),  # sq
    ("div", "wide_div", 1, 5),  # m_lo
    ("div", "wide_div", 0, 6),  # m_hi
    ("div", "wide_div", 1, 7),  # S
    ("isqrt", "div_sqrt", None, 2),  # d2
    ("lookup", "lookups", None, 0),  # x
]


@pytest.mark.slow
@pytest.mark.parametrize("op,case,sel,col", WRONG_WITNESS, ids=[f"{o}-{c}-{s}-{i}" for o, c, s, i in WRONG_WITNESS])
def test_wrong_witness_column_rejected(cases, monkeypatch, op, case, sel, col):
    c = cases.get(case)
    node = _target(c.program, op, _filter(op, sel))
    pos = _position(c.plan, node, "first" if op == "cmp" else "valid")
    impl = OPS[op]
    orig = impl.fill
    ref = c.plan.node_data[node.out][col]

    def bad_fill(n, plan, xs, out, filler):
        orig(n, plan, xs, out, filler)
        if n is not node:
            return
        if isinstance(ref, LimbedRef):
            v = filler.limbed[ref].copy()
            v[pos] += 1
            _loose_limbs(filler, ref, v, "")
        else:
            col_values = filler.columns[ref.col].copy()
            col_values[pos] = np.uint64((int(col_values[pos]) + 1) % S.E.P)
            filler.columns[ref.col] = col_values

    monkeypatch.setattr(impl, "fill", bad_fill)
    proof = _prove_with(monkeypatch, c)
    with pytest.raises(ProofError):
        S.verify(c.vk, proof)


# ------------------------------------------------------------ attacks on specific relations


@pytest.mark.parametrize("lo", [-5, -8], ids=["clamp[-5,9]", "clamp[-8,7]"])
def test_clamp_unclamped_value_rejected(cases, monkeypatch, lo):
    """clamp to [-5, 9] (y committed as 4-bit limbs of y + 5, i.e. y in [-5, 10]): for
    x = 10 the prover claims y = 10 with a = b = 0, which satisfies x = y - a + b,
    a (y - lo) = 0 and b (hi - y) = 0. Only the upper range check u = hi - y >= 0 stops it.
    clamp to [-8, 7] (a power-of-two width, no u): the 4-bit limbs of y + 8 stop it."""
    c = cases.get("clamp")
    node = _target(c.program, "clamp", lambda n: n.attrs["lo"] == lo)
    assert (c.plan.node_data[node.out][3] is None) == (lo == -8)
    x = c.q[0]
    pos = int(c.plan.layout(node.out).padded_index()[int(np.flatnonzero(x.reshape(-1) == 10)[0])])
    impl = OPS["clamp"]
    orig_exec, orig_fill = impl.execute, impl.fill

    def bad_execute(n, plan, xs):
        out = np.array(orig_exec(n, plan, xs), dtype=np.int64, order="C", copy=True)
        if n is node:
            out.reshape(-1)[pos] = 10
        return out

    def bad_fill(n, plan, xs, out, filler):
        orig_fill(n, plan, xs, out, filler)
        if n is node:
            y, a, b, u = plan.node_data[n.out]
            bb = filler.limbed[b].copy()
            bb[pos] = 0
            _loose_limbs(filler, b, bb, "")

    monkeypatch.setattr(impl, "execute", bad_execute)
    monkeypatch.setattr(impl, "fill", bad_fill)
    proof = _prove_with(monkeypatch, c)
    with pytest.raises(ProofError):
        S.verify(c.vk, proof)


def test_wide_division_needed():
    """Why a division with a wide quotient range is not proven as a - q b - r = 0: with
    a = 2^45 - 1, b = 2^24 - 3 there is another q' in the quotient's range and r' in
    [0, b) with a - q' b - r' = 0 mod p."""
    from veriml.iop.ext import P

    a, b = (1 << 45) - 1, (1 << 24) - 3
    q, r = divmod(a, b)
    for k in range(1, 64):
        # q' b = q b + (r - r') + k p with 0 <= r' < b: q' = q + ceil((k p + r - b + 1) / b)
        dq = -(-(k * P + r - b + 1) // b)
        r2 = a - (q + dq) * b + k * P
        if 0 <= r2 < b and abs(q + dq) <= 1 << 45:
            break
    else:
        raise AssertionError("no wrap found")
    assert (a - (q + dq) * b - r2) % P == 0 and dq != 0

    from prover_cases import build_wide_div, program_case

    case = program_case("wide_div", build_wide_div, prove=False)
    modes = [case.plan.node_data[n.out][0] for n in case.program.nodes if n.op == "div"]
    assert modes == ["wide", "wide"]
