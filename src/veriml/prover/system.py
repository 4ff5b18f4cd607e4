"""Proving and verifying one inference of an integer program.

Order of the protocol (the Fiat-Shamir transcript follows it exactly):

1. statement: the verifying key's digest, the public inputs, the public outputs (the
   outputs on their whole padded cube);
2. the witness commitment (every committed column of every op, and the multiplicities);
3. all LogUp arguments (range checks and table lookups), :mod:`veriml.prover.lookups`;
4. every committed op's relations, in program order (claims on its inputs);
5. a random point on each output, then backwards over the program: the claims on each
   virtual tensor are merged into one (a sumcheck over sum_i lambda_i eq(r_i, x) t(x)) and
   reduced through its producer; claims on committed outputs go to the opening, claims
   on inputs are checked against the public input, claims on constants go to the weight
   opening;
6. one opening of the witness and weight commitments together
   (:func:`veriml.pcs.whir.open_many`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import pcs
from ..codec import CodecError, Reader, Writer
from ..errors import ProofError
from ..field import from_int, to_int
from ..iop import ext as E
from ..transcript import Transcript
from .context import Context, mle, to_arr
from .lookups import multiplicities, prove_lookups
from .ops import OPS
from .ops.base import Filler
from .plan import pad_fill

PROTOCOL = "veriml.model.v1"
VERSION = 2


@dataclass
class ProverKey:
    plan: object
    params: object
    weights: object  # pcs ProverData of the weight commitment (or None)
    weight_commitment: object
    digest: bytes


@dataclass
class VerifierKey:
    plan: object
    params: object
    weight_commitment: object
    digest: bytes


def weight_tids(program) -> list:
    return [n.out for n in program.nodes if n.op == "const"]


def weight_tables(plan) -> list:
    prog = plan.program
    return [from_int(plan.layout(t).pad(prog.nodes[t].attrs["value"], pad_fill(prog.tensors[t])).reshape(-1))
            for t in weight_tids(prog)]


def commit_weights(plan, params):
    tables = weight_tables(plan)
    if not tables:
        return None, None
    return pcs.commit(params, tables)


def execute_padded(plan, inputs) -> list:
    """Every tensor of the program on its whole padded cube (int64 arrays)."""
    prog = plan.program
    values = [None] * len(prog.tensors)
    for tid, x in zip(prog.inputs, inputs):
        values[tid] = plan.layout(tid).pad(np.asarray(x, dtype=np.int64), pad_fill(prog.tensors[tid]))
    for node in prog.nodes:
        if node.op == "input":
            continue
        out = OPS[node.op].execute(node, plan, [values[i] for i in node.inputs])
        values[node.out] = np.ascontiguousarray(out, dtype=np.int64).reshape(plan.layout(node.out).padded)
    return values


def _range_width(t) -> int:
    """Bytes per value (two's complement) of a tensor with values in [t.lo, t.hi]."""
    w = 1
    while not (-(1 << (8 * w - 1)) <= int(t.lo) and int(t.hi) < 1 << (8 * w - 1)):
        w += 1
    return w


def _pack_ints(values: np.ndarray, width: int) -> bytes:
    """int64 values as ``width``-byte big-endian two's complement."""
    u = np.asarray(values, dtype=np.int64).reshape(-1).view(np.uint64)
    return u.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 8 - width:].tobytes()


def _unpack_ints(data: bytes, width: int) -> np.ndarray:
    """Inverse of :func:`_pack_ints` (sign-extends); raises ProofError on a ragged length."""
    if not 1 <= width <= 8 or len(data) % width:
        raise ProofError("malformed packed integers")
    count = len(data) // width
    buf = np.zeros((count, 8), dtype=np.uint8)
    raw = np.frombuffer(data, dtype=np.uint8).reshape(count, width)
    buf[:, 8 - width:] = raw
    if count and width < 8:
        buf[:, : 8 - width] = np.where(raw[:, :1] >= 0x80, 0xFF, 0)  # sign extension
    return buf.view(">u8").reshape(-1).astype(np.uint64).view(np.int64)


