"""Helpers for front-end tests: single-node ONNX models built with onnx.helper (no torch)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from veriml.onnx import compile_model


def make_model(path, op, inputs, attrs=None, inits=None, n_out=1, opset=17, out_types=None):
    """A model with one node ``op``; ``inputs`` maps graph-input name -> (shape, elem type);
    ``inits`` maps name -> numpy constant; the node reads inputs then inits in order."""
    ins = [helper.make_tensor_value_info(n, t, s) for n, (s, t) in inputs.items()]
    init = [numpy_helper.from_array(np.asarray(v), n) for n, v in (inits or {}).items()]
    outs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, list(inputs) + list(inits or {}), outs, **(attrs or {}))
    default = {"ArgMax": TensorProto.INT64, "Less": TensorProto.BOOL, "Greater": TensorProto.BOOL,
               "Equal": TensorProto.BOOL, "LessOrEqual": TensorProto.BOOL,
               "GreaterOrEqual": TensorProto.BOOL}.get(op, TensorProto.FLOAT)
    types = {"y1": TensorProto.INT64} if op == "TopK" else {}
    types.update(out_types or {})
    ovi = [helper.make_tensor_value_info(o, types.get(o, default), None) for o in outs]
    g = helper.make_graph([node], "t", ins, ovi, init)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.save(m, str(path))
    return str(path)


def ort_run(path, arrays):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {i.name: a for i, a in zip(sess.get_inputs(), arrays)}
    return sess.run(None, feeds)


def rel_err(q, r):
    r = np.asarray(r, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64).reshape(r.shape)
    scale = max(float(np.abs(r).max()) if r.size else 0.0, float(r.max() - r.min()) if r.size else 0.0, 1e-9)
    return float(np.abs(q - r).max()) / scale


def check(path, arrays, tol=0.01):
    """Quantize with the arrays as sample, run, compare every output with onnxruntime."""
    cm = compile_model(path, [arrays])
    _, outs = cm.run(arrays)
    refs = ort_run(path, arrays)
    errs = [rel_err(q, r) for q, r in zip(outs, refs)]
    assert max(errs) <= tol, errs
    return cm, outs


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


F = TensorProto.FLOAT
I64 = TensorProto.INT64
