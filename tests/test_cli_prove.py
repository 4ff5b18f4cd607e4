"""CLI compile / prove / verify / demo: outputs, and exit codes 0 (valid), 1 (invalid proof),
2 (unusable files or inputs), each error on one line and never a traceback."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files

import pytest

from veriml.cli import main

DATA = files("veriml") / "data"
MODEL, INPUT = str(DATA / "demo_cnn.onnx"), str(DATA / "demo_input.json")


def run(argv, capsys):
    """(exit code, stdout, stderr) of ``veriml argv``; argparse errors exit through SystemExit."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err, prefix):
    return err.startswith(prefix) and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """Compile the demo model and prove its input once: (folder, prove's stdout, stderr)."""
    d = tmp_path_factory.mktemp("cli")
    assert main(["compile", MODEL, "--sample", INPUT, "-o", str(d / "art"), "-q"]) == 0
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["prove", str(d / "art"), INPUT, "-o", str(d / "proof.bin")]) == 0
    return d, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def work(proved):
    """(folder, artifact folder, proof file)."""
    d = proved[0]
    return d, d / "art", d / "proof.bin"


def test_compile_prints_summary(tmp_path, capsys):
    rc, out, err = run(["compile", MODEL, "--sample", INPUT, "--input-range", "1", "-o",
                        tmp_path / "a"], capsys)
    assert rc == 0 and "vk.bin" in out and "digest 0x" in out and "range [-1, 1]" in out
    assert sorted(os.listdir(tmp_path / "a")) == ["pk.bin", "settings.json", "vk.bin"]


def test_prove_prints_outputs(proved):
    d, out, err = proved
    assert err.startswith("proof: ") and err.count("\n") == 1
    doc = json.loads(out)
    ref = json.loads(open(INPUT).read())["output_data"][0]
    assert len(doc["output_data"][0]) == 10
    assert max(abs(a - b) for a, b in zip(doc["output_data"][0], ref)) < 0.05
    assert sorted(os.listdir(d)) == ["art", "proof.bin"]  # written atomically, no temp file left


def test_prove_json(work, tmp_path, capsys):
    _, art, proof = work
    rc, out, err = run(["prove", art, INPUT, "-o", tmp_path / "p.bin", "--json", "-q"], capsys)
    doc = json.loads(out)
    assert rc == 0 and err == ""
    assert doc["proof_bytes"] == os.path.getsize(tmp_path / "p.bin") == os.path.getsize(proof)
    assert doc["vk_digest"] == json.loads(open(art / "settings.json").read())["vk_digest"]
    assert {"execute", "commit", "open", "total"} <= set(doc["seconds"])


def test_verify_valid(work, capsys):
    d, art, proof = work
    solo = d / "solo"
    solo.mkdir(exist_ok=True)
    shutil.copy(art / "vk.bin", solo / "key.bin")  # the verifier needs only the vk
    expected = None
    for argv in (["verify", art, proof], ["verify", "--vk", solo / "key.bin", proof],
                 ["verify", solo / "key.bin", proof]):
        rc, out, err = run(argv, capsys)
        assert rc == 0 and err == ""
        expected = expected or out
        assert json.loads(out) == json.loads(expected)
    rc, out, _ = run(["verify", art, proof, "--json", "--show-inputs"], capsys)
    doc = json.loads(out)
    assert rc == 0 and doc["valid"] and len(doc["input_data"][0]) == 256


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_damaged_proof_is_rejected(work, tmp_path, capsys, damage):
    _, art, proof = work
    data = proof.read_bytes()
    bad = {"flip": data[:3000] + bytes([data[3000] ^ 4]) + data[3001:], "truncate": data[:-50],
           "empty": b"", "garbage": b"\x00" * 64}[damage]
    (tmp_path / "bad.bin").write_bytes(bad)
    rc, out, err = run(["verify", art, tmp_path / "bad.bin"], capsys)
    if damage == "flip":  # parses, fails verification: invalid
        assert rc == 1 and out == "" and one_line(err, "invalid proof: ")
    else:  # not a readable proof file at all: unusable
        assert rc == 2 and out == "" and one_line(err, "error: ")