def split_proof(proof: bytes) -> dict:
    """The sections of a proof (the layout of :func:`prove`), for tools and tests:
    ``version``; ``inputs`` (padded, as field vectors) with their byte widths
    ``input_widths``; ``outputs`` (padded field vectors); ``witness_commitment``, ``stream``
    and ``opening`` (bytes); ``spans``: the byte range of each section.
    :func:`join_proof` is its inverse. Raises CodecError/ProofError on malformed bytes."""
    r = Reader(proof)
    at = lambda: len(proof) - r.remaining  # noqa: E731
    spans, out = {}, {}
    s = at()
    out["version"] = r.u8()
    spans["header"] = (s, at())
    s = at()
    out["input_widths"], out["inputs"] = [], []
    for _ in range(r.u32()):
        width = r.u8()
        out["input_widths"].append(width)
        out["inputs"].append(from_int(_unpack_ints(r.bytes_(), width)))
    spans["inputs"] = (s, at())
    s = at()
    out["outputs"] = [r.vec_field() for _ in range(r.u32())]
    spans["outputs"] = (s, at())
    for key in ("witness_commitment", "stream", "opening"):
        s = at()
        out[key] = r.bytes_()
        spans[key] = (s, at())
    r.finish()
    out["spans"] = spans
    return out


def join_proof(parts: dict) -> bytes:
    """Proof bytes from the sections of :func:`split_proof` (inputs as field vectors)."""
    w = Writer()
    w.u8(parts["version"])
    w.u32(len(parts["inputs"]))
    for x, width in zip(parts["inputs"], parts["input_widths"], strict=True):
        w.u8(width)
        w.bytes_(_pack_ints(to_int(np.asarray(x, dtype=np.uint64)), width))
    w.u32(len(parts["outputs"]))
    for y in parts["outputs"]:
        w.vec_field(y)
    for key in ("witness_commitment", "stream", "opening"):
        w.bytes_(parts[key])
    return w.getvalue()


def _statement(t: Transcript, digest: bytes, weight_commitment, inputs_padded, outputs_padded) -> None:
    t.absorb_digest("vk", digest)
    if weight_commitment is not None:
        weight_commitment.absorb_into(t)
    for x in inputs_padded:
        t.absorb_field("input", x)
    for y in outputs_padded:
        t.absorb_field("output", y)


def _merge(ctx, tid, claims):
    """Claims (r_i, v_i) on one tensor -> one claim, by a sumcheck of
    sum_x (sum_i lambda_i eq(r_i, x)) t(x) = sum_i lambda_i v_i."""
    if len(claims) == 1:
        return claims[0]
    lams = [E.ONE] + [ctx.challenge("merge/lambda") for _ in claims[1:]]
    n = ctx.plan.layout(tid).num_vars
    claim = E.total(E.mul(l, v) for l, (_, v) in zip(lams, claims))

    def tables():
        from ..poly import multilinear as ML
        acc = np.zeros((1 << n, 2), dtype=np.uint64)
        from ..field import fast
        for l, (p, _) in zip(lams, claims):
            acc = fast.ext_add(acc, fast.ext_mul(ML.eq_table(to_arr(p)), np.array(l, dtype=np.uint64)))
        return [acc, ctx.tensor_field(tid)]

    rho, (ve, vt) = ctx.sumcheck(n, [(1, (0, 1))], 2, tables, claim)
    if ve != E.total(E.mul(l, E.eq(p, rho)) for l, (p, _) in zip(lams, claims)):
        ctx.fail("claim merge: eq combination is wrong")
    return rho, vt


