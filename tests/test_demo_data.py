"""The procedural digit generator and the bundled demo model (``veriml/data``).

No torch here: the model is checked with onnx and onnxruntime only.
"""

import json
import time
from importlib import resources

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from veriml.demo_data import IMAGE_SIZE, NUM_CLASSES, make_digits

DATA = resources.files("veriml") / "data"


@pytest.fixture(scope="module")
def session():
    return ort.InferenceSession(str(DATA / "demo_cnn.onnx"), providers=["CPUExecutionProvider"])


def test_deterministic_in_seed():
    x1, y1 = make_digits(300, seed=7)
    x2, y2 = make_digits(300, seed=7)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, y3 = make_digits(300, seed=8)
    assert not np.array_equal(x1, x3)
    assert not np.array_equal(y1, y3)


@pytest.mark.parametrize("n", [0, 1, 9, 257])
def test_shapes_dtypes_range(n):
    x, y = make_digits(n, seed=0)
    assert x.shape == (n, 1, IMAGE_SIZE, IMAGE_SIZE) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    if n:
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert y.min() >= 0 and y.max() < NUM_CLASSES


def test_classes_balanced_and_images_inked():
    x, y = make_digits(1005, seed=3)
    counts = np.bincount(y, minlength=NUM_CLASSES)
    assert counts.min() >= 100 and counts.max() <= 101
    ink = x.reshape(len(x), -1).max(axis=1)
    assert (ink > 0.5).all()  # every image has a visible stroke
    # Class means differ: the glyphs are distinguishable on average.
    means = np.stack([x[y == c].mean(axis=0).ravel() for c in range(NUM_CLASSES)])
    dists = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert dists[~np.eye(NUM_CLASSES, dtype=bool)].min() > 0.5


def test_fast():
    make_digits(10, seed=0)
    t = time.perf_counter()
    make_digits(10_000, seed=0)
    assert time.perf_counter() - t < 5.0  # typically ~0.5 s; loose for busy CI machines


def test_model_checks_and_has_static_io():
    model = onnx.load(str(DATA / "demo_cnn.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert {o.version for o in model.opset_import if o.domain in ("", "ai.onnx")} == {17}
    (inp,), (out,) = model.graph.input, model.graph.output
    dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert inp.name == "input" and dims(inp) == [1, 1, IMAGE_SIZE, IMAGE_SIZE]
    assert out.name == "logits" and dims(out) == [1, NUM_CLASSES]
    ops = {n.op_type for n in model.graph.node}
    assert ops <= {"Conv", "Relu", "AveragePool", "Flatten", "Gemm"}


def test_model_accuracy(session):
    x, y = make_digits(200, seed=12345)
    pred = np.array([session.run(["logits"], {"input": xi[None]})[0].argmax() for xi in x])
    assert (pred == y).mean() >= 0.90


def test_demo_input_matches_model(session):
    demo = json.loads((DATA / "demo_input.json").read_text())
    assert demo["input_shapes"] == [[1, 1, IMAGE_SIZE, IMAGE_SIZE]]
    x = np.array(demo["input_data"], dtype=np.float32).reshape(demo["input_shapes"][0])
    assert x.min() >= 0.0 and x.max() <= 1.0
    logits = session.run(["logits"], {"input": x})[0]
    np.testing.assert_allclose(logits, np.array(demo["output_data"]), atol=1e-4)
    assert int(logits.argmax()) == demo["label"]
