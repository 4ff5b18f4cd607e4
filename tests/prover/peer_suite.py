"""Prove and verify every model of a peer suite (not collected by pytest).

    python tests/prover/peer_suite.py /work/shared/peer-suite/ezkl [NAME ...] [--fast] [--timeout S]

Each model runs in its own subprocess (``--one DIR``) so a crash or a hang costs one row.
A model that ``veriml run`` rejects (compile error) is reported as ``unsupported``; every
other model must compile, execute on the padded cube exactly like the reference
interpreter, prove and verify with outputs equal to the reference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def one(model_dir: str, fast: bool) -> dict:
    import numpy as np

    from veriml.errors import ModelError
    from veriml.ir.execute import execute
    from veriml.onnx import compile_model
    from veriml.onnx.inputs import match_inputs, read_inputs
    from veriml.pcs import PcsParams
    from veriml.prover import system as S
    from veriml.prover.plan import build_plan

    path = os.path.join(model_dir, "network.onnx")
    arrays = read_inputs(os.path.join(model_dir, "input.json"))
    t0 = time.time()
    try:
        cm = compile_model(path, [arrays])
    except ModelError as e:
        return {"status": "unsupported", "why": str(e)[:200]}
    arrays = match_inputs(arrays, [s.name for s in cm.inputs])
    q = cm.quantize_inputs(arrays)
    ref = execute(cm.program, q)
    plan = build_plan(cm.program)
    vals = S.execute_padded(plan, q)
    for t in range(len(ref)):
        if ref[t] is not None and not np.array_equal(plan.layout(t).unpad(vals[t]), ref[t]):
            return {"status": "fail", "why": f"padded execution differs at tensor {t} ({cm.program.nodes[t].op})"}
    params = PcsParams(queries=(8,), grinding_bits=(0,)) if fast else PcsParams.default()
    wcm, wpd = S.commit_weights(plan, params)
    pk = S.ProverKey(plan, params, wpd, wcm, b"\x00" * 32)
    vk = S.VerifierKey(plan, params, wcm, b"\x00" * 32)
    t1 = time.time()
    proof, outs = S.prove(pk, q)
    t2 = time.time()
    _, outs2 = S.verify(vk, proof)
    t3 = time.time()
    for tid, o, o2 in zip(cm.program.outputs, outs, outs2):
        if not (np.array_equal(o, ref[tid]) and np.array_equal(o2, ref[tid])):
            return {"status": "fail", "why": "verified outputs differ from the reference"}
    return {"status": "ok", "compile_s": round(t1 - t0, 2), "prove_s": round(t2 - t1, 2),
            "verify_s": round(t3 - t2, 2), "bytes": len(proof), "nodes": len(cm.program.nodes)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("suite")
    ap.add_argument("names", nargs="*")
    ap.add_argument("--fast", action="store_true", help="few PCS queries (not secure; for quick checks)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args(argv)
    if a.one:
        try:
            res = one(a.suite, a.fast)
        except Exception as e:  # noqa: BLE001 - one row per model
            res = {"status": "fail", "why": f"{type(e).__name__}: {e}"[:300]}
        print("RESULT " + json.dumps(res))
        return 0
    names = a.names or sorted(d for d in os.listdir(a.suite) if os.path.isdir(os.path.join(a.suite, d)))
    results = {}
    for name in names:
        cmd = [sys.executable, __file__, os.path.join(a.suite, name), "--one"] + (["--fast"] if a.fast else [])
        t0 = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
            res = json.loads(line[-1][7:]) if line else {"status": "fail", "why": (p.stderr or "no output")[-300:]}
        except subprocess.TimeoutExpired:
            res = {"status": "fail", "why": f"timeout after {a.timeout:.0f} s"}
        res["wall_s"] = round(time.time() - t0, 1)
        results[name] = res
        print(f"{name:32s} {res['status']:12s} {res['wall_s']:7.1f}s {res.get('why', '')}", flush=True)
    counts = {}
    for r in results.values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(counts)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if counts.get("fail") else 0


if __name__ == "__main__":
    sys.exit(main())
