"""Command line: ``veriml inspect|run|compile|prove|verify|demo``.

Subcommands are registered in ``COMMANDS``. Exit codes: 0 success; 1 an invalid proof
(``verify``) or unsupported nodes (``inspect``); 2 a user error: any
:class:`~veriml.errors.VerimlError` (bad model, input or artifact file) is printed as one
``error: ...`` line, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

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
    print("inputs: " + ", ".join(f"{s.name} {list(s.shape)} scale 2^-{s.scale} range "
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
        from veriml.artifacts import atomic_write

        atomic_write(args.output, text)
    else:
        print(text)
    return 0


def _output_doc(arrays) -> dict:
    return {"output_data": [np.asarray(o, dtype=np.float64).reshape(-1).tolist() for o in arrays]}


def _note(args, text):
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def cmd_compile(args):
    """Quantize the model and write the proving and verifying keys into the output folder."""
    from veriml import api
    from veriml.progress import StageBar

    with StageBar(api.COMPILE_STAGES, "compile", args.quiet) as bar:
        art = api.compile(args.model, sample=args.sample, out_dir=args.output,
                          input_range=args.input_range, progress=bar)
    s = art.settings
    print(f"compiled {args.model} -> {args.output} in {art.timings['total']:.2f} s")
    for i in s["inputs"]:
        print(f"  input    {i['name']} {i['shape']} scale 2^-{i['scale']} "
              f"range [{i['range'][0]:g}, {i['range'][1]:g}]")
    print(f"  program  {s['primitives']} primitives, {s['weights']['values']:,} weights, "
          f"{s['witness']['columns']} committed columns (2^{s['witness']['log_size']} values), "
          f"{s['pcs']['security_bits']}-bit security")
    print(f"  vk.bin   {s['files']['vk.bin']:,} bytes, digest {s['vk_digest']}")
    print(f"  pk.bin   {s['files']['pk.bin']:,} bytes")
    return 0


def cmd_prove(args):
    """Run the integer model on the input, prove it, write the proof, print the outputs."""
    from veriml import api
    from veriml.progress import StageBar

    with StageBar(api.prove_stages(), "prove", args.quiet) as bar:
        proof = api.prove(args.artifacts, args.input, progress=bar)
    t0 = time.perf_counter()
    proof.save(args.output)
    seconds = {k: v for k, v in proof.timings.items() if k != "total"}
    seconds["write proof"] = time.perf_counter() - t0
    seconds["total"] = sum(seconds.values())
    doc = _output_doc(proof.outputs)
    if args.json:
        doc.update(proof=args.output, proof_bytes=len(proof.bytes),
                   vk_digest="0x" + proof.digest.hex(),
                   seconds={k: round(v, 4) for k, v in seconds.items()})
    else:
        _note(args, f"proof: {len(proof.bytes):,} bytes -> {args.output} ({seconds['total']:.2f} s)")
    print(json.dumps(doc))
    return 0


def cmd_verify(args):
    """Exit 0 and print the public outputs if the proof is valid, 1 if it is not."""
    from veriml import api
    from veriml.artifacts import read_bytes
    from veriml.errors import MalformedProofError, ProofError

    if args.vk is not None:
        if len(args.paths) != 1:
            args.parser.error("with --vk, give only the proof file")
        key, proof_path = args.vk, args.paths[0]
    else:
        if len(args.paths) != 2:
            args.parser.error("give the artifact folder (or --vk FILE) and the proof file")
        key, proof_path = args.paths
    t0 = time.perf_counter()
    art = api.load(key, prover=False)
    data = read_bytes(proof_path, "proof")
    try:
        inputs, outputs = api.verify(art, data, return_inputs=True)
    except MalformedProofError as e:
        print(_one_line(f"error: {proof_path}: unusable proof file: {e}"), file=sys.stderr)
        return 2
    except ProofError as e:
        print(_one_line(f"invalid proof: {e}"), file=sys.stderr)
        return 1
    doc = _output_doc(outputs)
    if args.show_inputs:
        doc = {"input_data": _output_doc(inputs)["output_data"], **doc}
    if args.json:
        doc.update(valid=True, vk_digest="0x" + art.digest.hex(),
                   seconds=round(time.perf_counter() - t0, 4))
    print(json.dumps(doc))
    return 0


def cmd_demo(args):
    """Compile, prove and verify the bundled CNN on its bundled digit; compare to onnxruntime."""
    import tempfile
    from importlib.resources import as_file, files

    data = files("veriml") / "data"
    with as_file(data / "demo_cnn.onnx") as model, as_file(data / "demo_input.json") as inp:
        if args.output:
            return _demo(args, os.fspath(model), os.fspath(inp), args.output)
        with tempfile.TemporaryDirectory(prefix="veriml-demo-") as tmp:
            return _demo(args, os.fspath(model), os.fspath(inp), tmp)


def _demo(args, model, inp, folder):
    import onnxruntime as ort

    from veriml import api
    from veriml.onnx.inputs import read_inputs
    from veriml.progress import StageBar

    art_dir, proof_path = os.path.join(folder, "artifacts"), os.path.join(folder, "proof.bin")
    with StageBar(api.COMPILE_STAGES, "compile", args.quiet) as bar:
        art = api.compile(model, sample=inp, out_dir=art_dir, progress=bar)
    with StageBar(api.prove_stages(), "prove", args.quiet) as bar:
        proof = api.prove(art_dir, inp, progress=bar)
    proof.save(proof_path)
    t0 = time.perf_counter()
    logits = api.verify(os.path.join(art_dir, "vk.bin"), proof_path)[0].reshape(-1)
    t_verify = time.perf_counter() - t0

    x = read_inputs(inp)[0].reshape(1, 1, 16, 16).astype(np.float32)
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    ref = sess.run(None, {sess.get_inputs()[0].name: x})[0].reshape(-1).astype(np.float64)
    with open(inp) as f:
        label = json.load(f).get("label")
    s = art.settings
    pred = int(np.argmax(logits))
    print("veriml demo: a small CNN reads a 16x16 digit; its inference is proven and verified")
    print(f"  model    demo_cnn.onnx, {s['primitives']} integer primitives, "
          f"{s['weights']['values']:,} weights, {s['witness']['columns']} committed columns")
    print(f"  compile  {art.timings['total']:6.2f} s   vk.bin {s['files']['vk.bin']:,} bytes "
          f"(digest {s['vk_digest'][:18]}...), pk.bin {s['files']['pk.bin']:,} bytes")
    print(f"  prove    {proof.timings['total']:6.2f} s   proof {len(proof.bytes):,} bytes")
    print(f"  verify   {t_verify:6.2f} s   valid")
    print(f"  predicted class {pred} (label {label}; onnxruntime says {int(np.argmax(ref))})")
    print("  logits, proven      " + " ".join(f"{v:7.3f}" for v in logits))
    print("  logits, onnxruntime " + " ".join(f"{v:7.3f}" for v in ref))
    print(f"  max |proven - onnxruntime| = {float(np.max(np.abs(logits - ref))):.2e}")
    if args.output:
        print(f"  artifacts and proof kept in {folder}")
    if art.timings["total"] + proof.timings["total"] > 20:
        _note(args, "note: a first run spends most of its time building the kernels as native code "
                    "(once per machine), so the next run takes seconds")
    return 0


def cmd_build_kernels(args):
    """Build the kernels as native code now (``veriml compile`` does it on its first run)."""
    from veriml import jit

    t0 = time.perf_counter()
    try:
        path = jit.build(force=args.force)
    except Exception as e:  # noqa: BLE001 - a missing C compiler is not a traceback
        print(_one_line(f"error: building native kernels failed: {type(e).__name__}: {e}"), file=sys.stderr)
        return 1
    print(f"native kernels: {path} ({jit.status()['functions']} functions, {time.perf_counter() - t0:.1f} s)")
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


def _quiet(p):
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")


def _add_compile(sub):
    p = sub.add_parser("compile", help="quantize a model and build its proving and verifying keys")
    p.add_argument("model")
    p.add_argument("--sample", help="calibration input (JSON/.npy/.npz): shapes and input range")
    p.add_argument("--input-range", type=float, default=None,
                   help="declared input range R: inputs lie in [-R, R] (default: from the sample)")
    p.add_argument("-o", "--output", required=True, metavar="ART",
                   help="artifact folder to write (vk.bin, pk.bin, settings.json)")
    _quiet(p)
    p.set_defaults(func=cmd_compile)


def _add_prove(sub):
    p = sub.add_parser("prove", help="run the model on an input and prove it")
    p.add_argument("artifacts", metavar="ART", help="artifact folder from 'veriml compile'")
    p.add_argument("input", help="ezkl-style input.json, .npy or .npz")
    p.add_argument("-o", "--output", required=True, metavar="PROOF", help="proof file to write")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: output_data, proof, proof_bytes, vk_digest, seconds per stage")
    _quiet(p)
    p.set_defaults(func=cmd_prove)


def _add_verify(sub):
    p = sub.add_parser("verify", help="check a proof; exit 0 valid, 1 invalid, 2 unusable files",
                       usage="veriml verify [-h] [--vk FILE] [--show-inputs] [--json] [-q] [ART] PROOF")
    p.add_argument("paths", nargs="+", metavar="[ART] PROOF",
                   help="artifact folder (or its vk.bin) and the proof file")
    p.add_argument("--vk", metavar="FILE", help="verifying key file (instead of ART)")
    p.add_argument("--show-inputs", action="store_true", help="also print the public input_data")
    p.add_argument("--json", action="store_true", help="also print valid, vk_digest and seconds")
    _quiet(p)
    p.set_defaults(func=cmd_verify, parser=p)


def _add_demo(sub):
    p = sub.add_parser("demo", help="compile, prove and verify the bundled digit CNN")
    p.add_argument("-o", "--output", metavar="DIR", help="keep the artifacts and proof in DIR")
    _quiet(p)
    p.set_defaults(func=cmd_demo)


def _add_build_kernels(sub):
    p = sub.add_parser("build-kernels", help="build the numba kernels as native code (once per machine)")
    p.add_argument("--force", action="store_true", help="rebuild even if built")
    p.set_defaults(func=cmd_build_kernels)


COMMANDS = [_add_inspect, _add_run, _add_compile, _add_prove, _add_verify, _add_demo, _add_build_kernels]


def build_parser():
    from veriml import __version__

    ap = argparse.ArgumentParser(prog="veriml", description="verifiable ML over Goldilocks")
    ap.add_argument("--version", action="version", version=f"veriml {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return ap


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (VerimlError, OSError) as e:
        print(_one_line(f"error: {e}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
