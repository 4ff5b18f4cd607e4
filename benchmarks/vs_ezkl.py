"""Side-by-side benchmark against ezkl: the same ONNX models and inputs through both provers.

    python benchmarks/vs_ezkl.py DIR [MODEL ...] [--timeout S] [--json OUT]
        [--reps N] [--warm N] [--only {ezkl,veriml}] [--reuse-ezkl JSON] [--work DIR] [--cache DIR]
        [--max-logrows K] [--mem-limit-gb G]
    python benchmarks/vs_ezkl.py --report RUN.json [MORE.json ...] [--json MERGED.json]

``DIR`` holds one folder per model with ``network.onnx`` and ``input.json`` (ezkl's layout,
e.g. ``../shared/peer-suite/ezkl``); MODEL names pick folders (default: :data:`DEFAULT_MODELS`,
``--all`` for every folder). ezkl comes from ``pip install ezkl`` (the ``bench`` extra).

Stages, each in its own Python process (so its peak RSS, from ``wait4``'s rusage, is that
stage's peak memory, interpreter and imports included); the time is the stage's call(s)
inside the process, without interpreter start-up and imports (the process wall time is kept
in the JSON too):

* ezkl: ``settings`` (gen_settings + calibrate_settings with its default target),
  ``compile`` (compile_circuit), ``setup`` (keys), ``witness`` (gen_witness), ``prove``,
  ``verify``. Its KZG structured reference string is made offline by ``ezkl.gen_srs`` for
  the logrows the calibrated settings need, cached under ``--cache`` and not timed (a real
  user downloads it once).
* veriml: ``compile`` (quantize, lower, plan, commit the weights, write vk.bin/pk.bin),
  ``prove``, ``verify``, through ``veriml.compile/prove/verify`` (what the CLI verbs run);
  keys and proofs are read from disk inside the timed call, as ezkl's are. One untimed
  veriml run on every model first builds the kernels as native code (``veriml.jit``, what
  a user's first ``veriml compile`` does once per machine) and fills numba's disk cache for
  the JIT-only parallel kernels (``--no-warmup`` skips it), so no timed stage pays
  compilation (see ``prove_bench.py``'s cold column for what a first run costs). veriml
  runs from a copy of ``src/veriml`` taken when the run starts (``--no-snapshot``: the
  installed tree), so edits made during a long run do not mix in.

Warm prove: the prove process proves ``--warm`` more times after the timed prove (default
1) and reports their median as ``prove_warm_s``, for both tools: what a long-lived prover (a
service calling the Python API) pays per proof once start-up costs are paid (for veriml:
loading its native kernels, and numba's runtime where a parallel kernel runs).

Every stage has a time limit (``--timeout``, default 600 s) and a resident-memory limit
(``--mem-limit-gb``); a stage that fails, runs out of time or memory ends that tool's run on
the model and is reported as a failure; the benchmark goes on. With ``--max-logrows K`` an
ezkl circuit needing more than 2^K rows is reported as too big before its SRS and setup
(both grow as 2^logrows); its witness is still made, for ezkl's outputs. Each stage also
records its CPU seconds (user + system, all threads), which a loaded machine inflates less
than the wall time.

Accuracy: each tool's outputs against the float reference (onnxruntime on the same input),
as max |out - ref| / scale with scale = max(output range, largest |output|), the metric of
``benchmarks/conformance.py``. ezkl's outputs are the dequantized ``rescaled_outputs`` of
its witness file (``pretty_elements``); veriml's are the outputs its proof carries.

Output: a table on stdout and one JSON line per model (``--json``); ratios are
ezkl / veriml for prove time and prove-stage peak memory. ``--only veriml --reuse-ezkl
OLD.json`` re-runs only veriml and copies the ezkl results from earlier runs (repeat the
flag to combine runs; for a model in several, the last file wins).

``--report`` runs nothing: it prints the tables (text and Markdown) of earlier runs, merged
per model and tool (the last file that ran a tool on a model wins), and ``--json`` writes
the merge (what ``benchmarks/vs_ezkl_plot.py`` reads).

The stages run in ``stage_worker.py`` (beside this script), which imports nothing the stage
does not need, so the harness adds as little as it can to either tool's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_MODELS = ["1l_mlp", "2l_relu_fc", "1l_sigmoid", "1l_softmax", "layernorm", "linear_regression",
                  "4l_relu_conv_fc", "lenet_5", "large_mlp", "self_attention", "nanoGPT", "mnist_gan"]
EZKL_STAGES = ("settings", "compile", "setup", "witness", "prove", "verify")
VERIML_STAGES = ("compile", "prove", "verify")
KIB = 1024.0
WORKER_SCRIPT = str(HERE / "stage_worker.py")  # main() points it at a copy taken at start
WARM_REPS = 1  # extra proves per prove process, timed as the "warm" prove (main() sets --warm)


# =========================================================================== parent side

def _rss_mb(pid):
    """Resident set size of a process, in MB (0 when gone); Linux /proc."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / KIB
    except OSError:
        pass
    return 0.0


