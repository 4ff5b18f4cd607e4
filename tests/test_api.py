"""Python API: compile -> prove -> verify on the bundled demo CNN, the artifact files and
the verifying-key encoding, and the binding of proofs to the model's weights."""

import copy
import json
import os
from importlib.resources import files

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import veriml
from veriml import api
from veriml.artifacts import (PK_FILE, SETTINGS_FILE, VK_FILE, ArtifactError, Artifacts, seal,
                              atomic_write, decode_vk, encode_vk, read_vk)
from veriml.codec import Reader, Writer
from veriml.errors import InputError, ProofError
from veriml.hash.keccak import keccak256

DATA = files("veriml") / "data"
MODEL, INPUT = str(DATA / "demo_cnn.onnx"), str(DATA / "demo_input.json")


@pytest.fixture(scope="module")
def art_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("art")
    veriml.compile(MODEL, sample=INPUT, out_dir=d)
    return str(d)


@pytest.fixture(scope="module")
def proof(art_dir):
    return veriml.prove(art_dir, INPUT)


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """The demo model with one bias changed: (artifact folder, its proof on the demo input)."""
    d = tmp_path_factory.mktemp("other")
    m = onnx.load(MODEL)
    init = m.graph.initializer[-1]
    v = numpy_helper.to_array(init).copy()
    v.flat[0] += 0.25
    init.CopyFrom(numpy_helper.from_array(v, init.name))
    onnx.save(m, str(d / "m.onnx"))
    veriml.compile(str(d / "m.onnx"), sample=INPUT, out_dir=d / "art")
    return str(d / "art"), veriml.prove(str(d / "art"), INPUT)


def _flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


# ------------------------------------------------------------------ round trip


def test_round_trip(art_dir, proof, tmp_path):
    from veriml.onnx import compile_model

    ref = json.loads(open(INPUT).read())["output_data"][0]  # onnxruntime's logits
    assert np.max(np.abs(proof.outputs[0].reshape(-1) - ref)) < 0.05
    cm = compile_model(MODEL, [api.read_model_inputs(INPUT)])
    _, run = cm.run(api.read_model_inputs(INPUT))
    assert np.array_equal(proof.outputs[0], run[0])  # the proven outputs are `veriml run`'s
    for key in (art_dir, os.path.join(art_dir, VK_FILE), Artifacts.load(art_dir, prover=False)):
        out = veriml.verify(key, proof.bytes)
        assert np.array_equal(out[0], proof.outputs[0])
    proof.save(tmp_path / "p.bin")
    ins, outs = veriml.verify(art_dir, str(tmp_path / "p.bin"), return_inputs=True)
    assert np.array_equal(outs[0], proof.outputs[0]) and np.array_equal(ins[0], proof.inputs[0])
    loaded = veriml.Proof.load(tmp_path / "p.bin")
    assert loaded.bytes == proof.bytes and loaded.digest == Artifacts.load(art_dir, False).digest
    assert set(proof.timings) >= {"load proving key", "execute", "open", "total"}


def test_in_memory_artifacts_match_the_files(art_dir, proof, tmp_path):
    model = tmp_path / "elsewhere.onnx"  # the key does not depend on where the model lies
    model.write_bytes(open(MODEL, "rb").read())
    stages = []
    art = veriml.compile(model, sample=INPUT, progress=stages.append)
    assert art.directory is None and art.digest == Artifacts.load(art_dir, False).digest
    assert stages == list(api.COMPILE_STAGES[:-1]) and set(art.timings) == set(stages) | {"total"}
    x = api.read_model_inputs(INPUT)[0]
    stages.clear()
    again = veriml.prove(art, x, progress=stages.append)
    assert stages == list(api.prove_stages())
    assert np.array_equal(veriml.verify(art_dir, again)[0], proof.outputs[0])


def test_input_forms_agree(tmp_path, art_dir):
    prog = Artifacts.load(art_dir, prover=False).program
    doc = json.loads(open(INPUT).read())
    x = np.asarray(doc["input_data"][0]).reshape(1, 1, 16, 16)
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "x.npz", input=x)
    forms = [INPUT, doc, x, [x], x.reshape(-1).tolist(), tmp_path / "x.npy", str(tmp_path / "x.npz")]
    qs = [api.quantize_inputs(prog, f) for f in forms]
    for q in qs[1:]:
        assert np.array_equal(q[0], qs[0][0])


def test_wrong_inputs_are_input_errors(art_dir):
    prog = Artifacts.load(art_dir, prover=False).program
    for bad in (np.zeros(10), {"input_data": "x"}, {"nothing": 1}, 3, np.full((1, 1, 16, 16), 50.0)):
        with pytest.raises(InputError):
            api.quantize_inputs(prog, bad)
    with pytest.raises(InputError):
        veriml.prove(art_dir, np.zeros((2, 16, 16)))


# ------------------------------------------------------------------ artifacts


def test_artifact_files(art_dir):
    assert sorted(os.listdir(art_dir)) == sorted([VK_FILE, PK_FILE, SETTINGS_FILE])  # no temp files
    s = json.loads(open(os.path.join(art_dir, SETTINGS_FILE)).read())
    vk = open(os.path.join(art_dir, VK_FILE), "rb").read()
    assert s["vk_digest"] == "0x" + keccak256(vk[:-32]).hex() == "0x" + vk[-32:].hex()
    assert s["inputs"][0]["shape"] == [1, 1, 16, 16] and s["inputs"][0]["range"] == [-2.0, 2.0]
    assert s["outputs"][0]["name"] == "logits" and s["veriml_version"] == veriml.__version__
    assert s["witness"]["columns"] > 0 and s["op_counts"]["conv"] == 2
    assert s["files"] == {VK_FILE: len(vk), PK_FILE: os.path.getsize(os.path.join(art_dir, PK_FILE))}