def _run(ctx, inputs_padded, outputs_padded, weight_claims):
    """Steps 3-5, the same text for prover and verifier."""
    plan, prog = ctx.plan, ctx.plan.program
    prove_lookups(ctx)
    for node in prog.nodes:
        op = OPS[node.op]
        if op.is_committed(node):
            op.relations(ctx, node)
    for tid, y in zip(prog.outputs, outputs_padded):
        r = ctx.challenge_point("output/r", plan.layout(tid).num_vars)
        ctx.claims[tid].append((r, mle(y, r)))
    widx = {t: i for i, t in enumerate(weight_tids(prog))}
    inputs = dict(zip(prog.inputs, inputs_padded))
    for node in reversed(prog.nodes):
        claims = ctx.claims.pop(node.out, [])
        if not claims:
            continue
        op = OPS[node.op]
        if node.op == "input":
            for p, v in claims:
                if mle(inputs[node.out], p) != v:
                    ctx.fail(f"claim on input {prog.tensors[node.out].name!r} does not match the public input")
        elif node.op == "const":
            weight_claims.extend((widx[node.out], p, v) for p, v in claims)
        elif op.is_committed(node):
            for p, v in claims:
                ctx.bind(plan.out_refs[node.out], p, v)
        else:
            p, v = _merge(ctx, node.out, claims)
            op.reduce(ctx, node, p, v)


def _pcs_claims(claims):
    return [(c, to_arr(p), np.array(v, dtype=np.uint64)) for c, p, v in claims]


PROVE_STAGES = ("execute", "commit", "lookups and relations", "open")


def prove(pk: ProverKey, inputs, progress=None) -> tuple[bytes, list]:
    """Prove one inference. ``inputs``: quantized int64 arrays, one per program input.
    Returns (proof bytes, output int64 arrays). ``progress(stage)`` is called as each of
    :data:`PROVE_STAGES` starts."""
    progress = progress or (lambda stage: None)
    plan, prog = pk.plan, pk.plan.program
    for tid, x in zip(prog.inputs, inputs):
        t = prog.tensors[tid]
        x = np.asarray(x)
        if x.shape != tuple(t.shape):
            raise ProofError(f"input {t.name!r}: shape {x.shape} != {tuple(t.shape)}")
        if x.size and (int(x.min()) < t.lo or int(x.max()) > t.hi):
            raise ProofError(f"input {t.name!r}: values outside the declared range [{t.lo}, {t.hi}]")
    progress("execute")
    values = execute_padded(plan, inputs)
    filler = Filler(plan)
    for node in prog.nodes:
        op = OPS[node.op]
        if op.is_committed(node):
            op.fill(node, plan, [values[i] for i in node.inputs], values[node.out], filler)
    filler.columns.update(multiplicities(plan, filler.columns))
    cols = [filler.columns[i] for i in range(len(plan.columns))]

    inputs_padded = [from_int(values[t].reshape(-1)) for t in prog.inputs]
    outputs_padded = [from_int(values[t].reshape(-1)) for t in prog.outputs]
    t = Transcript(PROTOCOL)
    _statement(t, pk.digest, pk.weight_commitment, inputs_padded, outputs_padded)
    w = Writer()
    w.u8(VERSION)
    w.u32(len(inputs_padded))
    for tid in prog.inputs:
        width = _range_width(prog.tensors[tid])
        w.u8(width)
        w.bytes_(_pack_ints(values[tid], width))
    w.u32(len(outputs_padded))
    for y in outputs_padded:
        w.vec_field(y)
    wit_cm = wit_pd = None
    progress("commit")
    if cols:
        wit_cm, wit_pd = pcs.commit(pk.params, cols)
        wit_cm.absorb_into(t)
        w.bytes_(wit_cm.to_bytes())
    else:
        w.bytes_(b"")
    ctx = Context(plan, t, prover=True, values=values, columns=cols, limbed=filler.limbed)
    weight_claims = []
    progress("lookups and relations")
    _run(ctx, inputs_padded, outputs_padded, weight_claims)
    progress("open")
    w.bytes_(ctx.w.getvalue())
    items = [(pd, _pcs_claims(cl)) for pd, cl in ((wit_pd, ctx.col_claims), (pk.weights, weight_claims)) if cl]
    w.bytes_(pcs.open_many(pk.params, items, t).to_bytes() if items else b"")
    outs = [plan.layout(tid).unpad(values[tid]).copy() for tid in prog.outputs]
    return w.getvalue(), outs