def spawn_stage(tool, stage, model_dir, art, timeout, mem_limit_mb, env=None, srs=None):
    """Run one stage in a fresh process with a time and memory limit.

    Returns a record: ok, time_s (inside the process), wall_s, peak_mb (the worker's own
    ``VmHWM``; for a killed worker the largest resident size sampled while it ran), error,
    plus what the worker reported. ``maxrss_mb`` keeps ``wait4``'s ``ru_maxrss``, which on
    Linux also counts this parent's resident size at the fork (see ``peak_rss_mb``)."""
    result = os.path.join(art, f".{tool}-{stage}.result.json")
    log = os.path.join(art, f"{tool}-{stage}.log")
    if os.path.exists(result):
        os.unlink(result)
    # imported, not run as a script: a script is compiled from source in the worker (its
    # compiler's memory would count in the stage's peak); a module loads from its .pyc
    boot = (f"import sys; sys.path.insert(0, {os.path.dirname(WORKER_SCRIPT)!r}); import stage_worker; "
            "sys.exit(stage_worker.main(sys.argv[1:]))")
    cmd = [sys.executable, "-c", boot, tool, stage, str(model_dir), art, result] + (["--srs", srs] if srs else [])
    if stage == "prove" and WARM_REPS:
        cmd += ["--warm", str(WARM_REPS)]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with open(log, "w") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        killed, status, ru, sampled = None, 0, None, 0.0
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - t0
            rss = _rss_mb(proc.pid)
            sampled = max(sampled, rss)
            if elapsed > timeout:
                killed = f"time limit: over {timeout:g} s"
            elif mem_limit_mb and rss > mem_limit_mb:
                killed = f"memory limit: over {mem_limit_mb / KIB:g} GB resident"
            if killed:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05 if elapsed < 5 else 0.25)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    rec = {"stage": stage, "ok": False, "wall_s": round(wall, 3), "peak_mb": round(sampled, 1),
           "maxrss_mb": round(ru.ru_maxrss / KIB, 1), "load1": round(load, 2)}
    if killed:
        rec["error"] = killed
        return rec
    try:
        with open(result) as f:
            rec.update(json.load(f))
        if rec.get("hwm_mb"):
            rec["peak_mb"] = round(rec["hwm_mb"], 1)
    except (OSError, ValueError):
        rec["error"] = f"exit status {proc.returncode}: " + _tail(log)
    if not rec["ok"] and "error" not in rec:
        rec["error"] = f"exit status {proc.returncode}"
    if "time_s" in rec:
        rec["time_s"] = round(rec["time_s"], 4)
    return rec


