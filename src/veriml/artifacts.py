"""Compiled-model artifacts: the verifying key, the proving key and ``settings.json``.

An artifact directory holds three files, each written to a temporary file and renamed:

* ``vk.bin``, the verifying key: the integer program *without* its constant values
  (shapes, scales, proven intervals, attributes including index maps), the PCS parameters
  and the commitment to the weights. Its canonical encoding ``E`` (below) defines the key
  digest ``D = keccak256(E)``, which prover and verifier absorb first into the transcript:
  a proof is bound to the model's structure and, through the commitment, to its weights.
  The file is ``E || D``, so a damaged file is detected before it is used.
* ``pk.bin``, the proving key: ``D`` and the constant values. Loading it recommits the
  weights and checks the root against the verifying key's commitment.
* ``settings.json``: a human-readable summary; prove and verify do not read it.

Encoding (:mod:`veriml.codec`: big-endian fixed-width integers, ``u32`` counts)::

    vk.bin  = E || keccak256(E)
    E       = str "veriml-vk", u8 version (1), str protocol (system.PROTOCOL),
              u32 F, F x (str name, value)            PcsParams fields, declaration order
              bool has_commitment, [bytes_ Commitment.to_bytes()]
              u32 N, N x (tensor, node)               node i writes tensor i
              vec_u32 inputs, vec_u32 outputs, u32 k, k x str, u32 k, k x str  (names)
    tensor  = vec_u32 shape, i64 scale, i64 lo, i64 hi, str kind, str name
    node    = str op, vec_u32 inputs, str origin, u32 A, A x (str key, value)
              keys strictly increasing; a const node has no "value"
    value   = u8 tag, then  0 none | 1 bool: u8 | 2 int: i64 | 3 float: u64 IEEE-754 bits
              | 4 str | 5 tuple: u32 n, n x value | 6 int array: vec_u32 shape, bytes_ i64s
    str     = bytes_ of UTF-8;  i64 = u64 of the two's complement
    pk.bin  = P || keccak256(P)
    P       = str "veriml-pk", u8 version (1), digest D, u32 W, W x bytes_ i64s
              (the constants in weight-commitment order, row-major)

Decoding rejects a wrong trailer, truncation, trailing bytes and any encoding that does
not re-encode to the same bytes, so every key has exactly one encoding.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import struct
from dataclasses import dataclass, field

import numpy as np

from .codec import CodecError, Reader, Writer
from .errors import ModelError, VerimlError
from .hash.keccak import keccak256
from .ir.graph import Node, Program, Tensor

__all__ = ["ArtifactError", "Artifacts", "VK_FILE", "PK_FILE", "SETTINGS_FILE", "encode_vk",
           "decode_vk", "read_vk", "encode_pk", "decode_pk", "seal", "atomic_write", "read_bytes",
           "dump_json"]

VK_FILE, PK_FILE, SETTINGS_FILE = "vk.bin", "pk.bin", "settings.json"
VK_MAGIC, PK_MAGIC, FORMAT_VERSION = "veriml-vk", "veriml-pk", 1
_NONE, _BOOL, _INT, _FLOAT, _STR, _TUPLE, _INTS = range(7)


class ArtifactError(VerimlError):
    """An artifact file is missing, unreadable, damaged or does not fit the others."""


# ------------------------------------------------------------------ files


def read_bytes(path, what: str) -> bytes:
    """The content of ``path``; one-line :class:`ArtifactError` naming it otherwise."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ArtifactError(f"{path}: no such file ({what})") from None
    except OSError as e:
        raise ArtifactError(f"{path}: cannot read {what} ({e.strerror or e})") from None


def _create_temp(path: str) -> tuple[int, str]:
    """A new file beside ``path`` (``O_EXCL``: never someone else's), opened for writing with
    the usual mode (0666 less the umask). ``tempfile.mkstemp`` would do, but importing
    tempfile adds random, shutil, bz2 and lzma to every prove process."""
    d = os.path.dirname(os.path.abspath(path))
    for _ in range(100):
        tmp = os.path.join(d, f".veriml-{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {d}")


