"""Command line: ``veriml inspect MODEL.onnx`` and ``veriml run MODEL.onnx INPUT [-o OUT.json]``.

Subcommands are registered in ``COMMANDS`` so compile/prove/verify can be added later.  Any
:class:`~veriml.errors.VerimlError` is printed as one ``error: ...`` line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np

from veriml.errors import VerimlError


def _samples(args, model_path):
    if getattr(args, "input", None):
        from veriml.onnx.inputs import read_inputs

        return [read_inputs(args.input)]
    return None


def cmd_inspect(args):
    """One row per ONNX node: op, output shapes, scales, status; unsupported ops listed."""
    from veriml.onnx import compile_model

    cm = compile_model(args.model, _samples(args, args.model), strict=False)
    rows = cm.rows
    w = max([len(r[0]) for r in rows] + [4])
    print(f"{'node':{w}s}  {'op':22s} {'shapes':24s} {'scale':8s} status")
    for name, op, shapes, scales, status in rows:
        print(f"{name:{w}s}  {op:22s} {shapes:24s} {scales:8s} {status}")
    bad = [(r[0], r[1]) for r in rows if r[4].startswith(("UNSUPPORTED", "ERROR"))]
    p = cm.program
    print(f"\n{len(rows)} ONNX nodes -> {len(p.nodes)} integer primitives "
          f"{dict(sorted(p.op_counts().items()))}")
    if bad:
        print("unsupported or failing nodes: " + ", ".join(f"{n} ({op})" for n, op in bad))
        return 1
    print(f"inputs: " + ", ".join(f"{s.name} {list(s.shape)} scale 2^-{s.scale} range "
                                   f"[{s.lo / 2.0**s.scale:g}, {s.hi / 2.0**s.scale:g}]" for s in cm.inputs))
    print(f"largest proven bound: 2^{p.max_bound_bits():.1f} (limit 2^62)")
    return 0


def cmd_run(args):
    """Quantize with the input as calibration sample, run the integer model, write outputs."""
    from veriml.onnx import compile_model
    from veriml.onnx.inputs import match_inputs, read_inputs

    arrays = read_inputs(args.input)
    cm = compile_model(args.model, [arrays], input_range=args.input_range)
    arrays = match_inputs(arrays, [s.name for s in cm.inputs])
    _, outs = cm.run(arrays)
    doc = {"output_data": [np.asarray(o, dtype=np.float64).reshape(-1).tolist() for o in outs]}
    text = json.dumps(doc)
    if args.output:
        d = os.path.dirname(os.path.abspath(args.output))
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".veriml-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, args.output)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        print(text)
    return 0


def _add_inspect(sub):
    p = sub.add_parser("inspect", help="list the model's nodes, shapes, scales and support")
    p.add_argument("model")
    p.add_argument("--input", help="sample input (JSON/.npy/.npz) used for shapes and scales")
    p.set_defaults(func=cmd_inspect)


def _add_run(sub):
    p = sub.add_parser("run", help="run the quantized integer model on an input")
    p.add_argument("model")
    p.add_argument("input", help="ezkl-style input.json, .npy or .npz")
    p.add_argument("-o", "--output", help="output JSON (default: stdout)")
    p.add_argument("--input-range", type=float, default=None,
                   help="declared input range R: inputs lie in [-R, R] (default: from the input)")
    p.set_defaults(func=cmd_run)


COMMANDS = [_add_inspect, _add_run]


def build_parser():
    ap = argparse.ArgumentParser(prog="veriml", description="verifiable ML over Goldilocks")
    sub = ap.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except VerimlError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
