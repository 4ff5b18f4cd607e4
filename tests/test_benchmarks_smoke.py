"""Smoke test of the benchmark scripts on the bundled demo model: they run and write the
JSON keys docs/BENCHMARKS.md relies on. No timing assertions."""

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


def test_conformance_prove_on_demo(tmp_path):
    suite = tmp_path / "suite" / "demo"
    suite.mkdir(parents=True)
    os.symlink(DATA / "demo_cnn.onnx", suite / "network.onnx")
    os.symlink(DATA / "demo_input.json", suite / "input.json")
    out = _run([BENCH / "conformance.py", suite.parent, "--prove", "--json", tmp_path / "c.jsonl"], tmp_path)
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