def verify(vk: VerifierKey, proof: bytes) -> tuple[list, list]:
    """Check a proof; return (input int64 arrays, output int64 arrays). Raises ProofError."""
    plan, prog = vk.plan, vk.plan.program
    try:
        r = Reader(proof)
        if r.u8() != VERSION:
            raise ProofError("unknown proof version")
        if r.u32() != len(prog.inputs):
            raise ProofError("wrong number of inputs in the proof")
        packed = [(r.u8(), r.bytes_()) for _ in prog.inputs]
        if r.u32() != len(prog.outputs):
            raise ProofError("wrong number of outputs in the proof")
        outputs_padded = []
        for tid in prog.outputs:
            y = r.vec_field()
            if y.shape[0] != plan.layout(tid).size:
                raise ProofError(f"output {prog.tensors[tid].name!r} has the wrong size")
            outputs_padded.append(y)
        wit_bytes = r.bytes_()
        stream = r.bytes_()
        opening = r.bytes_()
        r.finish()
    except CodecError as e:
        raise ProofError(f"malformed proof: {e}") from e
    inputs, inputs_padded = [], []
    for tid, (width, data) in zip(prog.inputs, packed):
        t = prog.tensors[tid]
        lay = plan.layout(tid)
        if width != _range_width(t) or len(data) != lay.size * width:
            raise ProofError(f"input {t.name!r} has the wrong size or encoding")
        xi = _unpack_ints(data, width)
        if xi.size and (int(xi.min()) < t.lo or int(xi.max()) > t.hi):
            raise ProofError(f"input {t.name!r}: values outside the declared range")
        v = lay.unpad(xi.reshape(lay.padded))
        if not np.array_equal(lay.pad(v, pad_fill(t)).reshape(-1), xi):
            raise ProofError(f"input {t.name!r}: padding is not canonical")
        inputs.append(v.copy())
        inputs_padded.append(from_int(xi))
    t = Transcript(PROTOCOL)
    _statement(t, vk.digest, vk.weight_commitment, inputs_padded, outputs_padded)
    wit_cm = None
    if plan.columns:
        wit_cm = pcs.Commitment.from_bytes(wit_bytes)
        if list(wit_cm.log_sizes) != [c.log_size for c in plan.columns]:
            raise ProofError("witness commitment does not match the verifying key's column plan")
        wit_cm.absorb_into(t)
    elif wit_bytes:
        raise ProofError("unexpected witness commitment")
    ctx = Context(plan, t, prover=False, reader=Reader(stream))
    weight_claims = []
    _run(ctx, inputs_padded, outputs_padded, weight_claims)
    try:
        ctx.r.finish()
    except CodecError as e:
        raise ProofError(f"malformed proof stream: {e}") from e
    items = [(cm, _pcs_claims(cl)) for cm, cl in ((wit_cm, ctx.col_claims), (vk.weight_commitment, weight_claims)) if cl]
    if not items:
        if opening:
            raise ProofError("unexpected opening")
    else:
        if any(cm is None for cm, _ in items):
            raise ProofError("claims on a commitment the verifying key does not have")
        try:
            ok = pcs.verify_many(vk.params, items, pcs.PcsProof.from_bytes(opening), t)
        except pcs.PcsError as e:
            raise ProofError(f"opening rejected: {e}") from e
        if not ok:
            raise ProofError("opening rejected")
    outs = []
    for tid, y in zip(prog.outputs, outputs_padded):
        lay = plan.layout(tid)
        outs.append(lay.unpad(to_int(y).reshape(lay.padded)).copy())
    return inputs, outs