def spawn_repeated(tool, stage, model_dir, art, args, env=None, srs=None):
    """``spawn_stage``, ``--reps`` times (fresh process each) for prove and verify: the
    median time and the largest peak are reported, every time is kept."""
    n = args.reps if stage in ("prove", "verify") else 1
    runs = []
    for _ in range(n):
        r = spawn_stage(tool, stage, model_dir, art, args.timeout, args.mem_limit_mb, env=env, srs=srs)
        runs.append(r)
        if not r["ok"]:
            return r
    if n == 1:
        return runs[0]
    rec = dict(runs[0])
    rec["times_s"] = [r["time_s"] for r in runs]
    rec["time_s"] = statistics.median(rec["times_s"])
    rec["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
    rec["peak_mb"] = max(r["peak_mb"] for r in runs)
    rec["load1"] = [r["load1"] for r in runs]
    return rec


def _tail(path, n=300):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-n:].splitlines() if line.strip())


EZKL_SUMMARY = ("settings", "compile", "srs", "setup", "witness", "prove", "verify")  # srs: only when made


def _tool_summary(stages, names):
    """Fold stage records into one tool record (ok, failed stage, times, peak, sizes)."""
    ok = bool(stages.get(names[-1], {}).get("ok")) and all(stages[s]["ok"] for s in names if s in stages)
    out = {"ok": ok, "stages": stages}
    for s in names:
        r = stages.get(s)
        if r is None:
            continue
        if not r["ok"]:
            out["failed_stage"], out["error"] = s, r.get("error")
            break
        out[f"{s}_s"] = r.get("time_s")
        out[f"{s}_cpu_s"] = r.get("cpu_s")
        out[f"{s}_peak_mb"] = r.get("peak_mb")
        if r.get("warm_s") is not None:
            out[f"{s}_warm_s"] = r["warm_s"]
        for k in ("logrows", "pk_bytes", "vk_bytes", "proof_bytes", "proof_file_bytes", "backend", "version",
                  "primitives", "committed_values"):
            if r.get(k) is not None:
                out[k] = r[k]
    peaks = [r["peak_mb"] for r in stages.values() if r.get("peak_mb") is not None]
    out["max_peak_mb"] = max(peaks) if peaks else None
    return out


def summarize(tool, t):
    """(Re)build a tool's record from its stage records, keeping accuracy and provenance."""
    rec = _tool_summary(t["stages"], EZKL_SUMMARY if tool == "ezkl" else VERIML_STAGES)
    for k in ("srs_s", "srs_cpu_s", "srs_peak_mb"):
        rec.pop(k, None)
    key = "version" if tool == "ezkl" else "backend"
    rec[key] = next((r.get(key) for r in t["stages"].values() if r.get(key)), None)
    for k in ("error_rel", "argmax", "reused", "reused_from", "run"):
        if k in t:
            rec[k] = t[k]
    return rec


def finish(rec):
    """Re-summarize both tools of a model record and set the ezkl/veriml ratios."""
    for tool in ("ezkl", "veriml"):
        if rec.get(tool):
            rec[tool] = summarize(tool, rec[tool])
    for k in ("prove_time_ratio", "prove_mem_ratio", "warm_prove_time_ratio"):
        rec.pop(k, None)
    e, v = rec.get("ezkl"), rec.get("veriml")
    if e and v and e["ok"] and v["ok"]:
        rec["prove_time_ratio"] = e["prove_s"] / v["prove_s"]
        if e.get("prove_warm_s") and v.get("prove_warm_s"):
            rec["warm_prove_time_ratio"] = e["prove_warm_s"] / v["prove_warm_s"]
        rec["prove_mem_ratio"] = e["prove_peak_mb"] / v["prove_peak_mb"]
    return rec


