"""The three verbs in Python: compile a model, prove an inference, verify a proof.

::

    art = veriml.compile("model.onnx", sample="input.json", out_dir="art/")
    proof = veriml.prove("art/", "input.json")      # or an Artifacts, arrays, a dict
    proof.save("proof.bin")
    outputs = veriml.verify("art/vk.bin", "proof.bin")  # raises ProofError if invalid

A proof file is ``str "veriml-proof", u8 version (1), digest D, bytes_ proof`` (veriml.codec):
the verifying key's digest ``D`` (so a proof for another model is named as such) and the
proof of :func:`veriml.prover.system.prove`, which carries the public input and output and
is bound to ``D`` through the transcript.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import numpy as np

from .artifacts import (ArtifactError, Artifacts, atomic_write, decode_vk, encode_vk, read_bytes,
                        read_vk, seal)
from .codec import CodecError, Reader, Writer
from .errors import InputError, MalformedProofError, ModelError, ProofError
from .hash.keccak import keccak256
from .progress import StageClock

__all__ = ["compile", "prove", "verify", "load", "Proof", "Artifacts", "read_model_inputs",
           "COMPILE_STAGES", "prove_stages"]

PROOF_MAGIC, PROOF_VERSION = "veriml-proof", 1
COMPILE_STAGES = ("import and quantize", "plan", "weight commitment", "write artifacts")


def prove_stages():
    """Stage names :func:`prove` reports, in order."""
    from .prover.system import PROVE_STAGES

    return ("load proving key", "quantize inputs") + tuple(PROVE_STAGES)


# ------------------------------------------------------------------ inputs


def _inputs_from_doc(doc, where: str) -> list:
    """An ezkl-style ``{"input_data": [[...], ...], "input_shapes": [...]}`` -> arrays."""
    data = doc.get("input_data")
    if not isinstance(data, list) or not data:
        raise InputError(f"{where}: 'input_data' must be a non-empty list of lists")
    if not isinstance(data[0], list):
        data = [data]
    shapes = doc.get("input_shapes") or []
    out = []
    for i, d in enumerate(data):
        try:
            a = np.asarray(d, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise InputError(f"{where}: input {i} is not a list of numbers") from None
        if i < len(shapes) and shapes[i] is not None and int(np.prod(shapes[i])) == a.size:
            a = a.reshape([int(s) for s in shapes[i]])
        out.append(a)
    return out


def read_model_inputs(inputs) -> list:
    """Float arrays, one per model input, from any accepted form: a path to an ezkl-style
    JSON, .npy or .npz file; such a JSON document as a dict; one numpy array; or a list of
    array-likes (one per input; a list of plain numbers is one input)."""
    from .onnx.inputs import read_inputs

    if isinstance(inputs, (str, os.PathLike)):
        return read_inputs(os.fspath(inputs))
    if isinstance(inputs, dict):
        return _inputs_from_doc(inputs, "input")
    if isinstance(inputs, np.ndarray):
        return [inputs]
    if isinstance(inputs, (list, tuple)) and inputs:
        if all(isinstance(x, (int, float, np.number)) for x in inputs):
            return [np.asarray(inputs, dtype=np.float64)]
        try:
            return [np.asarray(x, dtype=np.float64) for x in inputs]
        except (TypeError, ValueError):
            raise InputError("inputs: not arrays of numbers") from None
    raise InputError(f"inputs: expected a file path, a dict, an array or a list of arrays, "
                     f"got {type(inputs).__name__}")


def quantize_inputs(program, inputs, where: str = "input") -> list:
    """Model inputs (any form of :func:`read_model_inputs`) -> int64 arrays of the program,
    checked against the model's shapes and declared ranges."""
    from .onnx.inputs import match_inputs
    from .onnx.compiled import CompiledModel, InputSpec

    specs = [InputSpec(t.name, tuple(t.shape), t.scale, t.kind, t.lo, t.hi)
             for t in (program.tensors[i] for i in program.inputs)]
    arrays = match_inputs(read_model_inputs(inputs), [s.name for s in specs])
    if len(arrays) != len(specs):
        raise InputError(f"{where}: model has {len(specs)} inputs, got {len(arrays)}")
    return CompiledModel(where, program, specs).quantize_inputs(arrays)


def _dequantize(program, tids, values) -> list:
    return [np.asarray(v, dtype=np.float64) / 2.0 ** program.tensors[t].scale
            for t, v in zip(tids, values)]


# ------------------------------------------------------------------ proofs


