"""Smoke test of the benchmark scripts on the bundled demo model: they run and write the
JSON keys docs/BENCHMARKS.md relies on. No timing assertions. (vs_ezkl.py runs veriml's side
only: ezkl is an optional extra.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "veriml" / "data"
BENCH = ROOT / "benchmarks"


def _lines(path):
    return [json.loads(ln) for ln in Path(path).read_text().splitlines() if ln.strip()]


def _run(args, cwd):
    p = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    return p.stdout


def _demo_suite(tmp_path):
    suite = tmp_path / "suite" / "demo"
    suite.mkdir(parents=True)
    os.symlink(DATA / "demo_cnn.onnx", suite / "network.onnx")
    os.symlink(DATA / "demo_input.json", suite / "input.json")
    return suite.parent


def test_conformance_prove_on_demo(tmp_path):
    out = _run([BENCH / "conformance.py", _demo_suite(tmp_path), "--prove", "--json", tmp_path / "c.jsonl"],
               tmp_path)
    assert "1 of 1 supported models prove and verify" in out
    (rec,) = _lines(tmp_path / "c.jsonl")
    assert rec["model"] == "demo" and rec["status"] == "ok" and rec["error"] < 0.01
    proof = rec["proof"]
    assert proof["ok"] is True
    assert {"compile_s", "prove_s", "verify_s", "proof_bytes"} <= set(proof)
    assert proof["proof_bytes"] > 0


def test_prove_bench_on_demo(tmp_path):
    out = tmp_path / "b.jsonl"
    _run([BENCH / "prove_bench.py", DATA, "--reps", "1", "--no-cold", "--json", out], tmp_path)
    rec, targets = _lines(out)
    assert "error" not in rec, rec.get("error")
    assert rec["model"].startswith("demo_cnn") and rec["proof_bytes"] > 0 and "vk_bytes" in rec
    for stage in ("compile", "prove", "verify"):
        s = rec["stages"][stage]
        assert {"first_s", "first_wall_s", "warm_s", "peak_rss_mb", "rss_import_mb"} <= set(s)
    assert {"compile_s", "prove_s", "verify_s", "prove_peak_mb", "proof_kb"} <= set(rec["summary"])
    assert "targets" in targets and "commit" in targets


def test_vs_ezkl_veriml_side_on_demo(tmp_path):
    """The harness runs veriml's three stages (each in its own process), with the warm prove
    and VmHWM memory; --report re-reads its JSON. ezkl itself is not needed here."""
    out = tmp_path / "v.jsonl"
    text = _run([BENCH / "vs_ezkl.py", _demo_suite(tmp_path), "demo", "--only", "veriml", "--no-warmup",
                 "--no-snapshot", "--json", out, "--work", tmp_path / "work"], tmp_path)
    assert "veriml prove" in text
    (rec,) = _lines(out)
    v = rec["veriml"]
    assert v["ok"] is True, v
    assert v["prove_s"] > 0 and v["prove_warm_s"] > 0 and v["proof_bytes"] > 0
    assert v["stages"]["prove"]["warm_hwm_mb"] >= v["stages"]["prove"]["hwm_mb"]
    for stage in ("compile", "prove", "verify"):
        s = v["stages"][stage]
        assert s["ok"] and 0 < s["peak_mb"] <= s["maxrss_mb"] + 1 and s["hwm_mb"] > 0
    assert v["error_rel"] < 0.01
    report = _run([BENCH / "vs_ezkl.py", "--report", out], tmp_path)
    assert "| demo |" in report


def test_startup_on_demo(tmp_path):
    out = tmp_path / "s.jsonl"
    _run([BENCH / "startup.py", DATA, "--reps", "1", "--json", out], tmp_path)
    native, jit = _lines(out)
    assert (native["path"], jit["path"]) == ("native", "jit")
    assert {"numpy_s", "veriml_s", "prove_s", "warm_s", "rss_mb"} <= set(native)
    assert {"numpy_s", "numba_s", "veriml_s", "runtime_s", "prove_s", "warm_s", "rss_mb"} <= set(jit)
    assert jit["numba"]
    for rec in (native, jit):
        assert rec["rss_mb"] >= rec["rss_import_mb"] > 0