def run_ezkl(model_dir, art, args):
    stages = {}
    srs = None
    for stage in EZKL_STAGES:
        if stage == "setup":  # the SRS: cached, made once per logrows, never timed
            logrows = stages["settings"]["logrows"]
            if args.max_logrows and logrows > args.max_logrows:
                stages["setup"] = {"stage": "setup", "ok": False, "error": (
                    f"skipped: the circuit needs logrows {logrows} > --max-logrows {args.max_logrows} "
                    f"(SRS, keys and prover memory grow as 2^logrows)")}
                print(f"  ezkl   setup    SKIPPED (logrows {logrows} > --max-logrows {args.max_logrows})", flush=True)
                r = spawn_stage("ezkl", "witness", model_dir, art, args.timeout, args.mem_limit_mb)
                stages["witness"] = r  # needs no keys: ezkl's outputs, for the accuracy column
                print(f"  ezkl   witness  {_fmt_stage(r)} (outputs only)", flush=True)
                break
            srs = os.path.join(args.cache, f"kzg{logrows}.srs")
            if not os.path.exists(srs):
                tmp = srs + ".part"
                r = spawn_stage("ezkl", "srs", model_dir, art, args.srs_timeout, args.mem_limit_mb, srs=tmp)
                stages["srs"] = r
                print(f"  ezkl   {'srs':8s} {_fmt_stage(r)} (k={logrows}, untimed, cached)", flush=True)
                if not r["ok"]:
                    break
                os.replace(tmp, srs)
        r = spawn_repeated("ezkl", stage, model_dir, art, args, srs=srs)
        stages[stage] = r
        print(f"  ezkl   {stage:8s} {_fmt_stage(r)}", flush=True)
        if not r["ok"]:
            break
    if "srs" in stages:  # made during this run: keep how long it took, outside the comparison
        stages["srs"]["untimed"] = True
    rec = summarize("ezkl", {"stages": stages})
    wit = os.path.join(art, "witness.json")
    if stages.get("witness", {}).get("ok") and os.path.exists(wit):
        rec["outputs"] = ezkl_outputs(wit)
    return rec


def ezkl_outputs(witness_path):
    """ezkl's dequantized outputs: ``pretty_elements.rescaled_outputs`` of its witness file."""
    with open(witness_path) as f:
        w = json.load(f)
    return [[float(v) for v in out] for out in w["pretty_elements"]["rescaled_outputs"]]


def run_veriml(model_dir, art, args, env):
    stages = {}
    for stage in VERIML_STAGES:
        r = spawn_repeated("veriml", stage, model_dir, art, args, env=env)
        stages[stage] = r
        print(f"  veriml {stage:8s} {_fmt_stage(r)}", flush=True)
        if not r["ok"]:
            break
    rec = summarize("veriml", {"stages": stages})
    outs = os.path.join(art, "outputs.json")  # the prover's outputs, flat (stage_worker.py writes it)
    if stages.get("prove", {}).get("ok") and os.path.exists(outs):
        with open(outs) as f:
            rec["outputs"] = json.load(f)
    return rec


def float_reference(model_dir):
    """(float outputs, engine) for the model on its input.json; shapes from the file or graph."""
    from conformance import float_reference as ref

    from veriml.onnx import load_onnx
    from veriml.onnx.inputs import match_inputs, read_inputs
    from veriml.onnx.load import graph_inputs, resolve_shape

    path = os.path.join(model_dir, "network.onnx")
    model = load_onnx(path)
    gins = graph_inputs(model)
    arrays = match_inputs(read_inputs(os.path.join(model_dir, "input.json")), [g[0] for g in gins])
    shaped = [a.reshape(resolve_shape(dims, a.size, a.shape if a.ndim > 1 else None))
              for a, (_, dims, _) in zip(arrays, gins)]
    return ref(model, path, shaped)


def accuracy(outputs, refs):
    """(max relative error, argmax agreement) as in conformance.py; None when sizes differ."""
    import numpy as np
    from conformance import compare

    if outputs is None or len(outputs) != len(refs):
        return None, None
    outs = [np.asarray(o, dtype=np.float64) for o in outputs]
    if any(o.size != np.asarray(r).size for o, r in zip(outs, refs)):
        return None, None
    err, agree = compare([o.reshape(np.asarray(r).shape) for o, r in zip(outs, refs)], refs)
    return err, agree


