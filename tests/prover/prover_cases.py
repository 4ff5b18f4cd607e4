"""Shared helpers of the prover suite: small multi-node ONNX models, compiled once per
session (``conftest.cases``) and proven once (proofs are taken apart and put back
together with ``system.split_proof`` / ``join_proof``).

Every model case lists the ONNX graph it builds; together they cover every primitive of
:mod:`veriml.ir` and every attribute variant the front-end emits (checked by
``test_coverage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from veriml.ir.execute import execute
from veriml.onnx import compile_model
from veriml.pcs import PcsParams
from veriml.prover import system as S
from veriml.prover.plan import build_plan

F = TensorProto.FLOAT
I64 = TensorProto.INT64
BOOL = TensorProto.BOOL

#: few queries, no grinding: fast, NOT secure (tests of the protocol logic only)
FAST = PcsParams(queries=(6,), grinding_bits=(0,))


def graph_model(path, nodes, inputs, outputs, inits=None, opset=17):
    """Save an ONNX model. ``nodes``: helper.make_node list; ``inputs``: name -> (shape,
    elem type); ``outputs``: name -> elem type; ``inits``: name -> numpy constant."""
    ins = [helper.make_tensor_value_info(n, t, s) for n, (s, t) in inputs.items()]
    outs = [helper.make_tensor_value_info(n, t, None) for n, t in outputs.items()]
    init = [numpy_helper.from_array(np.asarray(v), n) for n, v in (inits or {}).items()]
    g = helper.make_graph(nodes, "t", ins, outs, init)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.save(m, str(path))
    return str(path)


N = helper.make_node


@dataclass
class Proved:
    """One compiled model, its keys, one honest proof and the reference run."""

    name: str
    cm: object
    plan: object
    params: object
    pk: object
    vk: object
    q: list  # quantized inputs
    ref: list  # reference value of every tensor
    proof: bytes = b""
    outs: list = field(default_factory=list)

    @property
    def program(self):
        return self.plan.program

    def ref_outputs(self):
        return [self.ref[t] for t in self.program.outputs]


def keys(plan, params):
    wcm, wpd = S.commit_weights(plan, params)
    digest = b"\x11" * 32
    return S.ProverKey(plan, params, wpd, wcm, digest), S.VerifierKey(plan, params, wcm, digest)


def compile_and_prove(name, path, arrays, params=FAST, prove=True) -> Proved:
    cm = compile_model(path, [arrays])
    plan = build_plan(cm.program)
    q = cm.quantize_inputs(arrays)
    pk, vk = keys(plan, params)
    case = Proved(name, cm, plan, params, pk, vk, q, execute(cm.program, q))
    if prove:
        case.proof, case.outs = S.prove(pk, q)
    return case


# ------------------------------------------------------------ proof sections


SECTIONS = ("witness_commitment", "stream", "opening")  # byte sections of system.split_proof


def field_of(v: int) -> np.uint64:
    return np.uint64(int(v) % S.E.P)


# ------------------------------------------------------------ model cases

def _w(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _x(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def case_gemm_relu(tmp, rng):
    """Gemm (transB, alpha, bias) -> Relu -> MatMul by a constant: matmul, add, rescale, max."""
    p = graph_model(tmp / "gemm.onnx",
                    [N("Gemm", ["x", "w", "c"], ["h"], transB=1, alpha=0.5), N("Relu", ["h"], ["r"]),
                     N("MatMul", ["r", "w2"], ["y"])],
                    {"x": ((2, 5), F)}, {"y": F}, {"w": _w(rng, 3, 5), "c": _w(rng, 3), "w2": _w(rng, 3, 2)})
    return p, [_x(rng, 2, 5)]


def case_conv_pool(tmp, rng):
    """Conv (strides 2, pads 1, bias) -> MaxPool -> AveragePool (pads, count_include_pad=0)."""
    p = graph_model(tmp / "conv.onnx",
                    [N("Conv", ["x", "w", "b"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1]),
                     N("MaxPool", ["c"], ["m"], kernel_shape=[2, 2], strides=[1, 1]),
                     N("AveragePool", ["m"], ["y"], kernel_shape=[2, 2], pads=[1, 1, 0, 0])],
                    {"x": ((1, 2, 6, 5), F)}, {"y": F}, {"w": _w(rng, 3, 2, 3, 3), "b": _w(rng, 3)})
    return p, [_x(rng, 1, 2, 6, 5)]


def case_conv_grouped(tmp, rng):
    """Conv with groups = 2, dilations 2, asymmetric pads, batch 2; GlobalAveragePool."""
    p = graph_model(tmp / "convg.onnx",
                    [N("Conv", ["x", "w"], ["c"], group=2, dilations=[2, 1], pads=[0, 1, 2, 0]),
                     N("GlobalAveragePool", ["c"], ["y"])],
                    {"x": ((2, 4, 5, 5), F)}, {"y": F}, {"w": _w(rng, 6, 2, 2, 3)})
    return p, [_x(rng, 2, 4, 5, 5)]


def case_conv1d(tmp, rng):
    """1-D Conv (stride 2, pads, bias) -> LeakyRelu: conv, add, mul/max."""
    p = graph_model(tmp / "conv1.onnx",
                    [N("Conv", ["x", "w", "b"], ["c"], strides=[2], pads=[1, 0]),
                     N("LeakyRelu", ["c"], ["y"], alpha=0.25)],
                    {"x": ((1, 3, 7), F)}, {"y": F}, {"w": _w(rng, 2, 3, 3), "b": _w(rng, 2)})
    return p, [_x(rng, 1, 3, 7)]


def case_lookups(tmp, rng):
    """Sigmoid, Tanh, Erf, Exp, Gelu on an integer input (scale 0, so the tables stay small):
    lookup with five tables, clamps into their domains."""
    nodes = [N("Cast", ["x"], ["f"], to=F), N("Sigmoid", ["f"], ["s"]), N("Tanh", ["f"], ["t"]),
             N("Erf", ["f"], ["e"]), N("Exp", ["f"], ["x1"]), N("Gelu", ["f"], ["g"]),
             N("Add", ["s", "t"], ["a1"]), N("Add", ["a1", "e"], ["a2"]), N("Add", ["a2", "x1"], ["a3"]),
             N("Add", ["a3", "g"], ["y"])]
    p = graph_model(tmp / "lookups.onnx", nodes, {"x": ((2, 5), I64)}, {"y": F}, opset=20)
    return p, [rng.integers(-6, 6, (2, 5)).astype(np.int64)]


def case_interp(tmp, rng):
    """Sigmoid and Tanh on a fine-scaled float input: tables of 2^16+ rows would be needed,
    so both become interpolated lookups (a value table and a slope table on the coarse
    index, rescale, sub, mul, rescale, add)."""
    nodes = [N("Sigmoid", ["x"], ["s"]), N("Tanh", ["x"], ["t"]), N("Add", ["s", "t"], ["y"])]
    p = graph_model(tmp / "interp.onnx", nodes, {"x": ((2, 3), F)}, {"y": F})
    return p, [_x(rng, 2, 3, scale=2.0)]


def case_softmax(tmp, rng):
    """Softmax over the last axis: max tree, exp lookup, sum, rounding div, clamp."""
    p = graph_model(tmp / "softmax.onnx", [N("Softmax", ["x"], ["y"], axis=-1)],
                    {"x": ((2, 5), F)}, {"y": F})
    return p, [_x(rng, 2, 5, scale=2.0)]


def case_layernorm(tmp, rng):
    """LayerNormalization: sum, div (round 1), mul, isqrt, signed div, clamp, affine."""
    p = graph_model(tmp / "ln.onnx", [N("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1)],
                    {"x": ((3, 6), F)}, {"y": F}, {"g": _w(rng, 6), "b": _w(rng, 6)})
    return p, [_x(rng, 3, 6)]


def case_div_sqrt(tmp, rng):
    """Div by a tensor (sign, |d|, max, div, clamp, mul) and Sqrt (isqrt) of its square."""
    p = graph_model(tmp / "div.onnx",
                    [N("Div", ["a", "d"], ["q"]), N("Mul", ["a", "a"], ["s"]), N("Sqrt", ["s"], ["r"]),
                     N("Sub", ["q", "r"], ["y"])],
                    {"a": ((2, 4), F), "d": ((1, 4), F)}, {"y": F})
    d = rng.uniform(0.5, 2.0, (1, 4)).astype(np.float32) * np.array([[1, -1, 1, -1]], np.float32)
    return p, [_x(rng, 2, 4), d]


def case_compare(tmp, rng):
    """Less, Greater, LessOrEqual, GreaterOrEqual, Equal (tensor and constant), Xor (ne),
    Where: cmp lt/gt/le/ge/eq/ne, mul, add, sub."""
    nodes = [N("Less", ["a", "b"], ["lt"]), N("Greater", ["a", "b"], ["gt"]),
             N("LessOrEqual", ["a", "k"], ["le"]), N("GreaterOrEqual", ["a", "k"], ["ge"]),
             N("Equal", ["a", "b"], ["eq"]), N("Xor", ["lt", "gt"], ["ne"]),
             N("Where", ["lt", "a", "b"], ["w"]),
             N("Cast", ["le"], ["lef"], to=F), N("Cast", ["ge"], ["gef"], to=F),
             N("Cast", ["eq"], ["eqf"], to=F), N("Cast", ["ne"], ["nef"], to=F),
             N("Add", ["w", "lef"], ["s1"]), N("Add", ["s1", "gef"], ["s2"]), N("Add", ["s2", "eqf"], ["s3"]),
             N("Add", ["s3", "nef"], ["y"])]
    p = graph_model(tmp / "cmp.onnx", nodes, {"a": ((2, 3), F), "b": ((2, 3), F)}, {"y": F},
                    {"k": np.array(0.25, np.float32)})
    a = _x(rng, 2, 3)
    b = a.copy()
    b[0, :2] = _x(rng, 2)
    return p, [a, b]


def case_argmax_concat(tmp, rng):
    """ArgMax (cmp eq, mul, max tree, sub) next to Concat, Transpose, Slice, Reshape."""
    nodes = [N("ArgMax", ["x"], ["i"], axis=1, keepdims=1), N("Cast", ["i"], ["f"], to=F),
             N("Transpose", ["x"], ["t"], perm=[1, 0]), N("Slice", ["t", "st", "en"], ["sl"]),
             N("Reshape", ["sl", "sh"], ["rs"]), N("Concat", ["f", "rs"], ["y"], axis=1)]
    p = graph_model(tmp / "argmax.onnx", nodes, {"x": ((3, 4), F)}, {"y": F},
                    {"st": np.array([1, 0]), "en": np.array([3, 3]), "sh": np.array([3, 2])})
    return p, [_x(rng, 3, 4)]


def case_batched_matmul(tmp, rng):
    """MatMul of two inputs with broadcast batch dims (2,1,3,4) @ (3,4,2), and a 1-D
    vector @ matrix."""
    nodes = [N("MatMul", ["a", "b"], ["m"]), N("MatMul", ["v", "w"], ["u"]),
             N("ReduceSum", ["m", "ax"], ["r"], keepdims=0), N("Add", ["r", "u"], ["y"])]
    p = graph_model(tmp / "bmm.onnx", nodes, {"a": ((2, 1, 3, 4), F), "b": ((3, 4, 2), F), "v": ((4,), F)},
                    {"y": F}, {"w": _w(rng, 4, 2), "ax": np.array([1, 2])}, opset=13)
    return p, [_x(rng, 2, 1, 3, 4), _x(rng, 3, 4, 2), _x(rng, 4)]


def case_int_div(tmp, rng):
    """Integer input divided by an integer constant (truncating): sign, mul, div (round 0)."""
    p = graph_model(tmp / "idiv.onnx", [N("Div", ["x", "d"], ["y"])], {"x": ((2, 5), I64)}, {"y": I64},
                    {"d": np.array([3, -2, 5, 7, 1], np.int64)})
    return p, [rng.integers(-40, 40, (2, 5)).astype(np.int64)]


def case_misc(tmp, rng):
    """Min, Clip, Neg (scale_const), Abs (sign), Mul, ReduceMean (sum, div)."""
    nodes = [N("Min", ["a", "b"], ["mn"]), N("Clip", ["mn", "lo", "hi"], ["cl"]), N("Neg", ["cl"], ["ng"]),
             N("Abs", ["a"], ["ab"]), N("Add", ["ng", "ab"], ["s"]), N("Mul", ["s", "b"], ["m"]),
             N("ReduceMean", ["m"], ["y"], axes=[0], keepdims=1)]
    p = graph_model(tmp / "misc.onnx", nodes, {"a": ((3, 4), F), "b": ((3, 4), F)}, {"y": F},
                    {"lo": np.array(-0.5, np.float32), "hi": np.array(0.7, np.float32)})
    return p, [_x(rng, 3, 4), _x(rng, 3, 4)]


def case_gather_scalar(tmp, rng):
    """Gather with constant indices, Flatten, a scalar (0-dim) result via ReduceSum."""
    nodes = [N("Gather", ["x", "idx"], ["g"], axis=1), N("Flatten", ["g"], ["f"]),
             N("ReduceSum", ["f"], ["y"], keepdims=0)]
    p = graph_model(tmp / "gather.onnx", nodes, {"x": ((2, 5), F)}, {"y": F},
                    {"idx": np.array([4, 0, 2], np.int64)}, opset=13)
    return p, [_x(rng, 2, 5)]


CASES = {
    "gemm_relu": case_gemm_relu,
    "conv_pool": case_conv_pool,
    "conv_grouped": case_conv_grouped,
    "conv1d": case_conv1d,
    "lookups": case_lookups,
    "interp": case_interp,
    "softmax": case_softmax,
    "layernorm": case_layernorm,
    "div_sqrt": case_div_sqrt,
    "compare": case_compare,
    "argmax_concat": case_argmax_concat,
    "batched_matmul": case_batched_matmul,
    "int_div": case_int_div,
    "misc": case_misc,
    "gather_scalar": case_gather_scalar,
}


# ------------------------------------------------------------ integer-program cases
# Built directly with the IR builder, for ranges the ONNX front-end does not produce in
# small models.


def program_case(name, build, params=FAST, prove=True, limb_bits=None) -> Proved:
    """``build(b)`` emits a program into a fresh Builder and returns the input samples;
    ``limb_bits`` forces the plan's limb width (default: the plan's own choice)."""
    from veriml.quant.builder import Builder

    b = Builder()
    build(b)
    program = b.program
    q = [b.values[t][0] for t in program.inputs]
    plan = build_plan(program, limb_bits)
    pk, vk = keys(plan, params)
    case = Proved(name, None, plan, params, pk, vk, q, execute(program, q))
    if prove:
        case.proof, case.outs = S.prove(pk, q)
    return case


def build_wide_div(b):
    """Divisions whose quotient range times divisor range exceeds p (the wide form)."""
    rng = np.random.default_rng(5)
    a = rng.integers(-(1 << 45), 1 << 45, (3, 4))
    a[0, 0], a[0, 1] = -(1 << 45), (1 << 45) - 1
    d = rng.integers(1, 1 << 24, (1, 4))
    d[0, 0] = 1
    ta = b.input([a], 0, -(1 << 45), 1 << 45, "a", "int")
    td = b.input([d], 0, 1, 1 << 24, "d", "int")
    b.output(b.emit("div", [ta, td], {"round": 0}), "q0")
    b.output(b.emit("div", [ta, td], {"round": 1}), "q1")


def build_clamp(b):
    """Clamps whose width hi - lo + 1 is not a power of two ([-5, 9]) and is one ([-8, 7]),
    inputs on both sides."""
    x = np.array([[-20, -6, -5, 0], [9, 10, 11, 20]], dtype=np.int64)
    t = b.input([x], 0, -20, 20, "x", "int")
    b.output(b.emit("clamp", [t], {"lo": -5, "hi": 9}), "y")
    b.output(b.emit("clamp", [t], {"lo": -8, "hi": 7}), "y8")


def build_scalars(b):
    """0-dim and all-size-1 tensors: max, mul, clamp, lookup on a scalar, a full sum to a
    scalar, reshape to (1, 1), matmul, sign; rescale by k = 0, 62 and 63, isqrt."""
    x = b.input([np.array(5)], 0, -8, 7, "x", "int")
    y = b.emit("mul", [b.emit("max", [x, b.const(np.array(2), 0)]), x])
    b.output(b.emit("clamp", [y], {"lo": -3, "hi": 30}), "clamped")
    attrs = {"fn": "tanh", "params": (), "s_in": 2, "s_out": 8, "lo": -8, "bits": 4}
    b.output(b.emit("lookup", [x], attrs), "tanh")
    v = b.input([np.arange(3).reshape(1, 3, 1)], 0, -9, 9, "v", "int")
    s = b.emit("reshape", [b.emit("sum", [v], {"axes": (0, 1, 2), "keepdims": 0})], {"shape": (1, 1)})
    b.output(b.emit("sign", [b.emit("matmul", [s, b.const(np.array([[2, -3]]), 0)])]), "sign")
    w = b.input([np.array([[-(1 << 40), (1 << 40) - 1, 7]])], 0, -(1 << 40), 1 << 40, "w", "int")
    for k in (0, 62, 63):
        b.output(b.emit("rescale", [w], {"k": k}), f"k{k}")
    b.output(b.emit("isqrt", [b.emit("max", [w, b.const(np.array(0), 0)])]), "isqrt")


def build_broadcast(b):
    """Operands broadcast from both sides ((3, 1) with (1, 4)) into max, cmp le/eq, div;
    a 1-D matmul (vector @ matrix; the reference interpreter has no matrix @ vector)."""
    x = b.input([np.arange(3).reshape(3, 1) - 1], 0, -4, 4, "x", "int")
    w = b.input([np.arange(4).reshape(1, 4) - 2], 0, -4, 4, "w", "int")
    m = b.emit("max", [x, w])
    d = b.emit("div", [x, b.emit("max", [w, b.const(np.array(1), 0)])], {"round": 1})
    for t in (b.emit("cmp", [x, w], {"op": "le"}), b.emit("cmp", [x, w], {"op": "eq"}), d):
        m = b.emit("add", [m, t])
    b.output(m, "y")
    v = b.input([np.arange(4) - 1], 0, -9, 9, "v", "int")
    b.output(b.emit("matmul", [v, b.const(np.arange(8).reshape(4, 2) - 3, 0)]), "vm")


def build_empty(b):
    """Size-0 dimensions: a concat with an empty operand, max and sum over an empty input."""
    x = b.input([np.arange(6).reshape(2, 3) - 2], 0, -9, 9, "x", "int")
    c = b.emit("concat", [b.const(np.zeros((2, 0), np.int64), 0), x], {"axis": 1})
    b.output(b.emit("rescale", [c], {"k": 1}), "y")
    e = b.input([np.zeros((0, 3), np.int64)], 0, -4, 4, "e", "int")
    m = b.emit("max", [e, b.const(np.array(0), 0)])
    b.output(b.emit("sum", [m], {"axes": (0,), "keepdims": 0}), "s")


PROGRAMS = {
    "wide_div": build_wide_div,
    "clamp": build_clamp,
    "scalars": build_scalars,
    "broadcast": build_broadcast,
    "empty": build_empty,
}
