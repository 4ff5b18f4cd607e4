"""Each ONNX op's integer semantics against onnxruntime, within 1% of the output scale."""

import numpy as np
import pytest

from conftest import F, I64, check, make_model

X = {"x": ((2, 3, 6, 6), F)}
V = {"x": ((3, 8), F)}


def _w(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


UNARY = ["Relu", "Sigmoid", "Tanh", "Erf", "Abs", "Neg", "Softplus", "Softsign", "Elu", "Selu",
         "Celu", "HardSigmoid", "HardSwish", "Exp", "Sign", "Floor", "Ceil", "Round", "Mish",
         "Identity", "LeakyRelu"]


@pytest.mark.parametrize("op", UNARY)
def test_unary(tmp_path, rng, op):
    p = make_model(tmp_path / "m.onnx", op, V, opset=18 if op == "Mish" else 17)
    check(p, [(rng.standard_normal((3, 8)) * 2).astype(np.float32)])


@pytest.mark.parametrize("op", ["Sqrt", "Log", "Reciprocal"])
def test_positive_unary(tmp_path, rng, op):
    p = make_model(tmp_path / "m.onnx", op, V)
    check(p, [rng.uniform(0.2, 4.0, (3, 8)).astype(np.float32)])


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Max", "Min"])
def test_binary_tensors(tmp_path, rng, op):
    p = make_model(tmp_path / "m.onnx", op, {"a": ((3, 8), F), "b": ((1, 8), F)})
    a = rng.standard_normal((3, 8)).astype(np.float32)
    b = rng.uniform(0.5, 2.0, (1, 8)).astype(np.float32) * np.sign(rng.standard_normal((1, 8))).astype(np.float32)
    check(p, [a, b])


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Pow"])
def test_binary_const(tmp_path, rng, op):
    c = np.float32(2.0) if op == "Pow" else rng.uniform(0.5, 2, (8,)).astype(np.float32)
    p = make_model(tmp_path / "m.onnx", op, V, inits={"c": c})
    check(p, [rng.standard_normal((3, 8)).astype(np.float32)])


def test_gemm_matmul(tmp_path, rng):
    p = make_model(tmp_path / "g.onnx", "Gemm", V, {"transB": 1, "alpha": 0.5},
                   inits={"w": _w(rng, 5, 8), "c": _w(rng, 5)})
    check(p, [rng.standard_normal((3, 8)).astype(np.float32)])
    p = make_model(tmp_path / "m.onnx", "MatMul", {"a": ((2, 3, 8), F), "b": ((2, 8, 4), F)})
    check(p, [_w(rng, 2, 3, 8), _w(rng, 2, 8, 4)])


@pytest.mark.parametrize("attrs", [{}, {"strides": [2, 2], "pads": [1, 1, 1, 1]},
                                   {"dilations": [2, 2], "group": 3, "pads": [0, 1, 2, 0]}])
def test_conv2d(tmp_path, rng, attrs):
    g = attrs.get("group", 1)
    p = make_model(tmp_path / "c.onnx", "Conv", {"x": ((1, 6, 7, 7), F)}, attrs,
                   inits={"w": _w(rng, 6, 6 // g, 3, 3), "b": _w(rng, 6)})
    check(p, [_w(rng, 1, 6, 7, 7)])


def test_conv1d_and_transpose(tmp_path, rng):
    p = make_model(tmp_path / "c.onnx", "Conv", {"x": ((1, 2, 9), F)}, {"strides": [2]},
                   inits={"w": _w(rng, 3, 2, 3)})
    check(p, [_w(rng, 1, 2, 9)])
    p = make_model(tmp_path / "t.onnx", "ConvTranspose", {"x": ((1, 2, 4, 4), F)},
                   {"strides": [2, 2], "pads": [1, 1, 0, 0], "output_padding": [1, 1]},
                   inits={"w": _w(rng, 2, 3, 3, 3)})
    check(p, [_w(rng, 1, 2, 4, 4)])


@pytest.mark.parametrize("op,attrs", [
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ("AveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
    ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}),
    ("GlobalAveragePool", {}), ("GlobalMaxPool", {}),
    ("LpPool", {"kernel_shape": [2, 2], "p": 2}),
])
def test_pooling(tmp_path, rng, op, attrs):
    p = make_model(tmp_path / "p.onnx", op, {"x": ((1, 2, 7, 7), F)}, attrs)
    check(p, [_w(rng, 1, 2, 7, 7)])


@pytest.mark.parametrize("op,attrs", [("Softmax", {"axis": 1}), ("LogSoftmax", {}),
                                      ("ReduceSum", {"keepdims": 0}), ("ReduceMean", {}),
                                      ("ReduceMax", {}), ("ReduceMin", {}), ("ReduceL1", {}),
                                      ("ReduceL2", {}), ("ArgMax", {"axis": 1}),
                                      ("ReduceLogSumExp", {})])
def test_reductions(tmp_path, rng, op, attrs):
    p = make_model(tmp_path / "r.onnx", op, {"x": ((2, 5, 3), F)}, attrs, opset=13 if "Reduce" in op else 17)
    check(p, [(rng.standard_normal((2, 5, 3)) * 3).astype(np.float32)])


def test_normalizations(tmp_path, rng):
    p = make_model(tmp_path / "ln.onnx", "LayerNormalization", {"x": ((2, 4, 16), F)},
                   {"axis": -1}, inits={"s": _w(rng, 16), "b": _w(rng, 16)})
    check(p, [(rng.standard_normal((2, 4, 16)) * 5 + 3).astype(np.float32)])
    p = make_model(tmp_path / "in.onnx", "InstanceNormalization", {"x": ((1, 3, 4, 4), F)},
                   inits={"s": _w(rng, 3), "b": _w(rng, 3)})
    check(p, [_w(rng, 1, 3, 4, 4)])
    p = make_model(tmp_path / "bn.onnx", "BatchNormalization", {"x": ((1, 3, 4, 4), F)},
                   inits={"s": _w(rng, 3), "b": _w(rng, 3), "m": _w(rng, 3),
                          "v": rng.uniform(0.5, 2, 3).astype(np.float32)})
    check(p, [_w(rng, 1, 3, 4, 4)])


@pytest.mark.parametrize("op,attrs,inits", [
    ("Transpose", {"perm": [0, 2, 3, 1]}, {}),
    ("Flatten", {"axis": 2}, {}),
    ("Reshape", {}, {"s": np.array([2, -1, 4], np.int64)}),
    ("Slice", {}, {"st": np.array([1, -1], np.int64), "en": np.array([5, 0], np.int64),
                   "ax": np.array([2, 3], np.int64), "sp": np.array([2, -2], np.int64)}),
    ("Pad", {"mode": "constant"}, {"p": np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "v": np.float32(0.5)}),
    ("Pad", {"mode": "reflect"}, {"p": np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)}),
    ("Tile", {}, {"r": np.array([1, 2, 1, 2], np.int64)}),
    ("Expand", {}, {"s": np.array([2, 2, 3, 6, 6], np.int64)}),
    ("Gather", {"axis": 2}, {"i": np.array([[0, 5], [2, -1]], np.int64)}),
    ("Squeeze", {}, {}),
    ("Unsqueeze", {}, {"a": np.array([0, -1], np.int64)}),
    ("Trilu", {"upper": 0}, {"k": np.array(1, np.int64)}),
    ("DepthToSpace", {"blocksize": 1}, {}),
])
def test_data_movement(tmp_path, rng, op, attrs, inits):
    p = make_model(tmp_path / "s.onnx", op, X, attrs, inits=inits)
    check(p, [_w(rng, 2, 3, 6, 6)])


def test_concat_split_where(tmp_path, rng):
    p = make_model(tmp_path / "c.onnx", "Concat", {"a": ((2, 3), F), "b": ((2, 5), F)}, {"axis": 1})
    check(p, [_w(rng, 2, 3), _w(rng, 2, 5) * 100])
    p = make_model(tmp_path / "s.onnx", "Split", {"x": ((2, 6), F)}, {"axis": 1}, n_out=3, opset=13)
    check(p, [_w(rng, 2, 6)])
    p = make_model(tmp_path / "w.onnx", "Where", {"c": ((2, 6), 9), "a": ((2, 6), F), "b": ((2, 6), F)})
    check(p, [rng.random((2, 6)) > 0.5, _w(rng, 2, 6), _w(rng, 2, 6)])


@pytest.mark.parametrize("op", ["Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual"])
def test_compare_with_threshold(tmp_path, rng, op):
    t = np.array([0.1, -0.3, 0.25, 0.0], np.float32)
    p = make_model(tmp_path / "c.onnx", op, {"x": ((3, 4), F)}, inits={"t": t})
    x = np.tile(t, (3, 1)) + np.array([[-0.001], [0.0], [0.002]], np.float32)
    check(p, [x.astype(np.float32)], tol=0.0)


def test_gather_elements_data_dependent(tmp_path, rng):
    p = make_model(tmp_path / "g.onnx", "GatherElements", {"x": ((3, 5), F), "i": ((3, 2), I64)}, {"axis": 1})
    check(p, [_w(rng, 3, 5), rng.integers(0, 5, (3, 2))])


def test_embedding_gather(tmp_path, rng):
    p = make_model(tmp_path / "e.onnx", "Gather", {"i": ((2, 3), I64)}, inits={"t": _w(rng, 10, 4)})
    # graph input first: Gather(i, t) is wrong order; build by hand
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(p)
    m.graph.node[0].input[:] = ["t", "i"]
    onnx.save(m, p)
    check(p, [rng.integers(0, 10, (2, 3))])


@pytest.mark.parametrize("op,gates", [("LSTM", 4), ("GRU", 3), ("RNN", 1)])
def test_recurrent(tmp_path, rng, op, gates):
    h = 4
    p = make_model(tmp_path / "r.onnx", op, {"x": ((3, 1, 5), F)}, {"hidden_size": h}, n_out=2,
                   inits={"w": _w(rng, 1, gates * h, 5) * 0.5, "r": _w(rng, 1, gates * h, h) * 0.5,
                          "b": _w(rng, 1, 2 * gates * h) * 0.5})
    check(p, [_w(rng, 3, 1, 5)])


def test_clip_and_topk(tmp_path, rng):
    p = make_model(tmp_path / "c.onnx", "Clip", V, inits={"lo": np.float32(-0.5), "hi": np.float32(0.7)})
    check(p, [_w(rng, 3, 8)])
    p = make_model(tmp_path / "t.onnx", "TopK", V, inits={"k": np.array([3], np.int64)}, n_out=2)
    check(p, [_w(rng, 3, 8)])