def bench_model(model_dir, args, env, reuse):
    name = os.path.basename(os.path.normpath(model_dir))
    art_root = os.path.join(args.work, name)
    rec = {"model": name}
    try:
        refs, rec["reference"] = float_reference(model_dir)
    except Exception as e:  # noqa: BLE001 - no reference: errors stay empty
        refs, rec["reference"] = None, f"failed: {type(e).__name__}: {e}"[:200]
    for tool in ("ezkl", "veriml"):
        art = os.path.join(art_root, tool)
        if args.only and args.only != tool:
            if tool == "ezkl" and name in reuse:
                rec["ezkl"] = dict(reuse[name], reused=True)
            continue
        shutil.rmtree(art, ignore_errors=True)
        os.makedirs(art)
        r = run_ezkl(model_dir, art, args) if tool == "ezkl" else run_veriml(model_dir, art, args, env)
        outs = r.pop("outputs", None)
        if refs is not None:
            r["error_rel"], r["argmax"] = accuracy(outs, refs)
        rec[tool] = r
        if not args.keep:  # ezkl's proving keys reach gigabytes
            shutil.rmtree(art, ignore_errors=True)
    return finish(rec)


# --------------------------------------------------------------------------- reporting

def _fmt_stage(r):
    if r["ok"]:
        return f"{r['time_s']:9.3f} s  {r['peak_mb']:8.0f} MB"
    return f"FAILED ({r.get('error', '')[:150]})"


def _num(x, fmt):
    return "-" if x is None else format(x, fmt)


def _size(n):
    if n is None:
        return "-"
    for unit in ("B", "K", "M", "G"):
        if n < 1024 or unit == "G":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024.0


# which displayed column a failed stage shows up in
_SHOWN_AT = {"settings": "settings", "compile": "setup", "srs": "setup", "setup": "setup", "witness": "prove",
             "prove": "prove", "verify": "verify"}


def _failure_word(t):
    err = (t.get("error") or "").lower()
    if "max-logrows" in err:
        return "TOO BIG"
    return "TIMEOUT" if "time limit" in err else "OOM" if "memory limit" in err else "FAIL"


def stage_cell(t, stage, fmt, shown_at=_SHOWN_AT):
    """A stage's time, or the failure word in the column where the tool stopped, else '-'."""
    if not t:
        return "-"
    if t.get(f"{stage}_s") is not None:
        return format(t[f"{stage}_s"], fmt)
    if t.get("failed_stage") and shown_at.get(t["failed_stage"], t["failed_stage"]) == stage:
        return _failure_word(t)
    return "-"


def _cpu_note(t, fmt):
    return f" ({format(t['prove_cpu_s'], fmt)})" if t and t.get("prove_cpu_s") is not None else ""


def value_cell(t, key, fmt, size=False):
    if not t or t.get(key) is None:
        return "-"
    return _size(t[key]) if size else format(t[key], fmt)


def _medians(recs):
    both = [r["prove_time_ratio"] for r in recs if r.get("prove_time_ratio") is not None]
    mem = [r["prove_mem_ratio"] for r in recs if r.get("prove_mem_ratio") is not None]
    return both, mem


def _warm_median(recs):
    w = [r["warm_prove_time_ratio"] for r in recs if r.get("warm_prove_time_ratio") is not None]
    return (statistics.median(w), len(w)) if w else (None, 0)


def failures(recs):
    """Lines naming every failure: tool, model, stage, reason."""
    out = []
    for tool in ("ezkl", "veriml"):
        for r in recs:
            t = r.get(tool)
            if t and not t["ok"]:
                out.append(f"{tool} on {r['model']}: stopped at {t.get('failed_stage')}: {t.get('error')}")
    return out


