"""Conformance report: import, quantize and run every model dir under DIR; compare with float.

Usage: python benchmarks/conformance.py DIR [--json FILE] [--only NAME ...]
                                          [--prove [--prove-timeout S] [--mem-gb G]]

Each model dir holds network.onnx and input.json (ezkl layout).  The float reference is
onnxruntime, or onnx.reference.ReferenceEvaluator for files onnxruntime rejects.  The error is
max |quantized - float| / scale, with scale = max(output range, largest |output|).

With --prove, every model that runs is also compiled, proved and verified (compile = quantize +
plan + weight commitment) in a separate worker process (prove_bench.PipelineWorker: kernels
stay loaded between models, so times are warm; a warm-up on the bundled demo runs first).  A
model that fails, exceeds --prove-timeout seconds (default 300) or --mem-gb of memory (default
8) is marked failed with a one-line reason and the worker restarts; the sweep goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

import numpy as np
import onnx

from veriml.errors import UnsupportedOpError, VerimlError
from veriml.onnx import compile_model, load_onnx
from veriml.onnx.inputs import read_inputs

_NP = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
       onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32,
       onnx.TensorProto.BOOL: np.bool_, onnx.TensorProto.FLOAT16: np.float16,
       onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8}


def float_reference(model, path, arrays):
    """Float outputs of the model (onnxruntime, else onnx.reference)."""
    inits = {i.name for i in model.graph.initializer}
    ins = [vi for vi in model.graph.input if vi.name not in inits]
    feeds = {vi.name: np.asarray(a).astype(_NP.get(vi.type.tensor_type.elem_type, np.float32))
             for vi, a in zip(ins, arrays)}
    try:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        return [np.asarray(o) for o in sess.run(None, feeds)], "onnxruntime"
    except Exception:  # noqa: BLE001 - off-spec files: fall back to the reference evaluator
        from onnx.reference import ReferenceEvaluator

        return [np.asarray(o) for o in ReferenceEvaluator(model).run(None, feeds)], "onnx.reference"


def compare(outs, refs):
    """(max relative error, argmax agreement or None)."""
    worst, agree = 0.0, None
    for q, r in zip(outs, refs):
        r = np.asarray(r, dtype=np.float64)
        q = np.asarray(q, dtype=np.float64).reshape(r.shape) if q.size == r.size else q
        if q.shape != r.shape:
            return float("inf"), None
        if r.size == 0:
            continue
        scale = max(float(r.max() - r.min()), float(np.abs(r).max()), 1e-9)
        worst = max(worst, float(np.abs(q - r).max()) / scale)
    r0 = np.asarray(refs[0])
    if r0.dtype.kind == "f" and r0.ndim >= 1 and r0.shape[-1] > 1 and r0.size >= 2:
        q0 = np.asarray(outs[0]).reshape(r0.shape)
        agree = float(np.mean(np.argmax(q0, -1) == np.argmax(r0, -1)))
    return worst, agree


def check_model(d):
    name = os.path.basename(os.path.normpath(d))
    path = os.path.join(d, "network.onnx")
    rec = {"model": name, "status": "", "error": None, "argmax": None, "time_s": None, "detail": ""}
    t0 = time.perf_counter()
    try:
        arrays = read_inputs(os.path.join(d, "input.json"))
        model = load_onnx(path)
        cm = compile_model(path, [arrays], model=model)
        from veriml.onnx.inputs import match_inputs

        arrays = match_inputs(arrays, [s.name for s in cm.inputs])
        shaped = [a.reshape(s.shape) for a, s in zip(arrays, cm.inputs)]
        _, outs = cm.run(shaped)
        rec["time_s"] = round(time.perf_counter() - t0, 3)
        refs, rec["reference"] = float_reference(model, path, shaped)
        rec["error"], rec["argmax"] = compare(outs, refs)
        rec["status"] = "ok"
        rec["prims"] = len(cm.program.nodes)
        rec["max_bound_bits"] = round(cm.program.max_bound_bits(), 1)
    except UnsupportedOpError as e:
        rec["status"], rec["detail"] = "unsupported", str(e).split(": ", 1)[-1]
    except VerimlError as e:
        rec["status"], rec["detail"] = "error", str(e)
    except Exception as e:  # noqa: BLE001 - a bug: report, keep going
        rec["status"], rec["detail"] = "crash", f"{type(e).__name__}: {e}"[:300]
        rec["trace"] = traceback.format_exc(limit=-3)
    if rec["time_s"] is None:
        rec["time_s"] = round(time.perf_counter() - t0, 3)
    return rec


def prove_model(worker, d, timeout):
    """Compile, prove and verify one model in the worker; never raises."""
    try:
        res = worker.run(d, timeout)
    except Exception as e:  # noqa: BLE001 - the sweep goes on
        res = {"error": f"{type(e).__name__}: {e}"[:300]}
    if "error" in res:
        return {"ok": False, "reason": res["error"]}
    keys = ("compile_s", "prove_s", "verify_s", "compile_cpu_s", "prove_cpu_s", "verify_cpu_s", "pk_load_s",
            "vk_load_s", "proof_bytes", "vk_bytes", "pk_bytes", "primitives", "witness_values", "backend")
    return {"ok": True, **{k: res.get(k) for k in keys}}


def _row(d, r, args):
    err = "" if r["error"] is None else f"{r['error']:.2e}"
    am = "" if r["argmax"] is None else f"{r['argmax']:.2f}"
    flag = "" if r["status"] != "ok" or r["error"] <= args.tol else "  > tol"
    pcols, detail = "", r["detail"]
    if args.prove:
        p = r.get("proof")
        if p is None:
            pcols = f" {'':>7s} {'':>7s} {'':>8s}"
        elif p["ok"]:
            pcols = f" {p['prove_s']:7.2f} {p['verify_s']:7.3f} {p['proof_bytes'] / 1000:8.1f}"
        else:
            pcols = f" {'FAIL':>7s} {'':>7s} {'':>8s}"
            detail = "prove: " + p["reason"]
    return f"{d:28s} {r['status']:11s} {err:>9s} {am:>6s} {r['time_s']:7.2f}{pcols}  {detail[:90]}{flag}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--json", help="write one JSON line per model here")
    ap.add_argument("--only", nargs="*", help="model names to run")
    ap.add_argument("--tol", type=float, default=0.01, help="relative error counted as within (0.01)")
    ap.add_argument("--prove", action="store_true", help="also compile, prove and verify each model that runs")
    ap.add_argument("--prove-timeout", type=float, default=300.0, help="seconds per model for --prove (300)")
    ap.add_argument("--mem-gb", type=float, default=8.0, help="memory cap of the --prove worker, GiB (8)")
    args = ap.parse_args(argv)
    dirs = sorted(e for e in os.listdir(args.dir) if os.path.isfile(os.path.join(args.dir, e, "network.onnx")))
    if args.only:
        dirs = [d for d in dirs if d in args.only]
    recs = []
    worker = None
    if args.prove:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from prove_bench import PipelineWorker

        worker = PipelineWorker(mem_gb=args.mem_gb)
    pcols = f" {'prove':>7s} {'verify':>7s} {'proof KB':>8s}" if args.prove else ""
    print(f"{'model':28s} {'status':11s} {'rel.err':>9s} {'argmax':>6s} {'time':>7s}{pcols}  detail")
    try:
        for d in dirs:
            r = check_model(os.path.join(args.dir, d))
            if worker is not None and r["status"] == "ok":
                r["proof"] = prove_model(worker, os.path.join(args.dir, d), args.prove_timeout)
            recs.append(r)
            print(_row(d, r, args), flush=True)
    finally:
        if worker is not None:
            worker.close()
    ok = [r for r in recs if r["status"] == "ok"]
    within = [r for r in ok if r["error"] <= args.tol]
    print(f"\n{len(recs)} models: {len(ok)} run, {len(within)} within {args.tol:.0%} of scale "
          f"({100.0 * len(within) / max(len(ok), 1):.1f}% of those run); "
          f"{sum(r['status'] == 'unsupported' for r in recs)} unsupported, "
          f"{sum(r['status'] == 'error' for r in recs)} errors, {sum(r['status'] == 'crash' for r in recs)} crashes")
    if args.prove:
        proved = [r for r in ok if r.get("proof", {}).get("ok")]
        print(f"{len(proved)} of {len(ok)} supported models prove and verify"
              f" (per-model limit {args.prove_timeout:g} s)")
        for r in ok:
            if not r.get("proof", {}).get("ok"):
                print(f"  prove failed: {r['model']}: {r['proof']['reason']}")
    if args.json:
        with open(args.json, "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
