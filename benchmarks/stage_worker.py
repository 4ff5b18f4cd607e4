"""One stage of one tool in this process, for ``vs_ezkl.py`` (which starts one per stage).

    python stage_worker.py TOOL STAGE MODEL_DIR ART_DIR RESULT.json [--srs FILE] [--warm N]

TOOL is ``ezkl`` or ``veriml``; the result (ok, time_s, cpu_s, hwm_mb: this process's peak
resident memory, sizes, error) goes to RESULT.json. The module imports only what a stage
needs (os, sys, json, time, resource, then the tool): what the harness itself imports counts
in both tools' peak memory, so it is kept out of the process (no argparse, statistics,
subprocess, tempfile or pathlib here; ezkl's workers alone import asyncio).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from peakmem import peak_rss_mb  # beside this script (vs_ezkl.py copies both into its work folder)

VERIML_STAGES = ("compile", "prove", "verify")


def _ezkl_call(fn, *args, **kwargs):
    """Call an ezkl function; some ezkl versions return awaitables (await them in a loop).
    asyncio is imported here, in ezkl's workers only: the harness adds nothing to either
    tool's peak memory that the tool does not need."""
    import asyncio
    import inspect

    async def go():
        r = fn(*args, **kwargs)
        return (await r) if inspect.isawaitable(r) else r

    return asyncio.run(go())


class Ezkl:
    """ezkl's Python bindings, one stage per method; files live in the art dir."""

    def __init__(self, model_dir, art, srs=None):
        import ezkl

        self.ezkl = ezkl
        self.onnx = os.path.join(model_dir, "network.onnx")
        self.data = os.path.join(model_dir, "input.json")
        self.art = art
        self.srs = srs
        p = lambda n: os.path.join(art, n)  # noqa: E731
        self.settings, self.compiled, self.pk, self.vk = p("settings.json"), p("network.ezkl"), p("pk.key"), p("vk.key")
        self.witness, self.proof = p("witness.json"), p("proof.json")

    def run(self, stage):
        """Run ``stage``; return (seconds, extra fields)."""
        ez, call = self.ezkl, _ezkl_call
        t0 = time.perf_counter()
        if stage == "settings":
            ok = call(ez.gen_settings, self.onnx, self.settings)
            ok = ok and call(ez.calibrate_settings, self.data, self.onnx, self.settings)
        elif stage == "compile":
            ok = call(ez.compile_circuit, self.onnx, self.compiled, self.settings)
        elif stage == "srs":
            ok = call(ez.gen_srs, self.srs, self.logrows()) is not False
        elif stage == "setup":
            ok = call(ez.setup, self.compiled, self.vk, self.pk, srs_path=self.srs)
        elif stage == "witness":
            keys = {"vk_path": self.vk, "srs_path": self.srs} if os.path.exists(self.vk) else {}
            ok = call(ez.gen_witness, self.data, self.compiled, self.witness, **keys) is not None
        elif stage == "prove":
            ok = call(ez.prove, self.witness, self.compiled, self.pk, self.proof, srs_path=self.srs) is not None
        elif stage == "verify":
            ok = call(ez.verify, self.proof, self.settings, self.vk, srs_path=self.srs)
        else:
            raise ValueError(stage)
        sec = time.perf_counter() - t0
        if not ok:
            raise RuntimeError(f"ezkl {stage} returned {ok!r}")
        return sec, self.sizes(stage)

    def logrows(self):
        with open(self.settings) as f:
            return int(json.load(f)["run_args"]["logrows"])

    def sizes(self, stage):
        if stage == "settings":
            with open(self.settings) as f:
                s = json.load(f)
            ra = s["run_args"]
            return {"logrows": int(ra["logrows"]), "input_scale": ra.get("input_scale"),
                    "param_scale": ra.get("param_scale"), "num_rows": s.get("num_rows")}
        if stage == "setup":
            return {"pk_bytes": os.path.getsize(self.pk), "vk_bytes": os.path.getsize(self.vk)}
        if stage == "prove":
            with open(self.proof) as f:
                doc = json.load(f)
            return {"proof_bytes": len(doc["proof"]), "proof_file_bytes": os.path.getsize(self.proof)}
        return {}


def _veriml_api():
    """veriml.api when it provides compile/prove/verify, else None."""
    try:
        from veriml import api
    except ImportError:
        return None
    return api if all(callable(getattr(api, f, None)) for f in VERIML_STAGES) else None