def print_table(recs):
    cols = [("model", 18), ("k", 3), ("ez setup", 8), ("prove", 8), ("verify", 7), ("MB", 6), ("proof", 6),
            ("pk", 7), ("vk", 6), ("err", 8), ("vm comp", 8), ("prove", 8), ("verify", 7), ("MB", 6),
            ("proof", 6), ("pk", 7), ("vk", 6), ("err", 8), ("t e/v", 6), ("mem e/v", 7)]
    print(" ".join(f"{n:>{w}s}" if i else f"{n:{w}s}" for i, (n, w) in enumerate(cols)))
    print("-" * (sum(w for _, w in cols) + len(cols) - 1))
    for r in recs:
        e, v = r.get("ezkl") or {}, r.get("veriml") or {}
        cells = [r["model"], value_cell(e, "logrows", "d"),
                 stage_cell(e, "setup", ".2f", dict(_SHOWN_AT, settings="setup")),
                 stage_cell(e, "prove", ".2f"), stage_cell(e, "verify", ".3f"),
                 value_cell(e, "prove_peak_mb", ".0f"), value_cell(e, "proof_bytes", "", True),
                 value_cell(e, "pk_bytes", "", True), value_cell(e, "vk_bytes", "", True),
                 value_cell(e, "error_rel", ".1e"),
                 stage_cell(v, "compile", ".2f"), stage_cell(v, "prove", ".2f"), stage_cell(v, "verify", ".3f"),
                 value_cell(v, "prove_peak_mb", ".0f"), value_cell(v, "proof_bytes", "", True),
                 value_cell(v, "pk_bytes", "", True), value_cell(v, "vk_bytes", "", True),
                 value_cell(v, "error_rel", ".1e"),
                 value_cell(r, "prove_time_ratio", ".2f"), value_cell(r, "prove_mem_ratio", ".2f")]
        print(" ".join(f"{c:>{w}s}" if i else f"{c:{w}s}" for i, (c, (_, w)) in enumerate(zip(cells, cols))),
              flush=True)
    both, mem = _medians(recs)
    if both:
        print(f"\nmedian ezkl/veriml prove time over the {len(both)} models both finish: "
              f"{statistics.median(both):.2f}x; prove-stage peak memory: {statistics.median(mem):.2f}x")
    wm, wn = _warm_median(recs)
    if wm is not None:
        print(f"median ezkl/veriml warm prove time (repeated in one process) over {wn} models: {wm:.2f}x")
    for line in failures(recs):
        print(line)


def markdown_table(recs):
    """The comparison as two Markdown tables (time and memory; sizes and accuracy) and the
    failures."""
    time_rows = ["| model | ezkl logrows | ezkl calibrate s | ezkl setup s | ezkl prove s (CPU s) | ezkl verify s "
                 "| veriml compile s | veriml prove s (CPU s) | veriml verify s | prove time ezkl/veriml "
                 "| ezkl prove peak MB | veriml prove peak MB | prove memory ezkl/veriml "
                 "| ezkl warm prove s | veriml warm prove s | warm prove time ezkl/veriml |",
                 "|---" + "|--:" * 15 + "|"]
    size_rows = ["| model | ezkl proof | ezkl pk | ezkl vk | veriml proof | veriml pk | veriml vk "
                 "| ezkl error | veriml error |", "|---" + "|--:" * 8 + "|"]
    for r in recs:
        e, v = r.get("ezkl") or {}, r.get("veriml") or {}
        row = [r["model"], value_cell(e, "logrows", "d"), stage_cell(e, "settings", ".2f"),
               stage_cell(e, "setup", ".1f"), stage_cell(e, "prove", ".1f") + _cpu_note(e, ".1f"),
               stage_cell(e, "verify", ".3f"), stage_cell(v, "compile", ".2f"),
               stage_cell(v, "prove", ".2f") + _cpu_note(v, ".2f"), stage_cell(v, "verify", ".3f"),
               value_cell(r, "prove_time_ratio", ".2f"), value_cell(e, "prove_peak_mb", ".0f"),
               value_cell(v, "prove_peak_mb", ".0f"), value_cell(r, "prove_mem_ratio", ".2f"),
               value_cell(e, "prove_warm_s", ".2f"), value_cell(v, "prove_warm_s", ".3f"),
               value_cell(r, "warm_prove_time_ratio", ".1f")]
        time_rows.append("| " + " | ".join(row) + " |")
        row = [r["model"]] + [value_cell(t, k, "", True) for t in (e, v)
                              for k in ("proof_bytes", "pk_bytes", "vk_bytes")]
        row += [value_cell(e, "error_rel", ".1e"), value_cell(v, "error_rel", ".1e")]
        size_rows.append("| " + " | ".join(row) + " |")
    fails = failures(recs)
    text = "\n".join(time_rows) + "\n\n" + "\n".join(size_rows)
    if fails:
        text += "\n\nFailures:\n\n" + "\n".join(f"- {_short_error(f, 300)}" for f in fails)
    return text