def test_vk_holds_structure_not_weights(art_dir):
    vk, body = read_vk(art_dir)
    prog = vk.plan.program
    consts = [n for n in prog.nodes if n.op == "const"]
    assert consts and all("value" not in n.attrs for n in consts)
    assert any(n.op == "gather" and n.attrs["idx"].size for n in prog.nodes)  # index maps kept
    assert not any("demo_cnn" in n.origin for n in prog.nodes)  # no file paths in the key
    assert vk.weight_commitment is not None and vk.digest == keccak256(body)
    assert encode_vk(prog, vk.params, vk.weight_commitment) == body


def test_vk_encoding_is_canonical(art_dir):
    _, body = read_vk(art_dir)
    with pytest.raises(ArtifactError, match="unusable"):
        decode_vk(seal(body + b"\x00"))  # trailing byte
    r = Reader(body)
    r.bytes_()
    at = len(body) - r.remaining  # the version byte
    with pytest.raises(ArtifactError, match="unusable"):
        decode_vk(seal(body[:at] + b"\x02" + body[at + 1:]))
    with pytest.raises(ArtifactError, match="checksum"):
        decode_vk(_flip(seal(body), len(body) // 2))


def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # the usual mode, not a temp file's 0600

    def boom(*a):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]


def test_damaged_or_mismatched_proving_key(art_dir, other, tmp_path):
    d = tmp_path / "art"
    d.mkdir()
    vk = open(os.path.join(art_dir, VK_FILE), "rb").read()
    (d / VK_FILE).write_bytes(vk)
    (d / PK_FILE).write_bytes(open(os.path.join(other[0], PK_FILE), "rb").read())
    with pytest.raises(ArtifactError, match="another verifying key"):
        veriml.prove(str(d), INPUT)
    (d / PK_FILE).write_bytes(_flip(open(os.path.join(art_dir, PK_FILE), "rb").read(), 100))
    with pytest.raises(ArtifactError, match="checksum"):
        veriml.prove(str(d), INPUT)
    os.remove(d / PK_FILE)
    with pytest.raises(ArtifactError, match="pk.bin: no such file"):
        veriml.prove(str(d), INPUT)
    with pytest.raises(ArtifactError):
        veriml.prove(str(tmp_path / "missing"), INPUT)


# ------------------------------------------------------------------ soundness of the binding


def test_digest_changes_with_every_weight(art_dir):
    from veriml.prover.plan import build_plan
    from veriml.prover.system import commit_weights, weight_tids

    art = Artifacts.load(art_dir)
    prog = art.pk.plan.program
    digests = {art.digest}
    for tid in weight_tids(prog):
        p = copy.deepcopy(prog)
        v = p.nodes[tid].attrs["value"]
        i = int(np.argmin(v))
        v.flat[i] += 1
        cm, _ = commit_weights(build_plan(p), art.vk.params)
        digests.add(keccak256(encode_vk(p, art.vk.params, cm)))
    assert len(digests) == 1 + len(weight_tids(prog))


def test_proof_for_other_weights_fails(art_dir, other):
    other_dir, other_proof = other
    assert veriml.verify(other_dir, other_proof)  # valid for its own key
    with pytest.raises(ProofError, match="another model"):
        veriml.verify(art_dir, other_proof)
    # even with the original digest written into the header, the transcript binds the key
    own = Artifacts.load(art_dir, prover=False).digest
    at = other_proof.bytes.index(other_proof.digest)
    forged = other_proof.bytes[:at] + own + other_proof.bytes[at + 32:]
    with pytest.raises(ProofError):
        veriml.verify(art_dir, forged)


@pytest.mark.parametrize("where", ["magic", "input", "middle", "end", "truncated", "empty"])
def test_tampered_proof_is_rejected(art_dir, proof, where):
    data = proof.bytes
    bad = {"magic": _flip(data, 5), "input": _flip(data, 69), "middle": _flip(data, len(data) // 2),
           "end": _flip(data, len(data) - 3), "truncated": data[:-7], "empty": b""}[where]
    with pytest.raises(ProofError):
        veriml.verify(art_dir, bad)


def test_write_proof_into_missing_folder(proof, tmp_path):
    with pytest.raises(ArtifactError, match="cannot write"):
        proof.save(tmp_path / "no" / "p.bin")


def test_proof_header_round_trip(proof):
    w = Writer()
    w.bytes_(b"veriml-proof")
    assert proof.bytes.startswith(w.getvalue())
    assert len(proof) == len(proof.bytes)


def test_stage_bar_draws_only_on_a_terminal(monkeypatch):
    import io

    from veriml.progress import StageBar, StageClock

    class Tty(io.StringIO):
        def isatty(self):
            return True

    for stream, quiet, drawn in ((Tty(), False, True), (Tty(), True, False), (io.StringIO(), False, False)):
        monkeypatch.setattr("sys.stderr", stream)
        with StageBar(["a", "b"], "test", quiet) as bar:
            bar("a")
            bar("b")
        assert ("test:" in stream.getvalue()) == drawn
    clock = StageClock()
    clock("a")
    clock("b")
    clock("a")
    t = clock.stop()
    assert set(t) == {"a", "b", "total"} and abs(t["total"] - t["a"] - t["b"]) < 1e-9
