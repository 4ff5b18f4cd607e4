"""The WHIR rate's trade-off, measured: prove time, prove memory, proof size and verify time of
the same models at the same security with rate 1/4 and rate 1/8 (``log_inv_rate`` 2 and 3).

    python benchmarks/rate_sweep.py [MODEL_DIR ...] [--rates 2 3] [--reps 3] [--json OUT]

For each model and rate the model is compiled once with the parameters ``veriml compile``
would pick (``PcsParams.for_size`` of the witness: grinding scaled to the size) except the
rate, the query counts recomputed (``PcsParams.for_security``) so that every round keeps at
least the bits the default parameters give at that size; the table prints both bit counts.
Then ``--reps`` fresh processes each load the key and prove once (the time of
``veriml.prove`` and the process's peak resident memory, ``VmHWM``, interpreter and imports
included, as ``vs_ezkl.py`` measures them) and verifies the proof in another fresh process
(the time of ``veriml.verify``, imports excluded).
Medians go to stdout as a Markdown table (and JSON lines with ``--json``). Default models:
ezkl's ``4l_relu_conv_fc``, ``large_mlp`` and ``lenet_5`` from ``../shared/peer-suite``.
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
PEER = HERE.parent.parent / "shared" / "peer-suite" / "ezkl"
DEFAULT_MODELS = [PEER / "4l_relu_conv_fc", PEER / "large_mlp", PEER / "lenet_5"]

_PROVE = """
import json, sys, time
sys.path.insert(0, {here!r})
from peakmem import peak_rss_mb
from veriml import api
import veriml.prover.system
t = time.perf_counter()
proof = api.prove({art!r}, {data!r})
sec = time.perf_counter() - t
hwm = peak_rss_mb()
proof.save({proof!r})
print(json.dumps({{"prove_s": sec, "prove_mb": hwm, "proof_bytes": len(proof.bytes)}}))
"""

_VERIFY = """
import json, sys, time
from veriml import api
import veriml.prover.system
t = time.perf_counter()
api.verify({vk!r}, {proof!r})
print(json.dumps({{"verify_s": time.perf_counter() - t}}))
"""


def params_at_rate(n: int, log_inv_rate: int):
    """``PcsParams.for_size(n)`` with another rate: same grinding, queries for the same bits."""
    from veriml.security import PcsParams

    sized = PcsParams.for_size(n)
    need = PcsParams.default().security_bits(n)
    if sized.log_inv_rate == log_inv_rate:
        return sized, need
    p = PcsParams.for_security(need, log_inv_rate=log_inv_rate, grinding_bits=sized.grinding_bits)
    while p.security_bits(n) < need:
        p = PcsParams(**{**p.__dict__, "queries": tuple(q + 1 for q in p.queries)})
    return p, need


def _run(code: str) -> dict:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if r.returncode:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def sweep(model_dir: Path, rates, reps: int, work: str) -> list[dict]:
    from veriml import api
    from veriml.api import _witness_log_size

    onnx, data = str(model_dir / "network.onnx"), str(model_dir / "input.json")
    base = api.compile(onnx, sample=data, out_dir=os.path.join(work, "default"))
    n = _witness_log_size(base.pk.plan)
    out = []
    for r in rates:
        params, need = params_at_rate(n, r)
        art = os.path.join(work, f"r{r}")
        api.compile(onnx, sample=data, out_dir=art, params=params)
        proof = os.path.join(art, "proof.bin")
        runs = [_run(_PROVE.format(here=str(HERE), art=art, data=data, proof=proof)) for _ in range(reps)]
        ver = [_run(_VERIFY.format(vk=os.path.join(art, "vk.bin"), proof=proof)) for _ in range(reps)]
        rec = {"model": model_dir.name, "log_size": n, "log_inv_rate": r, "queries": list(params.queries[:4]),
               "grinding_bits": list(params.grinding_bits), "bits": round(params.security_bits(n), 2),
               "defaults_bits": round(need, 2),
               "prove_s": statistics.median(x["prove_s"] for x in runs),
               "prove_mb": statistics.median(x["prove_mb"] for x in runs),
               "proof_bytes": runs[0]["proof_bytes"],
               "verify_s": statistics.median(x["verify_s"] for x in ver)}
        out.append(rec)
        print(f"  {rec['model']} 2^{n} rate 1/{1 << r}: prove {rec['prove_s']:.3f} s {rec['prove_mb']:.1f} MB, "
              f"proof {rec['proof_bytes'] / 1024:.1f} KiB, verify {rec['verify_s']:.3f} s", flush=True)
    return out


def markdown(recs) -> str:
    rows = ["| model | witness | rate | queries | bits (defaults') | prove s | prove MB | proof KiB | verify s |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in recs:
        rows.append(f"| {r['model']} | 2^{r['log_size']} | 1/{1 << r['log_inv_rate']} | "
                    f"{', '.join(map(str, r['queries']))} | {r['bits']:.2f} ({r['defaults_bits']:.2f}) | "
                    f"{r['prove_s']:.3f} | {r['prove_mb']:.1f} | {r['proof_bytes'] / 1024:.1f} | {r['verify_s']:.3f} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path, help="model dirs with network.onnx + input.json")
    ap.add_argument("--rates", type=int, nargs="+", default=[2, 3], help="log2(1/rate) values (2 3)")
    ap.add_argument("--reps", type=int, default=3, help="fresh processes per stage (3)")
    ap.add_argument("--json", help="write one JSON line per model and rate")
    args = ap.parse_args(argv)
    models = args.models or [m for m in DEFAULT_MODELS if (m / "network.onnx").exists()]
    recs = []
    with tempfile.TemporaryDirectory(prefix="veriml-rate-") as work:
        for m in models:
            recs += sweep(m, args.rates, args.reps, os.path.join(work, m.name))
    print(markdown(recs))
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