def _short_error(err, n=90):
    err = (err or "").replace("|", "/").replace("\n", " ")
    return err if len(err) <= n else err[:n - 3] + "..."


def machine():
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), None)
        with open("/proc/meminfo") as f:
            info["mem_gb"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def git_state():
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    dirty = git("status", "--porcelain", "--", "src")
    return {"commit": git("rev-parse", "--short", "HEAD"), "src_dirty": bool(dirty)}


def native_status(env):
    """``veriml.jit.status()`` as the veriml workers see it (native build or JIT only)."""
    r = subprocess.run([sys.executable, "-c", "import json; from veriml import jit; print(json.dumps(jit.status()))"],
                       env=env, capture_output=True, text=True)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1][:200]}


def snapshot_env(work):
    """A copy of src/veriml for the veriml workers, and the environment that imports it."""
    dest = os.path.join(work, "_veriml_src")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ROOT / "src" / "veriml", os.path.join(dest, "veriml"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([dest, str(HERE)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env, dest


def merge_runs(paths):
    """Model records of several --json files: per model and tool, the last file that ran the
    tool wins (so a re-run of one tool on a few models replaces just those results)."""
    merged = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                m = merged.setdefault(r["model"], {"model": r["model"]})
                for tool in ("ezkl", "veriml"):
                    if r.get(tool) and not r[tool].get("reused"):
                        m[tool] = dict(r[tool], run={"file": os.path.abspath(path), **_run_info(r)})
                for k in ("reference", "meta"):
                    m.setdefault(k, r.get(k))
    return [finish(m) for m in merged.values()]


def _run_info(r):
    meta = r.get("meta") or {}
    return {"date": meta.get("date"), "argv": meta.get("argv"), "git": meta.get("git")}


def load_reuse(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("ezkl") and "model" in r:
                t = summarize("ezkl", r["ezkl"])
                t["reused_from"] = {"file": os.path.abspath(path), "date": (r.get("meta") or {}).get("date"),
                                    "argv": (r.get("meta") or {}).get("argv")}
                out[r["model"]] = t
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?")
    ap.add_argument("models", nargs="*", help=f"model folder names (default: {' '.join(DEFAULT_MODELS)})")
    ap.add_argument("--all", action="store_true", help="every model folder under DIR")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per stage (600)")
    ap.add_argument("--reps", type=int, default=1, help="runs of prove and verify, median reported (1)")
    ap.add_argument("--warm", type=int, default=1,
                    help="proves repeated in the prove process after the timed one, median reported as "
                         "the warm prove time (1; 0: none)")
    ap.add_argument("--max-logrows", type=int, default=None,
                    help="report ezkl circuits needing more rows than 2^K as too large, without setup")
    ap.add_argument("--srs-timeout", type=float, default=7200.0, help="seconds to make one SRS (7200)")
    ap.add_argument("--mem-limit-gb", type=float, default=16.0, help="resident memory per stage (16)")
    ap.add_argument("--json", help="write one JSON line per model here")
    ap.add_argument("--only", choices=("ezkl", "veriml"), help="run one tool only")
    ap.add_argument("--reuse-ezkl", metavar="JSON", action="append",
                    help="take ezkl's results from an earlier --json file (repeatable; later files win)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "veriml-vs-ezkl"),
                    help="scratch folder for keys and proofs")
    ap.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "veriml-vs-ezkl"),
                    help="where ezkl SRS files are kept between runs")
    ap.add_argument("--keep", action="store_true", help="keep keys and proofs under --work")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed veriml run that fills numba's cache")
    ap.add_argument("--no-snapshot", action="store_true", help="run veriml from the installed tree")
    ap.add_argument("--report", metavar="JSON", nargs="+",
                    help="run nothing: print the tables of earlier --json files (merged: per model and "
                         "tool, the last file that has it wins; --json writes the merge)")
    args = ap.parse_args(argv)
    if args.report:
        recs = merge_runs(args.report)
        print_table(recs)
        print()
        print(markdown_table(recs))
        if args.json:
            with open(args.json, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in recs)
        return 0
    if not args.dir:
        ap.error("DIR is required")
    if args.only == "veriml" and not args.reuse_ezkl:
        print("note: --only veriml without --reuse-ezkl: no ezkl numbers, no ratios", file=sys.stderr)
    args.mem_limit_mb = args.mem_limit_gb * KIB
    names = args.models or (sorted(os.listdir(args.dir)) if args.all else DEFAULT_MODELS)
    dirs = [os.path.join(args.dir, n) for n in names if os.path.isfile(os.path.join(args.dir, n, "network.onnx"))]
    missing = sorted(set(names) - {os.path.basename(d) for d in dirs})
    if missing and not args.all:
        print(f"not found under {args.dir}: {' '.join(missing)}", file=sys.stderr)
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.cache, exist_ok=True)
    global WORKER_SCRIPT, WARM_REPS  # workers run a copy, so editing this file during a run is safe
    WARM_REPS = args.warm
    WORKER_SCRIPT = os.path.join(args.work, "stage_worker.py")
    shutil.copyfile(HERE / "stage_worker.py", WORKER_SCRIPT)
    shutil.copyfile(HERE / "peakmem.py", os.path.join(args.work, "peakmem.py"))
    if args.no_snapshot:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + [p for p in [env.get("PYTHONPATH")] if p])
        src = str(ROOT / "src")
    else:
        env, src = snapshot_env(args.work)
    sys.path[:0] = [src, str(HERE)]  # the parent's float reference uses the same veriml front-end
    reuse = {}
    for path in args.reuse_ezkl or []:
        reuse.update(load_reuse(path))
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(), "git": git_state(),
            "argv": sys.argv, "timeout_s": args.timeout, "reps": args.reps, "warm": args.warm,
            "max_logrows": args.max_logrows, "python": sys.executable}
    try:
        import ezkl

        meta["ezkl_version"] = getattr(ezkl, "__version__", None)
    except ImportError:
        if args.only != "veriml":
            ap.error("ezkl is not installed: pip install ezkl (or --only veriml)")
    print(f"# {meta['date']}  {meta['machine']}  veriml {meta['git']}  ezkl {meta.get('ezkl_version')}", flush=True)
    if args.only != "ezkl" and not args.no_warmup and dirs:
        t0 = time.perf_counter()
        for d in dirs:  # every model: kernels and signatures differ with the model's size
            warm = os.path.join(args.work, "_warmup", os.path.basename(d))
            shutil.rmtree(warm, ignore_errors=True)
            os.makedirs(warm)
            for stage in VERIML_STAGES:
                r = spawn_stage("veriml", stage, d, warm, args.timeout, args.mem_limit_mb, env=env)
                if not r["ok"]:
                    break
        print(f"# veriml warm-up (every model once: builds the native kernels, fills numba's cache "
              f"for the JIT-only ones): {time.perf_counter() - t0:.1f} s (untimed)", flush=True)
    if args.only != "ezkl":
        meta["veriml_kernels"] = native_status(env)
        print(f"# veriml kernels: {meta['veriml_kernels']}", flush=True)
    recs = []
    out = open(args.json, "w") if args.json else None
    try:
        for d in dirs:
            print(f"{os.path.basename(d)}", flush=True)
            rec = bench_model(d, args, env, reuse)
            rec["meta"] = meta
            recs.append(rec)
            if out:
                out.write(json.dumps(rec) + "\n")
                out.flush()
    finally:
        if out:
            out.close()
    print()
    print_table(recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
