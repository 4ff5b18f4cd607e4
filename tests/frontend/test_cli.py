"""CLI: inspect/run outputs, and one-line errors with exit code 2 (never a traceback)."""

import json

import numpy as np

from conftest import F, make_model
from veriml.cli import main


def _model(tmp_path):
    rng = np.random.default_rng(0)
    return make_model(tmp_path / "m.onnx", "Gemm", {"x": (("N", 3), F)}, {"transB": 1},
                      inits={"w": rng.standard_normal((2, 3)).astype(np.float32)})


def test_run_writes_dequantized_outputs(tmp_path):
    m = _model(tmp_path)
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"input_data": [[0.5, -1.0, 2.0, 1.0, 1.0, 1.0]]}))
    out = tmp_path / "out.json"
    assert main(["run", m, str(inp), "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert len(doc["output_data"]) == 1 and len(doc["output_data"][0]) == 4  # batch 2 from the input


def test_run_npy_to_stdout(tmp_path, capsys):
    m = _model(tmp_path)
    np.save(tmp_path / "x.npy", np.ones((1, 3), np.float32))
    assert main(["run", m, str(tmp_path / "x.npy")]) == 0
    assert "output_data" in capsys.readouterr().out


def test_inspect_lists_unsupported(tmp_path, capsys):
    m = make_model(tmp_path / "u.onnx", "Hardmax", {"x": ((2, 3), F)})
    assert main(["inspect", m]) == 1
    out = capsys.readouterr().out
    assert "Hardmax" in out and "unsupported" in out.lower()


def test_errors_are_one_line_exit_2(tmp_path, capsys):
    m = _model(tmp_path)
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"input_data": [[1.0, 2.0]]}))  # 2 values: not a multiple of 3
    cases = [["run", str(bad), str(inp)], ["run", m, str(inp)], ["run", m, str(tmp_path / "none.json")],
             ["inspect", str(tmp_path / "missing.onnx")]]
    for argv in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_unsupported_op_error_names_node(tmp_path, capsys):
    m = make_model(tmp_path / "u.onnx", "Hardmax", {"x": ((2, 3), F)})
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"input_data": [[1, 2, 3, 4, 5, 6]]}))
    assert main(["run", m, str(inp)]) == 2
    err = capsys.readouterr().err
    assert "Hardmax" in err and "u.onnx" in err
