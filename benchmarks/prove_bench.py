"""End-to-end benchmark: compile, prove and verify ONNX models; time, peak memory, sizes.

    python benchmarks/prove_bench.py [MODEL_DIR ...] [--reps 5] [--json OUT] [--no-cold]

A model dir holds ``network.onnx`` + ``input.json`` (ezkl's layout) or exactly one ``.onnx``
and one ``*input*.json`` (the bundled demo, ``src/veriml/data``). Default models: ezkl's
``lenet_5`` and ``4l_relu_conv_fc`` from ``../shared/peer-suite`` (when present) and the
bundled demo CNN.

Every stage (compile, prove, verify) runs in its own Python process, so the process's
peak resident memory (``VmHWM``, see ``peak_rss_mb``) is that stage's peak memory
(interpreter and imports included; the post-import baseline is reported too). Three kinds of time are reported:

* ``cold``: one fresh process with ``NUMBA_CACHE_DIR`` and ``VERIML_KERNEL_DIR`` pointed at
  a new empty directory, so nothing is compiled yet (what the very first run after ``pip
  install`` costs): compile builds the native kernels (``veriml.jit``); prove and verify,
  which do not build them, JIT-compile every kernel they touch.
* ``first``: the first call in a fresh process with the numba disk cache warm (what one
  ``veriml prove`` command costs: kernels are loaded from the cache, lazy imports run).
  Median over ``--reps`` processes; ``wall`` runs from the process's start to the end of that
  call (interpreter start-up, imports, key loading and the call).
* ``warm``: the second call in the same process (kernels already in memory; what a
  long-lived prover service costs). Median over ``--reps`` processes.

Targets (printed with pass/fail) are checked against the warm medians; peak memory against
the prove process's peak RSS. Each model gives one JSON line (``--json OUT`` also writes them
to a file). The stages use ``veriml.api`` when it exists: compile = ``veriml.compile(...,
out_dir=ART)`` (quantize, plan, weight commitment, writing vk.bin/pk.bin); prove = loading the
proving key (``load s``, timed apart) then ``veriml.prove`` (quantize inputs, execute, commit,
prove); verify = loading vk.bin (timed apart) then ``veriml.verify``. Without the API it uses
the low-level path (``compile_model`` -> ``build_plan`` -> ``commit_weights`` ->
``system.prove`` -> ``system.verify``, artifacts pickled between processes, pickling not timed).

Internal entry points (used by this script and by ``conformance.py --prove``):
``--stage {compile,prove,verify} --model DIR --art DIR --runs N`` and ``--pipeline DIR``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peakmem import peak_rss_mb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER = ROOT.parent / "shared" / "peer-suite" / "ezkl"
BUNDLED = ROOT / "src" / "veriml" / "data"
DEFAULT_MODELS = [PEER / "lenet_5", PEER / "4l_relu_conv_fc", BUNDLED]
STAGES = ("compile", "prove", "verify")
MB = 1024.0  # ru_maxrss is in KiB on Linux

# (model name, quantity, limit, unit); quantities are keys of the per-model summary.
TARGETS = [
    ("lenet_5", "prove_s", 3.0, "s"),
    ("lenet_5", "verify_s", 0.1, "s"),
    ("lenet_5", "compile_s", 5.0, "s"),
    ("lenet_5", "prove_peak_mb", 1024.0, "MB"),
    ("lenet_5", "proof_kb", 200.0, "KB"),
    ("4l_relu_conv_fc", "prove_s", 1.0, "s"),
]


# --------------------------------------------------------------------------- model files

def model_files(d) -> tuple[str, str]:
    """(onnx path, input json path) of a model dir."""
    d = Path(d)
    onnx_path, inp = d / "network.onnx", d / "input.json"
    if onnx_path.is_file() and inp.is_file():
        return str(onnx_path), str(inp)
    onnx_files = sorted(glob.glob(str(d / "*.onnx")))
    inputs = sorted(glob.glob(str(d / "*input*.json")))
    if len(onnx_files) == 1 and len(inputs) == 1:
        return onnx_files[0], inputs[0]
    raise FileNotFoundError(f"{d}: expected network.onnx + input.json, or one .onnx and one *input*.json")


def model_name(d) -> str:
    d = Path(d).resolve()
    return "demo_cnn (bundled)" if d == BUNDLED.resolve() else d.name


# --------------------------------------------------------------------------- the stages

def _api():
    """veriml.api when it provides compile/prove/verify, else None."""
    try:
        from veriml import api
    except ImportError:
        return None
    return api if all(callable(getattr(api, f, None)) for f in STAGES) else None


def _inputs(cm, inp):
    from veriml.onnx.inputs import match_inputs, read_inputs

    arrays = match_inputs(read_inputs(inp), [s.name for s in cm.inputs])
    return [a.reshape(s.shape) for a, s in zip(arrays, cm.inputs)]


class LowLevel:
    """compile_model -> build_plan -> commit_weights -> prove -> verify; pickled artifacts."""

    name = "low-level (veriml.prover.system)"

    def compile(self, onnx_path, inp, art):
        import pickle

        from veriml.onnx import compile_model
        from veriml.onnx.inputs import read_inputs
        from veriml.pcs import PcsParams
        from veriml.prover import system as S
        from veriml.prover.plan import build_plan

        t0 = time.perf_counter()
        cm = compile_model(onnx_path, [read_inputs(inp)])
        plan = build_plan(cm.program)
        params = PcsParams.default()
        wcm, wpd = S.commit_weights(plan, params)
        digest = b"\x00" * 32
        pk = S.ProverKey(plan, params, wpd, wcm, digest)
        vk = S.VerifierKey(plan, params, wcm, digest)
        sec = time.perf_counter() - t0
        with open(os.path.join(art, "pk.pickle"), "wb") as f:
            pickle.dump((cm, pk), f)
        with open(os.path.join(art, "vk.pickle"), "wb") as f:
            pickle.dump(vk, f)
        return sec, {"vk_bytes": None, "columns": len(plan.columns),
                     "witness_values": int(sum(1 << c.log_size for c in plan.columns)),
                     "primitives": len(cm.program.nodes)}

    def prove(self, inp, art, proof_path):
        import pickle

        import numpy as np

        from veriml.prover import system as S

        with open(os.path.join(art, "pk.pickle"), "rb") as f:
            cm, pk = pickle.load(f)
        t0 = time.perf_counter()
        q = cm.quantize_inputs(_inputs(cm, inp))
        proof, outs = S.prove(pk, q)
        sec = time.perf_counter() - t0
        with open(proof_path, "wb") as f:
            f.write(proof)
        np.savez(proof_path + ".outs.npz", *outs)
        return sec, {"proof_bytes": len(proof)}

    def verify(self, art, proof_path):
        import pickle

        import numpy as np

        from veriml.prover import system as S

        with open(os.path.join(art, "vk.pickle"), "rb") as f:
            vk = pickle.load(f)
        with open(proof_path, "rb") as f:
            proof = f.read()
        t0 = time.perf_counter()
        _, outs = S.verify(vk, proof)
        sec = time.perf_counter() - t0
        with np.load(proof_path + ".outs.npz") as z:
            ref = [z[k] for k in z.files]
        if len(ref) != len(outs) or not all(np.array_equal(a, b) for a, b in zip(ref, outs)):
            raise RuntimeError("verified outputs differ from the prover's outputs")
        return sec, {}


class Api:
    """veriml.compile / veriml.prove / veriml.verify (src/veriml/api.py).

    prove and verify time the verb on keys already loaded (``veriml.api.load``); loading the
    keys from the artifact directory is timed apart as ``load_s``."""

    name = "veriml.api"

    def __init__(self, api):
        self.api = api

    def compile(self, onnx_path, inp, art):
        t0 = time.perf_counter()
        a = self.api.compile(onnx_path, sample=inp, out_dir=art)
        sec = time.perf_counter() - t0
        plan = a.pk.plan if getattr(a, "pk", None) is not None else None
        ex = {"vk_bytes": _size(os.path.join(art, "vk.bin")), "pk_bytes": _size(os.path.join(art, "pk.bin")),
              "compile_stages_s": getattr(a, "timings", None)}
        if plan is not None:
            ex.update(columns=len(plan.columns), primitives=len(plan.program.nodes),
                      witness_values=int(sum(1 << c.log_size for c in plan.columns)))
        return sec, ex

    def prove(self, inp, art, proof_path):
        import numpy as np

        t0 = time.perf_counter()
        a = self.api.load(art, prover=True)
        t1 = time.perf_counter()
        proof = self.api.prove(a, inp)
        sec = time.perf_counter() - t1
        with open(proof_path, "wb") as f:
            f.write(proof.bytes)
        np.savez(proof_path + ".outs.npz", *proof.outputs)
        return sec, {"proof_bytes": len(proof.bytes), "load_s": t1 - t0,
                     "prove_stages_s": getattr(proof, "timings", None)}

    def verify(self, art, proof_path):
        import numpy as np

        with open(proof_path, "rb") as f:
            proof = f.read()
        vk_path = os.path.join(art, "vk.bin")
        t0 = time.perf_counter()
        vk = self.api.load(vk_path if os.path.exists(vk_path) else art, prover=False)
        t1 = time.perf_counter()
        outs = self.api.verify(vk, proof)
        sec = time.perf_counter() - t1
        with np.load(proof_path + ".outs.npz") as z:
            ref = [z[k] for k in z.files]
        if len(ref) != len(outs) or not all(np.array_equal(x, y) for x, y in zip(ref, outs)):
            raise RuntimeError("verified outputs differ from the prover's outputs")
        return sec, {"load_s": t1 - t0}


def _size(path):
    return os.path.getsize(path) if os.path.exists(path) else None


def backend():
    api = _api()
    return Api(api) if api is not None else LowLevel()


def _rusage():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return peak_rss_mb(), ru.ru_utime + ru.ru_stime


def run_stage(stage, model_dir, art, runs):
    """Worker: run one stage ``runs`` times in this process; return its measurements."""
    onnx_path, inp = model_files(model_dir)
    rss0, _ = _rusage()
    t0 = time.perf_counter()
    b = backend()
    import veriml.prover.system  # noqa: F401 - the import cost belongs to start-up, not the stage
    import_s = time.perf_counter() - t0
    rss_import, _ = _rusage()
    proof_path = os.path.join(art, "proof.bin")
    times, loads, cpus, extra, rss_first = [], [], [], {}, None
    for _ in range(runs):
        c0 = _rusage()[1]
        if stage == "compile":
            sec, ex = b.compile(onnx_path, inp, art)
        elif stage == "prove":
            sec, ex = b.prove(inp, art, proof_path)
        else:
            sec, ex = b.verify(art, proof_path)
        times.append(sec)
        loads.append(ex.pop("load_s", None))
        extra.update(ex)
        cpus.append(_rusage()[1] - c0)
        if rss_first is None:
            rss_first = _rusage()[0]
            t_first_end = time.perf_counter()
    rss_all, _ = _rusage()
    return {"stage": stage, "backend": b.name, "times_s": times, "load_s": loads, "import_s": import_s,
            "rss_start_mb": rss0, "rss_import_mb": rss_import, "rss_first_mb": rss_first,
            "rss_peak_mb": rss_all, "cpu_s": cpus, **extra,
            "after_first_s": time.perf_counter() - t_first_end}


def run_pipeline(model_dir, art):
    """Worker: compile, prove and verify once in this process (conformance.py --prove).

    ``*_cpu_s``: CPU seconds (user + system, all threads) of the stage."""
    onnx_path, inp = model_files(model_dir)
    b = backend()
    rec = {"backend": b.name}
    proof_path = os.path.join(art, "proof.bin")
    for stage, call in (("compile", lambda: b.compile(onnx_path, inp, art)),
                        ("prove", lambda: b.prove(inp, art, proof_path)),
                        ("verify", lambda: b.verify(art, proof_path))):
        cpu0 = _rusage()[1]
        rec[f"{stage}_s"], ex = call()
        rec[f"{stage}_cpu_s"] = _rusage()[1] - cpu0
        load = ex.pop("load_s", None)
        if stage != "compile":
            rec[("pk" if stage == "prove" else "vk") + "_load_s"] = load
        rec.update(ex)
    rec["worker_peak_rss_mb"] = _rusage()[0]  # the whole process so far (a --serve worker: all models)
    return rec


def serve(warmup=True, mem_gb=None, art_root=None):
    """Worker loop: read model dirs from stdin, answer one JSON line each (run_pipeline).

    Kernels stay loaded between models, so each model's times are warm; a warm-up on the
    bundled demo (untimed) loads the common kernels first. ``mem_gb`` caps the process's
    data segment (RLIMIT_DATA), so a model too large for the machine fails with MemoryError.
    Artifacts go to temporary dirs under ``art_root`` (which the caller removes)."""
    if mem_gb:
        lim = int(mem_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_DATA, (lim, lim))
    if warmup:
        art = tempfile.mkdtemp(prefix="veriml-pipe-", dir=art_root)
        try:
            run_pipeline(BUNDLED, art)
        except Exception:  # noqa: BLE001 - the warm-up is best effort
            pass
        finally:
            shutil.rmtree(art, ignore_errors=True)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        d = line.strip()
        if not d:
            continue
        art = tempfile.mkdtemp(prefix="veriml-pipe-", dir=art_root)
        try:
            rec = run_pipeline(d, art)
        except Exception as e:  # noqa: BLE001 - one line per failure, keep serving
            msg = str(e).splitlines()[0] if str(e) else ""
            rec = {"error": f"{type(e).__name__}: {msg}"[:300]}
        finally:
            shutil.rmtree(art, ignore_errors=True)
        print(json.dumps(rec), flush=True)


class PipelineWorker:
    """A ``--serve`` process that compiles, proves and verifies one model dir per request.

    ``run(dir, timeout)`` returns the worker's dict, or {"error": one line} on a timeout
    (the worker is killed and restarted for the next model) or a crash."""

    def __init__(self, warmup=True, mem_gb=None):
        self.warmup = warmup
        self.mem_gb = mem_gb
        self.proc = None

    def _start(self):
        import queue
        import threading

        self.err = tempfile.TemporaryFile(mode="w+")
        self.tmp = tempfile.mkdtemp(prefix="veriml-worker-")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", "--art", self.tmp]
                                     + ([] if self.warmup else ["--no-warmup"])
                                     + ([f"--mem-gb={self.mem_gb}"] if self.mem_gb else []),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, bufsize=1)
        self.q = queue.Queue()

        def pump(out, q):
            for ln in out:
                if ln.startswith("{"):
                    q.put(json.loads(ln))
            q.put(None)

        threading.Thread(target=pump, args=(self.proc.stdout, self.q), daemon=True).start()
        try:
            first = self.q.get(timeout=600)
        except queue.Empty:
            first = None
        if not first or not first.get("ready"):
            why = self._last_err()
            self.close()
            raise RuntimeError("prove worker failed to start: " + why)

    def _last_err(self):
        self.err.seek(0)
        lines = [ln for ln in self.err.read().splitlines() if ln.strip()]
        return lines[-1][:300] if lines else "no message"

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.err.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.proc = None

    def run(self, model_dir, timeout):
        import queue

        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        try:
            self.proc.stdin.write(str(model_dir) + "\n")
            self.proc.stdin.flush()
            rec = self.q.get(timeout=timeout)
        except BrokenPipeError:
            rec = None
        except queue.Empty:
            self.close()
            return {"error": f"timeout after {timeout:g} s"}
        if rec is None:
            code = self.proc.wait()
            why = self._last_err()
            if code < 0:
                why = f"killed by signal {-code}" + (" (out of memory?)" if code == -9 else "")
            self.close()
            return {"error": f"worker died: {why}"[:300]}
        return rec


# --------------------------------------------------------------------------- the driver

def spawn(args, timeout, env=None):
    """Run this script with ``args`` in a fresh process; (result dict, wall seconds).

    A failure gives {"error": one line}; the child prints its result as the last stdout line.
    """
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True,
                           text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s"}, time.perf_counter() - t0
    wall = time.perf_counter() - t0
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode == 0 and lines:
        return json.loads(lines[-1]), wall
    err = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
    if lines and "error" in json.loads(lines[-1]):
        return json.loads(lines[-1]), wall
    why = err[-1] if err else f"exit code {p.returncode}"
    if p.returncode < 0:
        why = f"killed by signal {-p.returncode}" + (" (out of memory?)" if p.returncode == -9 else "")
    return {"error": why[:300]}, wall


def bench_model(d, reps, cold, timeout, log=print):
    name = model_name(d)
    rec = {"model": name, "dir": str(Path(d).resolve()), "reps": reps, "stages": {},
           "loadavg_start": os.getloadavg()}
    art = tempfile.mkdtemp(prefix="veriml-bench-")
    try:
        for stage in STAGES:
            samples = []
            for _ in range(reps):
                r, wall = spawn(["--stage", stage, "--model", str(d), "--art", art, "--runs", "2"], timeout)
                if "error" in r:
                    rec["error"] = f"{stage}: {r['error']}"
                    return rec
                r["wall_s"] = wall - r["after_first_s"]  # process start to the end of the first call
                samples.append(r)
            s = {"backend": samples[0]["backend"],
                 "first_s": statistics.median(x["times_s"][0] for x in samples),
                 "first_wall_s": statistics.median(x["wall_s"] for x in samples),
                 "warm_s": statistics.median(x["times_s"][1] for x in samples),
                 "warm_runs_s": [x["times_s"][1] for x in samples],
                 "first_runs_s": [x["times_s"][0] for x in samples],
                 "cpu_first_s": statistics.median(x["cpu_s"][0] for x in samples),
                 "cpu_warm_s": statistics.median(x["cpu_s"][-1] for x in samples),
                 "load_first_s": _median([x["load_s"][0] for x in samples]),
                 "load_warm_s": _median([x["load_s"][-1] for x in samples]),
                 "import_s": statistics.median(x["import_s"] for x in samples),
                 "rss_import_mb": max(x["rss_import_mb"] for x in samples),
                 "peak_rss_mb": max(x["rss_first_mb"] for x in samples)}
            for k in ("proof_bytes", "vk_bytes", "pk_bytes", "columns", "witness_values", "primitives",
                      "compile_stages_s", "prove_stages_s"):
                if k in samples[-1]:
                    rec[k] = samples[-1][k]
            rec["stages"][stage] = s
            log(f"  {name}: {stage} first {s['first_s']:.3f} s, warm {s['warm_s']:.3f} s, "
                f"peak {s['peak_rss_mb']:.0f} MB", file=sys.stderr)
        if cold:
            for stage in STAGES:
                cache = tempfile.mkdtemp(prefix="veriml-numba-cold-")
                env = dict(os.environ, NUMBA_CACHE_DIR=cache, VERIML_KERNEL_DIR=cache)
                try:
                    r, wall = spawn(["--stage", stage, "--model", str(d), "--art", art, "--runs", "1"],
                                    timeout, env)
                finally:
                    shutil.rmtree(cache, ignore_errors=True)
                if "error" in r:
                    rec["stages"][stage]["cold_error"] = r["error"]
                else:
                    rec["stages"][stage]["cold_s"] = r["times_s"][0]
                    rec["stages"][stage]["cold_wall_s"] = wall
                    rec["stages"][stage]["cold_peak_rss_mb"] = r["rss_first_mb"]
    finally:
        shutil.rmtree(art, ignore_errors=True)
    rec["loadavg_end"] = os.getloadavg()
    st = rec["stages"]
    rec["summary"] = {"compile_s": st["compile"]["warm_s"], "prove_s": st["prove"]["warm_s"],
                      "verify_s": st["verify"]["warm_s"], "prove_peak_mb": st["prove"]["peak_rss_mb"],
                      "proof_kb": rec["proof_bytes"] / 1000.0,
                      "vk_kb": None if rec.get("vk_bytes") is None else rec["vk_bytes"] / 1000.0}
    return rec


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def check_targets(recs):
    """[(model, quantity, value, limit, unit, passed)] for the targets whose model was run."""
    by = {r["model"]: r for r in recs}
    out = []
    for model, q, limit, unit in TARGETS:
        r = by.get(model)
        if r is None:
            continue
        v = None if "error" in r else r["summary"].get(q)
        out.append((model, q, v, limit, unit, v is not None and v <= limit))
    return out


def git_commit():
    try:
        h = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return h + ("+dirty" if dirty else "") if h else None
    except OSError:
        return None


def _fmt(x, nd=3):
    return "-" if x is None else f"{x:.{nd}f}"


def print_table(recs):
    print(f"{'model':20s} {'stage':8s} {'cold s':>8s} {'first s':>8s} {'wall s':>8s} {'warm s':>8s} "
          f"{'cpu s':>7s} {'load s':>7s} {'peak MB':>8s} {'import MB':>9s}")
    print(f"{'':20s} {'':8s} {'(empty':>8s} {'(fresh':>8s} {'(+start':>8s} {'(2nd':>8s} {'(2nd':>7s} {'(keys,':>7s}")
    print(f"{'':20s} {'':8s} {'cache)':>8s} {'process)':>8s} {'-up)':>8s} {'call)':>8s} {'call)':>7s} {'warm)':>7s}")
    for r in recs:
        if "error" in r:
            print(f"{r['model']:20s} FAILED: {r['error']}")
            continue
        for stage in STAGES:
            s = r["stages"][stage]
            print(f"{r['model']:20s} {stage:8s} {_fmt(s.get('cold_s')):>8s} {_fmt(s['first_s']):>8s} "
                  f"{_fmt(s['first_wall_s']):>8s} {_fmt(s['warm_s']):>8s} {_fmt(s['cpu_warm_s']):>7s} "
                  f"{_fmt(s.get('load_warm_s')):>7s} "
                  f"{s['peak_rss_mb']:8.0f} "
                  f"{s['rss_import_mb']:9.0f}")
        vk = "-" if r.get("vk_bytes") is None else f"{r['vk_bytes']:,}"
        pk = "-" if r.get("pk_bytes") is None else f"{r['pk_bytes']:,}"
        print(f"{'':20s} proof {r['proof_bytes']:,} bytes, vk {vk} bytes, pk {pk} bytes")


def print_targets(checks):
    print("\ntargets (warm medians; peak = prove process max RSS):")
    for model, q, v, limit, unit, ok in checks:
        val = "-" if v is None else f"{v:.3f}"
        print(f"  {model:18s} {q:14s} {val:>10s} <= {limit:g} {unit:3s} {'PASS' if ok else 'FAIL'}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="model dirs (default: lenet_5, 4l_relu_conv_fc, bundled demo)")
    ap.add_argument("--reps", type=int, default=5, help="processes per stage (medians over them)")
    ap.add_argument("--json", help="also write the JSON lines here")
    ap.add_argument("--no-cold", action="store_true", help="skip the empty-numba-cache runs")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per stage process")
    ap.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--art", help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--pipeline", help=argparse.SUPPRESS)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mem-gb", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.serve:
        serve(warmup=not args.no_warmup, mem_gb=args.mem_gb, art_root=args.art)
        return 0

    if args.stage or args.pipeline:  # worker
        try:
            if args.stage:
                rec = run_stage(args.stage, args.model, args.art, args.runs)
            else:
                art = args.art or tempfile.mkdtemp(prefix="veriml-pipe-")
                try:
                    rec = run_pipeline(args.pipeline, art)
                finally:
                    if not args.art:
                        shutil.rmtree(art, ignore_errors=True)
        except Exception as e:  # noqa: BLE001 - report one line to the driver
            msg = str(e).splitlines()[0] if str(e) else ""
            print(json.dumps({"error": f"{type(e).__name__}: {msg}"[:300]}))
            return 1
        print(json.dumps(rec))
        return 0

    models = args.models or [str(m) for m in DEFAULT_MODELS if m.exists()]
    commit = git_commit()
    print(f"veriml prove_bench: commit {commit}, backend {backend().name}, {os.cpu_count()} CPUs, "
          f"reps {args.reps}", file=sys.stderr)
    recs = []
    for d in models:
        r = bench_model(d, args.reps, not args.no_cold, args.timeout,
                        log=lambda *a, **k: print(*a, **k, flush=True))
        r["commit"] = commit
        r["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        recs.append(r)
    print_table(recs)
    checks = check_targets(recs)
    print_targets(checks)
    lines = [json.dumps(r) for r in recs]
    lines.append(json.dumps({"targets": [dict(zip(("model", "quantity", "value", "limit", "unit", "pass"), c))
                                         for c in checks], "commit": commit}))
    print()
    for ln in lines:
        print(ln)
    if args.json:
        with open(args.json, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if any("error" in r for r in recs) else 0


if __name__ == "__main__":
    sys.exit(main())