def test_proof_for_another_key_is_invalid(work, tmp_path, capsys):
    _, art, proof = work
    assert main(["compile", MODEL, "--sample", INPUT, "--input-range", "4", "-o", str(tmp_path), "-q"]) == 0
    rc, _, err = run(["verify", tmp_path, proof], capsys)
    assert rc == 1 and one_line(err, "invalid proof: the proof is for another model")


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "pk"])
def test_damaged_vk_is_exit_2(work, tmp_path, capsys, damage):
    _, art, proof = work
    vk = (art / "vk.bin").read_bytes()
    bad = {"flip": vk[:500] + bytes([vk[500] ^ 1]) + vk[501:], "truncate": vk[:-1],
           "garbage": b"hello", "pk": (art / "pk.bin").read_bytes()}[damage]
    (tmp_path / "vk.bin").write_bytes(bad)
    rc, out, err = run(["verify", "--vk", tmp_path / "vk.bin", proof], capsys)
    assert rc == 2 and out == "" and one_line(err, "error: ") and "vk.bin" in err


def test_unusable_files_are_exit_2(work, tmp_path, capsys):
    d, art, proof = work
    bad_input = tmp_path / "in.json"
    bad_input.write_text(json.dumps({"input_data": [[0.5] * 10]}))
    no_pk = tmp_path / "no_pk"
    no_pk.mkdir()
    shutil.copy(art / "vk.bin", no_pk / "vk.bin")
    cases = [
        (["verify", art, tmp_path / "missing.bin"], "missing.bin"),
        (["verify", tmp_path / "missing", proof], "missing"),
        (["verify", art, art], "cannot read proof"),
        (["prove", art, bad_input, "-o", tmp_path / "p.bin"], "has 10 values, model expects shape [1, 1, 16, 16]"),
        (["prove", art, tmp_path / "none.json", "-o", tmp_path / "p.bin"], "none.json"),
        (["prove", no_pk, INPUT, "-o", tmp_path / "p.bin"], "pk.bin: no such file"),
        (["prove", art, INPUT, "-o", tmp_path / "nodir" / "p.bin"], "cannot write"),
        (["compile", tmp_path / "none.onnx", "-o", tmp_path / "a"], "none.onnx"),
        (["compile", MODEL, "--sample", bad_input, "-o", tmp_path / "a"], "10 values"),
    ]
    for argv, what in cases:
        rc, out, err = run(argv, capsys)
        assert rc == 2 and one_line(err, "error: ") and what in err, (argv, err)
    assert sorted(os.listdir(tmp_path)) == ["in.json", "no_pk"]  # nothing half-written


def test_verify_usage_errors(work, capsys):
    _, art, proof = work
    for argv in (["verify", art], ["verify", "--vk", art / "vk.bin", art, proof]):
        rc, _, err = run(argv, capsys)
        assert rc == 2 and "usage:" in err


def test_exit_codes_through_the_entry_point(work, tmp_path):
    _, art, proof = work
    data = proof.read_bytes()
    (tmp_path / "bad.bin").write_bytes(data[:-1])  # truncated: not a readable proof file
    (tmp_path / "flip.bin").write_bytes(data[:-9] + bytes([data[-9] ^ 1]) + data[-8:])
    for p, code in ((proof, 0), (tmp_path / "flip.bin", 1), (tmp_path / "bad.bin", 2), (tmp_path / "none.bin", 2)):
        r = subprocess.run([sys.executable, "-m", "veriml.cli", "verify", str(art), str(p)],
                           capture_output=True, text=True)
        assert r.returncode == code and "Traceback" not in r.stderr, r.stderr


def test_demo(capsys, tmp_path):
    rc, out, err = run(["demo", "-q", "-o", tmp_path], capsys)
    assert rc == 0 and "predicted class 3 (label 3" in out and "valid" in out
    assert "max |proven - onnxruntime|" in out and err == ""
    assert sorted(os.listdir(tmp_path)) == ["artifacts", "proof.bin"]