@dataclass
class Proof:
    """A proof file's bytes, with the dequantized outputs when known (after proving or
    verifying) and the seconds spent per stage when it was just made."""

    bytes: bytes
    outputs: list | None = None
    inputs: list | None = None
    timings: dict = field(default_factory=dict)

    @property
    def digest(self) -> bytes:
        """The verifying-key digest the proof claims to be for."""
        return _split(self.bytes)[0]

    def save(self, path) -> None:
        atomic_write(path, self.bytes)

    @classmethod
    def load(cls, path) -> "Proof":
        return cls(read_bytes(path, "proof"))

    def __len__(self) -> int:
        return len(self.bytes)


def _wrap(digest: bytes, inner: bytes) -> bytes:
    w = Writer()
    w.bytes_(PROOF_MAGIC.encode())
    w.u8(PROOF_VERSION).digest(digest).bytes_(inner)
    return w.getvalue()


def _split(data: bytes) -> tuple:
    if not data.startswith(Writer().bytes_(PROOF_MAGIC.encode()).getvalue()):
        raise MalformedProofError("not a veriml proof")
    try:
        r = Reader(data)
        r.bytes_()
        if r.u8() != PROOF_VERSION:
            raise MalformedProofError("unknown proof version")
        digest, inner = r.digest(), r.bytes_()
        r.finish()
    except CodecError as e:
        raise MalformedProofError(f"malformed proof ({e})") from None
    return digest, inner


# ------------------------------------------------------------------ building keys


def build_artifacts(program, params, model_path=None, progress=None) -> Artifacts:
    """Plan, commit the weights and encode the keys of a quantized ``program``."""
    from .pcs import PcsParams
    from .prover.plan import build_plan
    from .prover.system import ProverKey, commit_weights

    progress = progress or (lambda stage: None)
    progress("plan")
    plan = build_plan(program)
    if params is None:  # grinding scaled to the witness: small models skip most of it
        params = PcsParams.for_size(_witness_log_size(plan))
    _witness_size(plan, params)  # fail before committing when the model is too large
    progress("weight commitment")
    commitment, prover_data = commit_weights(plan, params)
    body = encode_vk(program, params, commitment)
    vk, _ = decode_vk(seal(body))  # the verifier sees exactly what a file would give it
    pk = ProverKey(plan=plan, params=params, weights=prover_data, weight_commitment=commitment,
                   digest=vk.digest)
    return Artifacts(vk, body, pk, make_settings(plan, params, vk.digest, model_path))


def _witness_log_size(plan) -> int:
    """log2 of the witness commitment's size (all columns stacked, padded to a power of 2)."""
    return max(sum(1 << c.log_size for c in plan.columns) - 1, 0).bit_length()


def _witness_size(plan, params) -> tuple:
    """(log2 of the witness commitment's size, its bits of security); ModelError if the
    commitment cannot hold it."""
    log_size = _witness_log_size(plan)
    try:
        return log_size, round(params.security_bits(log_size), 1)
    except ValueError as e:
        raise ModelError(f"model too large for the commitment: {e}") from None


def _tensor_info(t, name) -> dict:
    """A tensor's name, shape, kind, scale (value = int / 2^scale) and proven range."""
    return {"name": name, "shape": list(t.shape), "kind": t.kind, "scale": t.scale,
            "range": [t.lo / 2.0**t.scale, t.hi / 2.0**t.scale], "int_range": [t.lo, t.hi]}


def make_settings(plan, params, digest: bytes, model_path=None) -> dict:
    """The human-readable summary written to settings.json."""
    from . import __version__
    from .prover.system import PROTOCOL, weight_tids

    prog = plan.program
    log_size, security = _witness_size(plan, params)
    weights = [prog.nodes[t].attrs["value"] for t in weight_tids(prog)]
    model = {}
    if model_path is not None:
        model = {"model": os.path.basename(os.fspath(model_path)),
                 "model_keccak256": "0x" + keccak256(read_bytes(model_path, "model")).hex()}
    return {
        "veriml_version": __version__,
        "protocol": PROTOCOL,
        **model,
        "vk_digest": "0x" + digest.hex(),
        "inputs": [_tensor_info(prog.tensors[t], prog.tensors[t].name) for t in prog.inputs],
        "outputs": [_tensor_info(prog.tensors[t], n) for t, n in zip(prog.outputs, prog.output_names)],
        "primitives": len(prog.nodes),
        "op_counts": dict(sorted(prog.op_counts().items())),
        "weights": {"tensors": len(weights), "values": int(sum(v.size for v in weights))},
        "witness": {"columns": len(plan.columns), "values": int(sum(1 << c.log_size for c in plan.columns)),
                    "log_size": log_size},
        "pcs": {**{f.name: (list(v) if isinstance(v := getattr(params, f.name), tuple) else v)
                   for f in dataclasses.fields(params)}, "security_bits": security},
    }


# ------------------------------------------------------------------ verbs


