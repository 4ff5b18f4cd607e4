"""Bar chart of prove time per model, ezkl next to veriml, from ``vs_ezkl.py --json`` output.

    python benchmarks/vs_ezkl_plot.py RESULTS.json -o docs/vs_ezkl_prove_time.png

Log-scale seconds. A tool that ran out of time while proving gets a hatched bar up to the
time limit (a lower bound); one that stopped earlier (failed, timed out, out of memory) a
hatched stub at the bottom labelled with the stage it stopped at. A black bar across a tool's
bar marks its warm prove time (the same proof again in the same process, ``--warm``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys

TOOLS = (("ezkl", "ezkl (halo2 + KZG)", "#8c8c8c"), ("veriml", "veriml (GKR + WHIR)", "#1f77b4"))


def load(path):
    """Model records, re-summarized from their stage records (``vs_ezkl.finish``)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from vs_ezkl import finish

    with open(path) as f:
        return [finish(json.loads(line)) for line in f if line.strip()]


def prove_time(rec, tool):
    """(seconds, None, None) when the tool proved and verified, else (None, why, limit): a
    prove stage that ran out of time gives its limit (a lower bound on the prove time)."""
    t = rec.get(tool)
    if not t:
        return None, "not run", None
    if t.get("ok"):
        return t["prove_s"], None, None
    stage = t.get("failed_stage") or "?"
    err = (t.get("error") or "").lower()
    m = re.search(r"time limit: over ([0-9.]+) s", err)
    if m and stage == "prove":
        return None, f"timeout > {float(m.group(1)):g} s", float(m.group(1))
    why = ("too big" if "max-logrows" in err else "timeout" if m else "OOM" if "memory limit" in err
           else "failed")
    return None, f"{why} @{stage}", None


def plot(recs, out, title=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [r["model"] for r in recs]
    times = {tool: [prove_time(r, tool) for r in recs] for tool, _, _ in TOOLS}
    ok = [s or lim for tool in times for s, _, lim in times[tool] if s or lim]
    ok += [r[t]["prove_warm_s"] for r in recs for t, _, _ in TOOLS if (r.get(t) or {}).get("prove_warm_s")]
    lo = 10 ** np.floor(np.log10(min(ok) / 2)) if ok else 0.01
    hi = 10 ** np.ceil(np.log10(max(ok) * 4)) if ok else 1000
    x = np.arange(len(names))
    width = 0.4
    fig, ax = plt.subplots(figsize=(max(8, 0.85 * len(names) + 2), 5))
    for i, (tool, label, color) in enumerate(TOOLS):
        xs = x + (i - 0.5) * width
        vals = [s for s, _, _ in times[tool]]
        ax.bar(xs, [v if v else 0 for v in vals], width, label=label, color=color, bottom=0)
        for xi, (s, why, lim) in zip(xs, times[tool]):
            if s:
                ax.text(xi, s * 1.08, f"{s:.3g}", ha="center", va="bottom", fontsize=7, rotation=90)
            elif lim:  # ran out of time while proving: a hatched bar up to the limit
                ax.bar(xi, lim - lo, width, bottom=lo, color="white", edgecolor=color, hatch="///")
                ax.text(xi, lim * 1.08, why, ha="center", va="bottom", fontsize=7, color="#b00000", rotation=90)
            elif why != "not run":
                ax.bar(xi, lo * 1.8, width, bottom=lo, color="white", edgecolor=color, hatch="///")
                ax.text(xi, lo * 3.2, why, ha="center", va="bottom", fontsize=7, color="#b00000", rotation=90)
        warm = [(xi, (r.get(tool) or {}).get("prove_warm_s")) for xi, r in zip(xs, recs)]
        warm = [(xi, w) for xi, w in warm if w]
        if warm:
            ax.scatter([xi for xi, _ in warm], [w for _, w in warm], marker="_", s=260, linewidths=2.2,
                       color="black", zorder=3, label="warm prove (again in the same process)" if i else None)
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=35, ha="right")
    ax.set_ylabel("prove time (s, log scale)")
    ratios = [r["prove_time_ratio"] for r in recs if r.get("prove_time_ratio") is not None]
    if title is None:
        title = "Prove time per model, same ONNX file and input"
        if ratios:
            title += f" (median ezkl/veriml: {statistics.median(ratios):.2f}x over {len(ratios)} models"
            warm = [r["warm_prove_time_ratio"] for r in recs if r.get("warm_prove_time_ratio") is not None]
            title += f"; warm: {statistics.median(warm):.0f}x)" if warm else ")"
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    meta = recs[0].get("meta", {}) if recs else {}
    m = meta.get("machine", {})
    foot = f"{m.get('cpu', '')} x{m.get('cpus', '?')}, {meta.get('date', '')}, ezkl {meta.get('ezkl_version', '?')}"
    fig.text(0.99, 0.01, foot, ha="right", va="bottom", fontsize=7, color="#555555")
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", help="JSON lines written by benchmarks/vs_ezkl.py --json")
    ap.add_argument("-o", "--output", default="docs/vs_ezkl_prove_time.png")
    ap.add_argument("--title")
    args = ap.parse_args(argv)
    recs = load(args.json)
    if not recs:
        ap.error(f"{args.json}: no records")
    print(plot(recs, args.output, args.title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