class VerimlApi:
    """``veriml.compile`` / ``veriml.prove`` / ``veriml.verify`` (what the CLI verbs run):
    files in, files out, so keys and proofs are read from disk inside the timed call, as
    ezkl's are."""

    name = "veriml.api"

    def __init__(self, api, model_dir, art):
        self.api = api
        self.onnx = os.path.join(model_dir, "network.onnx")
        self.data = os.path.join(model_dir, "input.json")
        self.art = art
        self.proof = os.path.join(art, "proof.bin")
        self.vk = os.path.join(art, "vk.bin")

    def run(self, stage):
        api = self.api
        t0 = time.perf_counter()
        if stage == "compile":
            a = api.compile(self.onnx, sample=self.data, out_dir=self.art)
            sec = time.perf_counter() - t0
            pk = os.path.join(self.art, "pk.bin")
            return sec, {"vk_bytes": os.path.getsize(self.vk), "pk_bytes": os.path.getsize(pk),
                         "primitives": len(a.program.nodes), "timings": getattr(a, "timings", None)}
        if stage == "prove":
            proof = api.prove(self.art, self.data)
            sec = time.perf_counter() - t0
            proof.save(self.proof)
            self.outputs = proof.outputs
            return sec, {"proof_bytes": len(proof.bytes), "timings": proof.timings}
        if stage == "verify":
            proven = api.verify(self.vk, self.proof)
            sec = time.perf_counter() - t0
            with open(os.path.join(self.art, "outputs.json")) as f:
                claimed = json.load(f)
            if [_flat(a) for a in proven] != claimed:
                raise RuntimeError("verified outputs differ from the prover's outputs")
            return sec, {}
        raise ValueError(stage)

    def after(self, stage):
        """Harness bookkeeping once the stage's peak memory is read: the prover's outputs, for
        the verify stage to compare with what the proof carries."""
        if stage == "prove":
            with open(os.path.join(self.art, "outputs.json"), "w") as f:
                json.dump([_flat(a) for a in self.outputs], f)


def _flat(a):
    """An output tensor as a flat list of Python numbers (json keeps floats exactly)."""
    return [x.item() if hasattr(x, "item") else x for x in getattr(a, "flat", a)]


def veriml_backend(model_dir, art):
    api = _veriml_api()
    if api is None:
        raise RuntimeError("veriml.api with compile/prove/verify not found (pip install -e .)")
    return VerimlApi(api, model_dir, art)


def _cpu_s():
    """User + system CPU seconds of this process so far, all threads."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _median(xs):
    xs = sorted(xs)
    h = len(xs) // 2
    return xs[h] if len(xs) % 2 else (xs[h - 1] + xs[h]) / 2


def worker(tool_name, stage, model, art, result, srs=None, warm=0):
    """Run one stage in this process; the record goes to ``result`` as JSON.

    ``hwm_mb`` is the process's peak resident memory when the stage's call returns (the
    interpreter, the imports and the stage); ``warm`` more proves follow (a long-lived prover,
    a service using the Python API, pays start-up costs once) and report their median time
    and ``warm_hwm_mb``."""
    t_start = time.perf_counter()
    rec = {"ok": False}
    tool = None
    try:
        if tool_name == "ezkl":
            tool = Ezkl(model, art, srs)
            import ezkl

            rec["version"] = getattr(ezkl, "__version__", None)
        else:
            tool = veriml_backend(model, art)
            import veriml.prover.system  # noqa: F401 - import cost belongs to start-up, not the stage

            rec["backend"] = tool.name
        rec["import_s"] = time.perf_counter() - t_start
        cpu0 = _cpu_s()
        sec, extra = tool.run(stage)
        rec.update(extra, ok=True, time_s=sec, cpu_s=_cpu_s() - cpu0)
        rec["hwm_mb"] = peak_rss_mb()
        if stage == "prove" and warm:
            runs = [tool.run("prove")[0] for _ in range(warm)]
            rec["warm_s"] = _median(runs)
            rec["warm_runs"] = runs
            rec["warm_hwm_mb"] = peak_rss_mb()
        if hasattr(tool, "after"):
            tool.after(stage)
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which goes on
        rec["ok"] = False
        rec["error"] = f"{type(e).__name__}: {e}"[:500]
    rec.setdefault("hwm_mb", peak_rss_mb())
    rec["numba_imported"] = "numba" in sys.modules
    with open(result, "w") as f:
        json.dump(rec, f)
    return 0 if rec["ok"] else 1


def main(argv):
    """``TOOL STAGE MODEL ART RESULT [--srs FILE] [--warm N]`` (no argparse: see the module doc)."""
    opts = {"--srs": None, "--warm": "0"}
    pos = []
    it = iter(argv)
    for a in it:
        if a in opts:
            opts[a] = next(it)
        else:
            pos.append(a)
    if len(pos) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    return worker(*pos, srs=opts["--srs"], warm=int(opts["--warm"]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