def compile(model_path, sample=None, out_dir=None, input_range=None, params=None,  # noqa: A001
            progress=None) -> Artifacts:
    """Quantize an ONNX model and build its proving and verifying keys.

    sample: calibration input (any form of :func:`read_model_inputs`); it fixes dynamic
    shapes and, unless ``input_range`` (inputs lie in [-R, R]) is given, the input range.
    out_dir: write vk.bin, pk.bin and settings.json there. params: PcsParams (default
    ``PcsParams.for_size`` of the witness: the defaults, with grinding scaled down for small
    models). progress: callback called with each of :data:`COMPILE_STAGES`.
    """
    from . import jit
    from .onnx import compile_model

    clock = StageClock(progress)
    jit.ensure_built(clock)  # once per machine: the kernels as native code (a no-op when built)
    clock("import and quantize")
    path = os.fspath(model_path)
    samples = None if sample is None else [read_model_inputs(sample)]
    cm = compile_model(path, samples, input_range=input_range)
    prefix = f"{path}: "
    for node in cm.program.nodes:  # the key must not depend on where the model file was
        if node.origin.startswith(prefix):
            node.origin = node.origin[len(prefix):]
    art = build_artifacts(cm.program, params, path, clock)
    if out_dir is not None:
        clock("write artifacts")
        art.save(out_dir)
    art.timings = clock.stop()
    return art


def load(artifacts, prover: bool = True) -> Artifacts:
    """:class:`Artifacts` from an artifact directory (or, with ``prover=False``, also a
    vk.bin path or a ``system.VerifierKey``); an :class:`Artifacts` is returned as it is."""
    from .prover.system import VerifierKey

    if isinstance(artifacts, VerifierKey) and not prover:
        return Artifacts(artifacts, None)
    if isinstance(artifacts, Artifacts):
        if prover and artifacts.pk is None:
            raise ArtifactError("these artifacts hold no proving key")
        return artifacts
    if isinstance(artifacts, (str, os.PathLike)):
        path = os.fspath(artifacts)
        if not os.path.exists(path):
            raise ArtifactError(f"{path}: no such artifact folder" + ("" if prover else " or vk file"))
        if not prover and not os.path.isdir(path):
            vk, body = read_vk(path)
            return Artifacts(vk, body)
        return Artifacts.load(path, prover=prover)
    raise TypeError(f"expected Artifacts, a VerifierKey or a path, got {type(artifacts).__name__}")


def prove(artifacts, inputs, progress=None) -> Proof:
    """Run the integer model on ``inputs`` and prove it.

    artifacts: :class:`Artifacts` or an artifact directory. inputs: any form of
    :func:`read_model_inputs`. progress: callback called with each of :func:`prove_stages`.
    Returns a :class:`Proof` with the dequantized outputs and per-stage ``timings``.
    """
    from .prover import system

    clock = StageClock(progress)
    clock("load proving key")
    art = load(artifacts, prover=True)
    clock("quantize inputs")
    where = os.fspath(inputs) if isinstance(inputs, (str, os.PathLike)) else "input"
    prog = art.pk.plan.program
    q = quantize_inputs(prog, inputs, where)
    inner, outs = system.prove(art.pk, q, progress=clock)
    timings = clock.stop()
    return Proof(_wrap(art.digest, inner), _dequantize(prog, prog.outputs, outs),
                 _dequantize(prog, prog.inputs, q), timings)


def verify(vk, proof, return_inputs: bool = False):
    """Check a proof against a verifying key; return its dequantized public outputs
    (``(inputs, outputs)`` with ``return_inputs``). Raises :class:`ProofError` if invalid.

    vk: :class:`Artifacts`, an artifact directory, a vk.bin path or a ``system.VerifierKey``.
    proof: :class:`Proof`, proof bytes, or a proof file path. Anything the verifier cannot
    parse is an invalid proof (ProofError); unusable key or proof files are ArtifactError.
    """
    from .prover import system

    art = load(vk, prover=False)
    if isinstance(proof, Proof):
        data = proof.bytes
    elif isinstance(proof, (bytes, bytearray, memoryview)):
        data = bytes(proof)
    else:
        data = read_bytes(proof, "proof")
    digest, inner = _split(data)
    if digest != art.digest:
        raise ProofError(f"the proof is for another model (verifying key digest 0x{digest.hex()}, "
                         f"expected 0x{art.digest.hex()})")
    try:
        ins, outs = system.verify(art.vk, inner)
    except ProofError:
        raise
    except Exception as e:  # noqa: BLE001 - a verifier rejects what it cannot parse, never crashes
        raise ProofError(f"malformed proof ({type(e).__name__}: {e})"[:300]) from None
    prog = art.program
    outputs = _dequantize(prog, prog.outputs, outs)
    if isinstance(proof, Proof):
        proof.outputs, proof.inputs = outputs, _dequantize(prog, prog.inputs, ins)
    return (_dequantize(prog, prog.inputs, ins), outputs) if return_inputs else outputs
