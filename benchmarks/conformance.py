"""Conformance report: import, quantize and run every model dir under DIR; compare with float.

Usage: python benchmarks/conformance.py DIR [--json FILE] [--only NAME ...]

Each model dir holds network.onnx and input.json (ezkl layout).  The float reference is
onnxruntime, or onnx.reference.ReferenceEvaluator for files onnxruntime rejects.  The error is
max |quantized - float| / scale, with scale = max(output range, largest |output|).
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--json", help="write one JSON line per model here")
    ap.add_argument("--only", nargs="*", help="model names to run")
    ap.add_argument("--tol", type=float, default=0.01, help="relative error counted as within (0.01)")
    args = ap.parse_args(argv)
    dirs = sorted(e for e in os.listdir(args.dir) if os.path.isfile(os.path.join(args.dir, e, "network.onnx")))
    if args.only:
        dirs = [d for d in dirs if d in args.only]
    recs = []
    print(f"{'model':28s} {'status':11s} {'rel.err':>9s} {'argmax':>6s} {'time':>7s}  detail")
    for d in dirs:
        r = check_model(os.path.join(args.dir, d))
        recs.append(r)
        err = "" if r["error"] is None else f"{r['error']:.2e}"
        am = "" if r["argmax"] is None else f"{r['argmax']:.2f}"
        flag = "" if r["status"] != "ok" or r["error"] <= args.tol else "  > tol"
        print(f"{d:28s} {r['status']:11s} {err:>9s} {am:>6s} {r['time_s']:7.2f}  {r['detail'][:90]}{flag}",
              flush=True)
    ok = [r for r in recs if r["status"] == "ok"]
    within = [r for r in ok if r["error"] <= args.tol]
    print(f"\n{len(recs)} models: {len(ok)} run, {len(within)} within {args.tol:.0%} of scale "
          f"({100.0 * len(within) / max(len(ok), 1):.1f}% of those run); "
          f"{sum(r['status'] == 'unsupported' for r in recs)} unsupported, "
          f"{sum(r['status'] == 'error' for r in recs)} errors, {sum(r['status'] == 'crash' for r in recs)} crashes")
    if args.json:
        with open(args.json, "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
