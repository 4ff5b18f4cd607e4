"""Where a fresh ``veriml prove`` process spends its time and memory before and besides proving.

    python benchmarks/startup.py [MODEL_DIR ...] [--reps 5] [--json OUT] [--aot-probe]

For each model (default: ezkl's ``1l_mlp`` and ``lenet_5`` from ``../shared/peer-suite`` and
the bundled demo CNN) the model is compiled once (untimed), then ``--reps`` fresh processes
each measure, in order:

* ``numpy_s``, ``numba_s``, ``veriml_s``: importing numpy, then numba, then ``veriml.api`` and
  ``veriml.prover.system`` (what ``vs_ezkl.py`` leaves out of the stage time);
* ``runtime_s``: the first call of one small cached numba kernel (numba builds its typing and
  target contexts on the first call that loads or compiles anything);
* ``prove_s``: the first ``veriml.prove`` (as timed by ``vs_ezkl.py``), with ``loads``, the
  number of kernels it loaded from numba's disk cache, and ``load_s``, the time those loads
  took (hooked on numba's cache; absent when numba's internals differ);
* ``warm_s``: the same proof again in the same process (the proving work itself);
* ``rss_import_mb``, ``rss_mb``: peak resident memory (``VmHWM``: ``ru_maxrss`` would include
  this script's own size, which Linux carries over ``exec``) after the imports and at the end.

Medians over the processes go to stdout (and JSON lines with ``--json``). The numba disk
cache must be warm (run any veriml command once first); a cold cache shows up as huge
``load_s``/``prove_s``.

``--aot-probe`` also builds a one-kernel extension module ahead of time with
``numba.pycc`` (into a temporary folder) and measures, in a fresh process, importing it and
its first call, and the process's peak memory, without importing numba: what a kernel costs
per process when it is not JIT-loaded.
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

CHILD = r"""
import json, resource, sys, time
rss = lambda: int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024.0
out = {}
t = time.perf_counter(); import numpy as np; out["numpy_s"] = time.perf_counter() - t
t = time.perf_counter(); import numba; out["numba_s"] = time.perf_counter() - t
t = time.perf_counter()
import veriml.api, veriml.prover.system
out["veriml_s"] = time.perf_counter() - t
out["rss_import_mb"] = rss()
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
out["rss_mb"] = rss()
print(json.dumps(out))
"""

AOT_BUILD = r"""
import sys
import numpy as np
from numba.pycc import CC
cc = CC("veriml_aot_probe")
cc.output_dir = sys.argv[1]
P = np.uint64(0xFFFFFFFF00000001)

@cc.export("fold_add", "u8[:](u8[:], u8)")
def fold_add(a, r):
    n = a.shape[0] // 2
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = (a[2 * i] % P + (a[2 * i + 1] % P) * (r % P)) % P
    return out

cc.compile()
"""

AOT_CHILD = r"""
import json, resource, sys, time
t = time.perf_counter(); import numpy as np; numpy_s = time.perf_counter() - t
sys.path.insert(0, sys.argv[1])
t = time.perf_counter(); import veriml_aot_probe as m; import_s = time.perf_counter() - t
t = time.perf_counter(); m.fold_add(np.arange(8, dtype=np.uint64), np.uint64(3)); call_s = time.perf_counter() - t
print(json.dumps({"numpy_s": numpy_s, "import_s": import_s, "first_call_s": call_s,
                  "numba_imported": "numba" in sys.modules,
                  "rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024.0}))
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


def run_child(code, *args):
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def bench_model(d: Path, reps: int) -> dict:
    import veriml

    onnx, data = model_files(d)
    with tempfile.TemporaryDirectory() as tmp:
        veriml.compile(str(onnx), sample=str(data), out_dir=tmp)
        run_child(CHILD, tmp, data)  # fills the numba cache for this model's kernels
        runs = [run_child(CHILD, tmp, data) for _ in range(reps)]
    rec = {"model": d.name, "reps": reps, "runs": runs}
    for k in KEYS:
        vals = [r[k] for r in runs if r.get(k) is not None]
        if vals:
            rec[k] = statistics.median(vals)
    return rec


def aot_probe() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", AOT_BUILD, tmp], check=True, capture_output=True)
        return run_child(AOT_CHILD, tmp)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", help="also write JSON lines here")
    ap.add_argument("--aot-probe", action="store_true", help="measure one ahead-of-time compiled kernel too")
    args = ap.parse_args(argv)
    models = args.models or [m for m in DEFAULT_MODELS if m.exists()]
    recs = []
    head = (f"{'model':18s} {'numpy':>6s} {'numba':>6s} {'veriml':>6s} {'runtime':>7s} {'prove':>6s} "
            f"{'loads':>5s} {'load':>6s} {'warm':>6s} {'MB@imp':>6s} {'MB':>5s}")
    print(head)
    print("-" * len(head))
    for d in models:
        r = bench_model(d, args.reps)
        recs.append(r)
        g = lambda k, f: format(r[k], f) if k in r else "-"  # noqa: E731
        print(f"{r['model']:18s} {g('numpy_s', '6.3f')} {g('numba_s', '6.3f')} {g('veriml_s', '6.3f')} "
              f"{g('runtime_s', '7.3f')} {g('prove_s', '6.3f')} {g('loads', '5d')} {g('load_s', '6.3f')} "
              f"{g('warm_s', '6.3f')} {g('rss_import_mb', '6.0f')} {g('rss_mb', '5.0f')}", flush=True)
    print("(seconds: imports, numba's first call, first prove with its cache loads, warm prove; MB: peak RSS)")
    if args.aot_probe:
        p = aot_probe()
        recs.append({"model": "aot-probe", **p})
        print(f"\nAOT probe (numba.pycc, one kernel): import {p['import_s'] * 1e3:.2f} ms, first call "
              f"{p['first_call_s'] * 1e3:.2f} ms, numba imported: {p['numba_imported']}, peak RSS {p['rss_mb']:.0f} MB")
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
