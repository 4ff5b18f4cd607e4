"""veriml.jit: kernels built ahead of time (numba.pycc) against the same kernels under
numba's JIT; argument-type keys against numba.typeof; when parallel kernels pay."""

import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest

import veriml
from veriml import jit

DATA = files("veriml") / "data"
MODEL, INPUT = str(DATA / "demo_cnn.onnx"), str(DATA / "demo_input.json")
TESTS = os.path.dirname(__file__)


def _args():
    a = np.arange(12, dtype=np.uint64)
    ro = a.copy()
    ro.setflags(write=False)
    return [a, a.reshape(3, 4), a.reshape(3, 4).T, a[::2], ro, np.zeros((2, 2), dtype=np.uint8),
            np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.bool_), 5, -5, (1 << 63), (1 << 64) - 1, 1.5, True,
            np.uint64(7), np.int64(-1), np.float64(2.0), (1, 2), (a, 3), np.ones(4, np.float64)]


@pytest.mark.parametrize("i", range(len(_args())))
def test_argument_key_is_numba_typeof(i):
    numba = pytest.importorskip("numba")
    a = _args()[i]
    assert jit._numba_type(jit._key(a)) == numba.typeof(a)


def test_parallel_pays_only_past_numba_start_up(monkeypatch):
    monkeypatch.setattr(jit, "_NATIVE", {"k": {}})
    monkeypatch.setattr(jit, "_JIT_ON", False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert not jit.parallel_pays(0.05)  # an 18-bit grind: serial, native
    assert jit.parallel_pays(10 * jit.JIT_START_S)
    monkeypatch.setattr(jit, "_JIT_ON", True)  # numba already runs: its threads are free
    assert jit.parallel_pays(0.05)
    monkeypatch.setattr(jit, "_JIT_ON", False)
    monkeypatch.setattr(jit, "_NATIVE", {})  # nothing native: numba starts anyway
    assert jit.parallel_pays(0.05)


def test_signature_file_names_existing_kernels():
    for mod in jit.KERNEL_MODULES:
        __import__(mod)
    sigs = jit.load_signatures()
    assert sigs, "kernel_signatures.json is empty"
    for name, keys in sigs.items():
        k = jit._KERNELS[name]
        assert k.aot and keys
        for key in keys:
            jit._numba_type(("t", key))  # every recorded key maps back to numba types


@pytest.fixture(scope="module")
def native_dir(tmp_path_factory):
    """The native module built into a temporary folder (what ``veriml build-kernels`` does)."""
    pytest.importorskip("numba.pycc")
    if not any(shutil.which(c) for c in ("cc", "gcc", "clang")):
        pytest.skip("no C compiler: veriml runs on numba's JIT alone here")
    d = tmp_path_factory.mktemp("kernels")
    env = {**os.environ, "VERIML_KERNEL_DIR": str(d)}
    subprocess.run([sys.executable, "-m", "veriml.cli", "build-kernels"], check=True, env=env,
                   capture_output=True, text=True)
    return d


def _native_env(native_dir):
    return {**os.environ, "VERIML_KERNEL_DIR": str(native_dir), "VERIML_AOT": "1", "VERIML_AOT_BUILD": "0"}


_PROVE = """
import json, sys
site = set(sys.modules)  # what the interpreter's start-up (site, .pth files) imported
import numpy as np
import veriml
from veriml import jit
proof = veriml.prove(sys.argv[1], sys.argv[2])
proof.save(sys.argv[3])
outputs = veriml.verify(sys.argv[1] + "/vk.bin", sys.argv[3])
st = jit.status()
before = "numba" in sys.modules
# modules a prove/verify process has no need of (each adds to its peak memory)
heavy = [m for m in ("Crypto", "numpy.ma", "tempfile", "pathlib", "subprocess", "hashlib", "numba")
         if m in sys.modules and m not in site]
# a type no one recorded (a strided view) runs too: numba's JIT takes it
from veriml.field import fast
a = np.arange(20, dtype=np.uint64)
out = np.empty(10, dtype=np.uint64)
fast._mul_flat(a[::2], a[1::2], out)
print(json.dumps({"numba_before": before, "numba_after": "numba" in sys.modules, "heavy": heavy,
                  "functions": st["functions"], "outputs": [o.tolist() for o in outputs],
                  "strided_ok": bool(np.array_equal(out, a[::2] * a[1::2]))}))
"""


def test_native_prove_verifies_and_needs_no_numba(native_dir, tmp_path):
    art = tmp_path / "art"
    veriml.compile(MODEL, sample=INPUT, out_dir=art)
    r = subprocess.run([sys.executable, "-c", _PROVE, str(art), INPUT, str(tmp_path / "p.bin")],
                       env=_native_env(native_dir), capture_output=True, text=True, check=True)
    doc = json.loads(r.stdout.strip().splitlines()[-1])
    assert doc["functions"] == sum(len(v) for v in jit.load_signatures().values())
    assert doc["numba_before"] is False  # prove and verify ran natively end to end
    assert doc["heavy"] == []  # nor did they import what they do not need (peak memory)
    assert doc["numba_after"] is True and doc["strided_ok"]
    # the proof made natively verifies here (this process: numba's JIT or its own native build)
    outs = veriml.verify(str(art / "vk.bin"), str(tmp_path / "p.bin"))
    assert [o.tolist() for o in outs] == doc["outputs"]
    proof = veriml.prove(str(art), INPUT)
    assert [o.tolist() for o in proof.outputs] == doc["outputs"]


def test_kernel_suites_pass_natively(native_dir):
    """The kernels' own suites (each kernel against its plain reference) on the native build."""
    suites = ["test_field.py", "test_ntt.py", "test_multilinear.py", "test_sumcheck.py", "test_keccak.py",
              "test_merkle.py", "test_transcript.py", "test_logup.py", os.path.join("prover", "test_kernels.py")]
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        *[os.path.join(TESTS, s) for s in suites]],
                       env=_native_env(native_dir), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    check = subprocess.run([sys.executable, "-c", "from veriml import jit; import json; "
                            "print(json.dumps(jit.status()))"],
                           env=_native_env(native_dir), capture_output=True, text=True, check=True)
    assert json.loads(check.stdout)["functions"] > 0


