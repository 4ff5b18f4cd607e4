"""Proving-core benchmarks: one JSON object per line.

    python benchmarks/core.py            # everything
    python benchmarks/core.py --only pcs # just the commitment

Runs the sub-benchmarks (``core_iop.py``: sumcheck and LogUp-GKR, ``core_pcs.py``: the
polynomial commitment) in their own processes, so each one's numba warm-up and memory
stay its own, and relays their JSON lines (keys ``name``, ``log_size``, ``seconds`` and,
for proofs, ``bytes``; medians of 5 warm runs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = {"iop": "core_iop.py", "pcs": "core_pcs.py"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(PARTS), help="run one part")
    args, rest = ap.parse_known_args()
    status = 0
    for key, script in PARTS.items():
        if args.only and key != args.only:
            continue
        proc = subprocess.run([sys.executable, str(HERE / script), *rest], stdout=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stdout)
        sys.stdout.flush()
        status |= proc.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