def atomic_write(path, data) -> None:
    """Write ``data`` (bytes or str) to a temporary file next to ``path``, then rename it:
    ``path`` is either untouched or complete, and no temporary file is left behind."""
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode()
    try:
        fd, tmp = _create_temp(path)
    except OSError as e:
        raise ArtifactError(f"{path}: cannot write ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def seal(body: bytes) -> bytes:
    """A file's content: ``body`` then its keccak256 (checked by the readers)."""
    return body + keccak256(body)


def _magic(magic: str) -> bytes:
    return Writer().bytes_(magic.encode()).getvalue()


def _unseal(data: bytes, path: str, what: str, magic: str) -> bytes:
    if not data.startswith(_magic(magic)):
        raise ArtifactError(f"{path}: not a veriml {what}")
    body, tail = data[:-32], data[-32:]
    if len(data) < 32 or keccak256(body) != tail:
        raise ArtifactError(f"{path}: damaged {what} (checksum mismatch)")
    return body


# ------------------------------------------------------------------ values


def _put_i64(w: Writer, x: int) -> None:
    if not -(1 << 63) <= x < 1 << 63:
        raise ValueError(f"{x} does not fit in 64 signed bits")
    w.u64(x & ((1 << 64) - 1))


def _get_i64(r: Reader) -> int:
    x = r.u64()
    return x - (1 << 64) if x >> 63 else x


def _put_str(w: Writer, s: str) -> None:
    w.bytes_(s.encode("utf-8"))


def _get_str(r: Reader) -> str:
    return r.bytes_().decode("utf-8")


def _put_value(w: Writer, v, where: str) -> None:
    if v is None:
        w.u8(_NONE)
    elif isinstance(v, (bool, np.bool_)):
        w.u8(_BOOL).bool_(bool(v))
    elif isinstance(v, (int, np.integer)):
        w.u8(_INT)
        _put_i64(w, int(v))
    elif isinstance(v, (float, np.floating)):
        w.u8(_FLOAT).u64(struct.unpack(">Q", struct.pack(">d", float(v)))[0])
    elif isinstance(v, str):
        w.u8(_STR)
        _put_str(w, v)
    elif isinstance(v, (tuple, list)):
        w.u8(_TUPLE).u32(len(v))
        for x in v:
            _put_value(w, x, where)
    elif isinstance(v, np.ndarray) and (v.dtype == np.bool_ or np.issubdtype(v.dtype, np.integer)):
        a = v.astype(np.int64)
        if not np.array_equal(a, v):
            raise ModelError(f"{where}: integer array does not fit int64")
        w.u8(_INTS).vec_u32(a.shape)
        w.bytes_(np.ascontiguousarray(a, dtype=">i8").tobytes())
    else:
        raise ModelError(f"{where}: cannot encode a value of type {type(v).__name__} in the key")


def _get_value(r: Reader):
    tag = r.u8()
    if tag == _NONE:
        return None
    if tag == _BOOL:
        return r.bool_()
    if tag == _INT:
        return _get_i64(r)
    if tag == _FLOAT:
        return struct.unpack(">d", struct.pack(">Q", r.u64()))[0]
    if tag == _STR:
        return _get_str(r)
    if tag == _TUPLE:
        return tuple(_get_value(r) for _ in range(r.u32()))
    if tag == _INTS:
        shape = tuple(r.vec_u32())
        raw = r.bytes_()
        if len(raw) != 8 * int(np.prod(shape, dtype=np.int64)):
            raise CodecError(f"int array of shape {shape} has {len(raw)} bytes")
        return np.frombuffer(raw, dtype=">i8").astype(np.int64).reshape(shape)
    raise CodecError(f"unknown value tag {tag}")


# ------------------------------------------------------------------ verifying key


def encode_vk(program, params, commitment) -> bytes:
    """The canonical encoding ``E`` of a verifying key (constant values left out)."""
    from .prover.system import PROTOCOL

    w = Writer()
    _put_str(w, VK_MAGIC)
    w.u8(FORMAT_VERSION)
    _put_str(w, PROTOCOL)
    fields = dataclasses.fields(params)
    w.u32(len(fields))
    for f in fields:
        _put_str(w, f.name)
        _put_value(w, getattr(params, f.name), f"PCS parameter {f.name}")
    w.bool_(commitment is not None)
    if commitment is not None:
        w.bytes_(commitment.to_bytes())
    w.u32(len(program.nodes))
    for i, (t, n) in enumerate(zip(program.tensors, program.nodes)):
        if t.id != i or n.out != i:
            raise ModelError(f"program is not in canonical order at tensor {i}")
        w.vec_u32(t.shape)
        for x in (t.scale, t.lo, t.hi):
            _put_i64(w, int(x))
        _put_str(w, t.kind)
        _put_str(w, t.name or "")
        _put_str(w, n.op)
        w.vec_u32(n.inputs)
        _put_str(w, n.origin or "")
        attrs = {k: v for k, v in n.attrs.items() if not (n.op == "const" and k == "value")}
        w.u32(len(attrs))
        for k in sorted(attrs):
            _put_str(w, k)
            _put_value(w, attrs[k], f"node {n.origin or i} attribute {k!r}")
    w.vec_u32(program.inputs)
    w.vec_u32(program.outputs)
    for names in (program.input_names, program.output_names):
        w.u32(len(names))
        for s in names:
            _put_str(w, s)
    return w.getvalue()


def _decode_body(body: bytes):
    from . import pcs
    from .prover.system import PROTOCOL

    r = Reader(body)
    if _get_str(r) != VK_MAGIC:
        raise CodecError("not a veriml verifying key")
    if (v := r.u8()) != FORMAT_VERSION:
        raise CodecError(f"verifying key format {v}, this veriml reads {FORMAT_VERSION}")
    if (proto := _get_str(r)) != PROTOCOL:
        raise CodecError(f"made for protocol {proto!r}, this veriml speaks {PROTOCOL!r}")
    kw = {}
    for _ in range(r.u32()):
        name = _get_str(r)
        kw[name] = _get_value(r)
    known = {f.name for f in dataclasses.fields(pcs.PcsParams)}
    if set(kw) != known:
        raise CodecError(f"PCS parameters {sorted(set(kw) ^ known)} differ from this veriml's "
                         f"(made by another version?)")
    params = pcs.PcsParams(**kw)
    commitment = pcs.Commitment.from_bytes(r.bytes_()) if r.bool_() else None
    prog = Program()
    for i in range(r.u32()):
        shape = tuple(r.vec_u32())
        scale, lo, hi = _get_i64(r), _get_i64(r), _get_i64(r)
        prog.tensors.append(Tensor(i, shape, scale, lo, hi, _get_str(r), _get_str(r)))
        op, inputs, origin = _get_str(r), tuple(r.vec_u32()), _get_str(r)
        attrs, last = {}, None
        for _ in range(r.u32()):
            k = _get_str(r)
            if last is not None and k <= last:
                raise CodecError(f"node {i}: attribute keys not strictly increasing")
            attrs[k], last = _get_value(r), k
        if any(j >= i for j in inputs):
            raise CodecError(f"node {i} reads a tensor that is not computed before it")
        prog.nodes.append(Node(op, inputs, attrs, i, origin))
    prog.inputs, prog.outputs = r.vec_u32(), r.vec_u32()
    prog.input_names = [_get_str(r) for _ in range(r.u32())]
    prog.output_names = [_get_str(r) for _ in range(r.u32())]
    r.finish()
    n = len(prog.nodes)
    if any(t >= n or prog.nodes[t].op != "input" for t in prog.inputs) or any(t >= n for t in prog.outputs):
        raise CodecError("model inputs or outputs do not name the right tensors")
    if encode_vk(prog, params, commitment) != body:
        raise CodecError("non-canonical encoding")
    return prog, params, commitment


def decode_vk(data: bytes, path: str = VK_FILE):
    """``vk.bin`` content -> (system.VerifierKey, encoding E). Raises :class:`ArtifactError`."""
    from .prover.plan import build_plan
    from .prover.system import VerifierKey

    body = _unseal(data, path, "verifying key", VK_MAGIC)
    try:
        prog, params, commitment = _decode_body(body)
        plan = build_plan(prog)
    except VerimlError as e:
        raise ArtifactError(f"{path}: unusable verifying key ({e})") from None
    except Exception as e:  # noqa: BLE001 - any failure to decode is a bad file
        raise ArtifactError(f"{path}: unusable verifying key ({type(e).__name__}: {e})"[:300]) from None
    vk = VerifierKey(plan=plan, params=params, weight_commitment=commitment, digest=keccak256(body))
    return vk, body


def read_vk(path):
    """Read a verifying key from ``vk.bin`` or an artifact directory -> (VerifierKey, E)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, VK_FILE)
    return decode_vk(read_bytes(path, "verifying key"), path)


# ------------------------------------------------------------------ proving key


def weight_values(program) -> list:
    from .prover.system import weight_tids

    return [program.nodes[t].attrs["value"] for t in weight_tids(program)]


def encode_pk(program, digest: bytes) -> bytes:
    """``P``: the vk digest and every constant's values (int64, row-major)."""
    w = Writer()
    _put_str(w, PK_MAGIC)
    w.u8(FORMAT_VERSION).digest(digest)
    values = weight_values(program)
    w.u32(len(values))
    for v in values:
        w.bytes_(np.ascontiguousarray(v, dtype=">i8").tobytes())
    return w.getvalue()


def decode_pk(data: bytes, vk, path: str = PK_FILE):
    """``pk.bin`` content and the verifying key -> system.ProverKey (weights recommitted)."""
    from .prover.system import ProverKey, commit_weights, weight_tids

    body = _unseal(data, path, "proving key", PK_MAGIC)
    prog = copy.deepcopy(vk.plan.program)
    tids = weight_tids(prog)
    try:
        r = Reader(body)
        if _get_str(r) != PK_MAGIC or r.u8() != FORMAT_VERSION:
            raise CodecError("not a veriml proving key of this version")
        if r.digest() != vk.digest:
            raise ArtifactError(f"{path} was made for another verifying key than {VK_FILE} "
                                f"(recompile the model)")
        if r.u32() != len(tids):
            raise CodecError("wrong number of weight tensors")
        for tid in tids:
            t = prog.tensors[tid]
            raw = r.bytes_()
            if len(raw) != 8 * t.size:
                raise CodecError(f"weight tensor {tid} has {len(raw) // 8} values, expected {t.size}")
            v = np.frombuffer(raw, dtype=">i8").astype(np.int64).reshape(t.shape)
            if v.size and (int(v.min()) < t.lo or int(v.max()) > t.hi):
                raise CodecError(f"weight tensor {tid} is outside its proven interval")
            prog.nodes[tid].attrs["value"] = v
        r.finish()
    except CodecError as e:
        raise ArtifactError(f"{path}: unusable proving key ({e})") from None
    # the vk's plan over this program: op set-up reads shapes and attributes, never weight
    # values (which are all that differ), so its layouts, columns and index maps are shared
    plan = dataclasses.replace(vk.plan, program=prog)
    commitment, prover_data = commit_weights(plan, vk.params)
    if commitment != vk.weight_commitment:
        raise ArtifactError(f"{path}: the weights do not match the commitment in {VK_FILE}")
    return ProverKey(plan=plan, params=vk.params, weights=prover_data,
                     weight_commitment=commitment, digest=vk.digest)


# ------------------------------------------------------------------ artifacts


@dataclass
class Artifacts:
    """A compiled model: verifying key, proving key (None when only the vk was read), settings.

    ``vk_bytes`` is the canonical encoding ``E`` (None when built from a bare key);
    ``digest`` = keccak256(E).
    """

    vk: object
    vk_bytes: bytes
    pk: object = None
    settings: dict = field(default_factory=dict)
    directory: str | None = None
    timings: dict = field(default_factory=dict)  # seconds per compile stage

    @property
    def digest(self) -> bytes:
        return self.vk.digest

    @property
    def program(self):
        """The program structure (constants without values)."""
        return self.vk.plan.program

    def save(self, directory) -> str:
        """Write vk.bin, pk.bin and settings.json into ``directory`` (created if needed)."""
        if self.pk is None:
            raise ArtifactError("these artifacts hold no proving key to save")
        directory = os.fspath(directory)
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as e:
            raise ArtifactError(f"{directory}: cannot create the artifact directory "
                                f"({e.strerror or e})") from None
        vk_file, pk_file = seal(self.vk_bytes), seal(encode_pk(self.pk.plan.program, self.digest))
        self.settings["files"] = {VK_FILE: len(vk_file), PK_FILE: len(pk_file)}
        for name, data in ((PK_FILE, pk_file), (VK_FILE, vk_file),
                           (SETTINGS_FILE, dump_json(self.settings) + "\n")):
            atomic_write(os.path.join(directory, name), data)
        self.directory = directory
        return directory

    @classmethod
    def load(cls, directory, prover: bool = True) -> "Artifacts":
        """Read an artifact directory; ``prover=False`` reads only the verifying key."""
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise ArtifactError(f"{directory}: no such artifact directory")
        vk, body = read_vk(directory)
        pk = None
        if prover:
            path = os.path.join(directory, PK_FILE)
            pk = decode_pk(read_bytes(path, "proving key"), vk, path)
        settings = {}
        path = os.path.join(directory, SETTINGS_FILE)
        if os.path.exists(path):
            try:
                settings = json.loads(read_bytes(path, "settings"))
            except ValueError:
                settings = {}
        return cls(vk, body, pk, settings, directory)


def dump_json(obj, indent: int = 0) -> str:
    """JSON with one key per line but lists of numbers and strings kept on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(str(k))}: {dump_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(x, (dict, list)) for x in obj):
        return "[\n" + ",\n".join(inner + dump_json(x, indent + 1) for x in obj) + "\n" + pad + "]"
    return json.dumps(obj)