def test_stale_sources_are_not_loaded(native_dir, monkeypatch):
    """The module name hashes the kernel sources: another hash finds no build, so no
    stale native code runs."""
    monkeypatch.setenv("VERIML_KERNEL_DIR", str(native_dir))
    assert jit.native_module() is not None
    assert jit.native_module("veriml_kernels_0000000000000000") is None
    monkeypatch.setenv("VERIML_AOT", "0")
    assert jit.native_module() is None


def test_failed_build_falls_back_to_jit_once(tmp_path, monkeypatch, capsys):
    """A build that fails (no C compiler, say) is noted, said once in one line, and not tried
    again for the same sources; compile goes on with numba's JIT."""
    monkeypatch.setenv("VERIML_KERNEL_DIR", str(tmp_path))
    monkeypatch.setenv("VERIML_AOT_BUILD", "1")
    calls = []

    def broken(force=False):
        calls.append(1)
        raise RuntimeError("no compiler")

    monkeypatch.setattr(jit, "build", broken)
    assert jit.ensure_built() is None
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no compiler" in err[0] and "JIT" in err[0]
    assert list(tmp_path.glob("*.failed"))
    assert jit.ensure_built() is None and len(calls) == 1
    monkeypatch.setenv("VERIML_AOT_BUILD", "0")
    monkeypatch.setattr(jit, "build", lambda **k: pytest.fail("built with VERIML_AOT_BUILD=0"))
    for f in tmp_path.glob("*.failed"):
        f.unlink()
    assert jit.ensure_built() is None


def test_cli_build_kernels_failure_is_one_line(monkeypatch, capsys):
    from veriml import cli

    def broken(force=False):
        raise RuntimeError("no compiler")

    monkeypatch.setattr(jit, "build", broken)
    assert cli.main(["build-kernels"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: building native kernels failed")
