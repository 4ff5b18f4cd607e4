"""Plots for docs/BENCHMARKS.md from the JSON lines of conformance.py (and prove_bench.py).

    python benchmarks/conformance.py ../shared/peer-suite/ezkl --prove --json conf.jsonl
    python benchmarks/plot.py conf.jsonl [--bench bench.jsonl] [--out docs]

Writes ``accuracy.png`` (per model: max |quantized - onnxruntime| / output scale, log
scale, the 1% tolerance drawn), ``prove_time.png`` (per model that proved: prove and verify
seconds, log scale; needs a ``--prove`` sweep) and, with ``--bench``, ``prove_bench.png``
(compile / prove / verify seconds of the prove_bench models: fresh-process first run and
warm median). Needs matplotlib (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_lines(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def plot_accuracy(recs, out, tol=0.01):
    ok = sorted((r for r in recs if r.get("status") == "ok"), key=lambda r: r["error"])
    floor = 1e-9  # exact outputs (error 0) are drawn at this floor
    errs = [max(r["error"], floor) for r in ok]
    fig, ax = plt.subplots(figsize=(8, max(4, 0.12 * len(ok) + 1)))
    colors = ["tab:green" if r["error"] <= tol else "tab:red" for r in ok]
    ax.barh(range(len(ok)), errs, color=colors, left=floor * 0.5)
    ax.set_xscale("log")
    ax.axvline(tol, color="k", ls="--", lw=1, label=f"{tol:.0%} of output scale")
    ax.set_yticks(range(len(ok)))
    ax.set_yticklabels([r["model"] for r in ok], fontsize=5)
    ax.set_xlabel("max |quantized - float| / output scale (log; 0 drawn at 1e-9)")
    within = sum(r["error"] <= tol for r in ok)
    ax.set_title(f"Quantized vs onnxruntime: {within} of {len(ok)} models within {tol:.0%} "
                 f"({len(recs)} in the suite)", fontsize=9)
    ax.legend(loc="lower right", fontsize=7)
    ax.margins(y=0.005)
    fig.tight_layout()
    path = os.path.join(out, "accuracy.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def plot_prove_time(recs, out):
    done = sorted((r for r in recs if r.get("proof", {}).get("ok")), key=lambda r: r["proof"]["prove_s"])
    if not done:
        return None
    failed = sum(1 for r in recs if r.get("proof") and not r["proof"]["ok"])
    fig, ax = plt.subplots(figsize=(8, max(4, 0.12 * len(done) + 1)))
    y = range(len(done))
    ax.barh(y, [r["proof"]["prove_s"] for r in done], color="tab:blue", label="prove")
    ax.scatter([r["proof"]["verify_s"] for r in done], list(y), color="tab:orange", s=6, zorder=3,
               label="verify")
    ax.set_xscale("log")
    ax.set_yticks(list(y))
    ax.set_yticklabels([f"{r['model']} ({r['proof']['proof_bytes'] / 1000:.0f} KB)" for r in done], fontsize=5)
    ax.set_xlabel("seconds (log), warm worker process")
    ax.set_title(f"{len(done)} models prove and verify ({failed} failed); label: proof size", fontsize=9)
    ax.legend(loc="lower right", fontsize=7)
    ax.margins(y=0.005)
    fig.tight_layout()
    path = os.path.join(out, "prove_time.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def plot_bench(recs, out):
    recs = [r for r in recs if "stages" in r and "error" not in r]
    if not recs:
        return None
    stages = ("compile", "prove", "verify")
    fig, axes = plt.subplots(1, len(stages), figsize=(10, 3.2))
    for ax, st in zip(axes, stages):
        names = [r["model"] for r in recs]
        x = range(len(recs))
        first = [r["stages"][st]["first_s"] for r in recs]
        warm = [r["stages"][st]["warm_s"] for r in recs]
        ax.bar([i - 0.2 for i in x], first, width=0.4, label="first call, fresh process")
        ax.bar([i + 0.2 for i in x], warm, width=0.4, label="warm (median)")
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, fontsize=7, rotation=15)
        ax.set_title(st, fontsize=9)
        ax.set_ylabel("seconds")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    path = os.path.join(out, "prove_bench.png")
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("conformance", nargs="?", help="JSON lines written by conformance.py --json")
    ap.add_argument("--bench", help="JSON lines written by prove_bench.py --json")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs"))
    ap.add_argument("--tol", type=float, default=0.01)
    args = ap.parse_args(argv)
    if not args.conformance and not args.bench:
        ap.error("give a conformance.py file, --bench, or both")
    made = []
    if args.conformance:
        recs = read_lines(args.conformance)
        made += [plot_accuracy(recs, args.out, args.tol), plot_prove_time(recs, args.out)]
    if args.bench:
        made.append(plot_bench(read_lines(args.bench), args.out))
    for p in made:
        if p:
            print(os.path.normpath(p))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
