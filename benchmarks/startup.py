"""Where a fresh ``veriml prove`` process spends its time and memory before and besides proving,
with the native kernels (``veriml.jit``) and with numba's JIT alone.

    python benchmarks/startup.py [MODEL_DIR ...] [--reps 5] [--json OUT]

For each model (default: ezkl's ``1l_mlp`` and ``lenet_5`` from ``../shared/peer-suite`` and
the bundled demo CNN) the model is compiled once (untimed; that builds the native kernels if
this machine has none), then ``--reps`` fresh processes per path each measure, in order:

* ``numpy_s``, ``veriml_s``: importing numpy, then ``veriml.api`` and ``veriml.prover.system``
  (what ``vs_ezkl.py`` leaves out of the stage time);
* JIT path only (``VERIML_AOT=0``): ``numba_s``, importing numba, and ``runtime_s``, the first
  call of one small cached kernel (numba builds its typing and target contexts then);
* ``prove_s``: the first ``veriml.prove`` (as timed by ``vs_ezkl.py``); on the JIT path with
  ``loads``, the kernels it loaded from numba's disk cache, and ``load_s``, the time those
  loads took (hooked on numba's cache; absent when numba's internals differ);
* ``warm_s``: the same proof again in the same process (the proving work itself);
* ``numba``: whether numba was imported by the end (never, on the native path, for these);
* ``rss_import_mb``, ``rss_mb``: peak resident memory (``VmHWM``: ``ru_maxrss`` would include
  this script's own size, which Linux carries over ``exec``) after the imports and at the end.

Medians over the processes go to stdout (and JSON lines with ``--json``, one per model and
path). Run any veriml command once first so numba's disk cache is warm for the JIT path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER = ROOT.parent / "shared" / "peer-suite" / "ezkl"
BUNDLED = ROOT / "src" / "veriml" / "data"
DEFAULT_MODELS = [PEER / "1l_mlp", PEER / "lenet_5", BUNDLED]
KEYS = ("numpy_s", "numba_s", "veriml_s", "runtime_s", "prove_s", "loads", "load_s", "warm_s",
        "rss_import_mb", "rss_mb")
PATHS = {"native": "1", "jit": "0"}  # path -> VERIML_AOT

CHILD = r"""
import json, os, sys, time
rss = lambda: int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024.0
out = {}
jit_path = os.environ.get("VERIML_AOT") == "0"
t = time.perf_counter(); import numpy as np; out["numpy_s"] = time.perf_counter() - t
if jit_path:
    t = time.perf_counter(); import numba; out["numba_s"] = time.perf_counter() - t
t = time.perf_counter()
import veriml.api, veriml.prover.system
out["veriml_s"] = time.perf_counter() - t
out["rss_import_mb"] = rss()
loads = None
if jit_path:
    from veriml.poly import multilinear as ML
    t = time.perf_counter()
    ML.fold(np.zeros(4, dtype=np.uint64), np.array([3, 0], dtype=np.uint64))
    out["runtime_s"] = time.perf_counter() - t
    loads = []
    try:
        import numba.core.caching as C
        orig = C.Cache.load_overload
        def hooked(self, *a, **k):
            t0 = time.perf_counter()
            try:
                return orig(self, *a, **k)
            finally:
                loads.append(time.perf_counter() - t0)
        C.Cache.load_overload = hooked
    except Exception:
        loads = None
art, data = sys.argv[1], sys.argv[2]
t = time.perf_counter(); veriml.api.prove(art, data); out["prove_s"] = time.perf_counter() - t
if loads is not None:
    out["loads"], out["load_s"] = len(loads), sum(loads)
t = time.perf_counter(); veriml.api.prove(art, data); out["warm_s"] = time.perf_counter() - t
out["numba"] = "numba" in sys.modules
out["rss_mb"] = rss()
print(json.dumps(out))
"""


def model_files(d: Path):
    """(onnx, input json) of a model folder (ezkl's layout or the bundled demo's)."""
    onnx = d / "network.onnx"
    data = d / "input.json"
    if not onnx.exists():
        onnx = next(iter(sorted(d.glob("*.onnx"))), None)
        data = next(iter(sorted(d.glob("*input*.json"))), None)
    if onnx is None or data is None or not onnx.exists():
        raise SystemExit(f"{d}: no network.onnx + input.json (or one .onnx and one *input*.json)")
    return onnx, data


def run_child(code, *args, env=None):
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
    if r.returncode:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def bench_model(d: Path, reps: int) -> list[dict]:
    import veriml

    onnx, data = model_files(d)
    recs = []
    with tempfile.TemporaryDirectory() as tmp:
        veriml.compile(str(onnx), sample=str(data), out_dir=tmp)
        for path, aot in PATHS.items():
            env = {**os.environ, "VERIML_AOT": aot}
            run_child(CHILD, tmp, data, env=env)  # fills numba's cache for this model's kernels
            runs = [run_child(CHILD, tmp, data, env=env) for _ in range(reps)]
            rec = {"model": d.name, "path": path, "reps": reps, "runs": runs,
                   "numba": any(r.get("numba") for r in runs)}
            for k in KEYS:
                vals = [r[k] for r in runs if r.get(k) is not None]
                if vals:
                    rec[k] = statistics.median(vals)
            recs.append(rec)
    return recs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", help="also write JSON lines here")
    args = ap.parse_args(argv)
    models = args.models or [m for m in DEFAULT_MODELS if m.exists()]
    recs = []
    head = (f"{'model':18s} {'path':6s} {'numpy':>6s} {'numba':>6s} {'veriml':>6s} {'runtime':>7s} {'prove':>6s} "
            f"{'loads':>5s} {'load':>6s} {'warm':>6s} {'MB@imp':>6s} {'MB':>5s} {'numba?':>6s}")
    print(head)
    print("-" * len(head))
    for d in models:
        for r in bench_model(d, args.reps):
            recs.append(r)
            g = lambda k, f: format(r[k], f) if k in r else "-"  # noqa: E731
            print(f"{r['model']:18s} {r['path']:6s} {g('numpy_s', '6.3f')} {g('numba_s', '6.3f')} "
                  f"{g('veriml_s', '6.3f')} {g('runtime_s', '7.3f')} {g('prove_s', '6.3f')} {g('loads', '5d')} "
                  f"{g('load_s', '6.3f')} {g('warm_s', '6.3f')} {g('rss_import_mb', '6.0f')} {g('rss_mb', '5.0f')} "
                  f"{'yes' if r['numba'] else 'no':>6s}", flush=True)
    print("(seconds: imports, numba's first call, first prove with its cache loads, warm prove; "
          "MB: peak RSS; numba?: imported by the end)")
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
