"""Import an ONNX file and lower it, node by node, into an integer Program.

Values flowing between ONNX nodes are either folded constants (numpy arrays) or
:class:`~veriml.ir.graph.Tensor` s of the program being built.  A node whose inputs are all
constants is folded with ``onnx.reference`` (this removes exporter noise: Shape, Gather,
Cast, Unsqueeze, ConstantOfShape, Range chains); any other node is lowered by its function in
``OP_TABLE``.  Shapes are static: dynamic dimensions come from the sample input (or are 1).
"""

from __future__ import annotations

import os

import numpy as np
import onnx
from onnx import numpy_helper

from veriml.errors import InputError, ModelError, UnsupportedOpError, VerimlError
from veriml.ir.graph import Tensor
from veriml.onnx.compiled import CompiledModel, InputSpec  # noqa: F401 - re-exported
from veriml.quant import policy
from veriml.quant.builder import Builder
from veriml.quant.policy import act_scale, ceil_log2, quantize



class Ctx:
    """What an op function sees: the builder, the node's attributes, the opset."""

    def __init__(self, b, node, opset, where):
        self.b = b
        self.node = node
        self.opset = opset
        self.where = where
        self.attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def attr(self, name, default=None):
        v = self.attrs.get(name, default)
        if isinstance(v, bytes):
            v = v.decode()
        if isinstance(v, onnx.TensorProto):
            v = numpy_helper.to_array(v)
        return v

    def unsupported(self, what):
        raise UnsupportedOpError(f"{self.where}: unsupported {what}")


def load_onnx(path):
    """onnx.load with one-line errors."""
    if not os.path.exists(path):
        raise ModelError(f"{path}: no such file")
    try:
        return onnx.load(path)
    except Exception as e:  # noqa: BLE001 - any parse failure is a malformed file
        raise ModelError(f"{path}: not a valid ONNX file ({type(e).__name__})") from None


_ELEM_KIND = {onnx.TensorProto.BOOL: "bool"}
for _t in (onnx.TensorProto.INT8, onnx.TensorProto.INT16, onnx.TensorProto.INT32, onnx.TensorProto.INT64,
           onnx.TensorProto.UINT8, onnx.TensorProto.UINT16, onnx.TensorProto.UINT32, onnx.TensorProto.UINT64):
    _ELEM_KIND[_t] = "int"


def graph_inputs(model):
    """[(name, dims with None for symbolic, kind)] of the real (non-initializer) inputs."""
    inits = {i.name for i in model.graph.initializer}
    res = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tt.shape.dim]
        res.append((vi.name, dims, _ELEM_KIND.get(tt.elem_type, "float")))
    return res


def resolve_shape(dims, n_values=None, given=None):
    """Static shape: the given shape when sizes agree, else dynamic dims from the sample or 1."""
    if given is not None and (n_values is None or int(np.prod(given)) == n_values):
        if not dims or len(given) == len(dims):
            return tuple(int(g) for g in given)
    shape = [d if d is not None else 1 for d in dims]
    if n_values is not None and int(np.prod(shape)) != n_values:
        unknown = [i for i, d in enumerate(dims) if d is None]
        known = int(np.prod([d for d in dims if d is not None]))
        if len(unknown) >= 1 and known and n_values % known == 0:
            shape[unknown[0]] = n_values // known
    return tuple(shape)


def _fold(node, consts, opset_imports, ir_version):
    """Evaluate a node whose inputs are all constants with onnx.reference."""
    from onnx.reference import ReferenceEvaluator

    names = [f"i{k}" if n else "" for k, n in enumerate(node.input)]
    inputs = [onnx.helper.make_tensor_value_info(n, onnx.TensorProto.UNDEFINED, None) for n in names if n]
    outs = [f"o{k}" for k in range(len(node.output))]
    new = onnx.helper.make_node(node.op_type, names, outs, domain=node.domain, **{
        a.name: onnx.helper.get_attribute_value(a) for a in node.attribute})
    g = onnx.helper.make_graph([new], "fold", inputs,
                               [onnx.helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in outs])
    m = onnx.helper.make_model(g, opset_imports=opset_imports)
    m.ir_version = ir_version
    feeds = {n: np.asarray(c) for n, c in zip(names, consts) if n}
    res = ReferenceEvaluator(m).run(None, feeds)
    return [np.asarray(r) for r in res]


def _shapes_str(vals):
    return " ".join("x".join(map(str, v.shape)) if hasattr(v, "shape") else "?" for v in vals)


def compile_model(path, samples=None, input_range=None, strict=True, model=None):
    """Import and quantize ``path``.

    samples: list of calibration samples, each a list of float arrays (one per input); the
    first is "the" sample input.  None uses a seeded standard-normal sample.
    input_range: declared real range R (inputs in [-R, R]) for every input; default from
    the samples (policy.INPUT_MARGIN).
    strict: raise on the first unsupported/failing node; otherwise record it in ``rows``.
    """
    from veriml.onnx.table import OP_TABLE

    model = model if model is not None else load_onnx(path)
    g = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    b = Builder()
    env: dict = {}
    for init in g.initializer:
        try:
            env[init.name] = numpy_helper.to_array(init)
        except Exception:  # noqa: BLE001
            raise ModelError(f"{path}: cannot read initializer {init.name!r}") from None
    ins = graph_inputs(model)
    if samples is None:
        rng = np.random.default_rng(0)
        samples = [[rng.standard_normal(resolve_shape(d)) if k == "float" else np.zeros(resolve_shape(d))
                    for _, d, k in ins]]
    from veriml.onnx.inputs import match_inputs

    samples = [match_inputs(s, [n for n, _, _ in ins]) for s in samples]
    if any(len(s) != len(ins) for s in samples):
        raise InputError(f"{path}: model has {len(ins)} inputs, sample has {len(samples[0])}")
    specs = []
    for k, (name, dims, kind) in enumerate(ins):
        arrs = [np.asarray(s[k], dtype=np.float64) for s in samples]
        shape = resolve_shape(dims, arrs[0].size, arrs[0].shape if arrs[0].ndim else None)
        if any(a.size != int(np.prod(shape)) for a in arrs):
            raise InputError(f"{path}: input {name!r} has {arrs[0].size} values, model expects shape {list(shape)}")
        arrs = [a.reshape(shape) for a in arrs]
        m = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrs)
        if kind == "float":
            r = float(input_range) if input_range else 2.0**ceil_log2(max(policy.INPUT_MARGIN * m, 1.0))
            s = act_scale(r)
            lim = int(np.floor(r * 2.0**s))
        else:
            s = 0
            lim = int(input_range) if input_range else max(2 * int(np.ceil(m)), 1)
        t = b.input([quantize(a, s) for a in arrs], s, -lim, lim, name, kind)
        env[name] = t
        specs.append(InputSpec(name, shape, s, kind, -lim, lim))
    rows = []
    broken = set()
    for i, node in enumerate(g.node):
        name = node.name or f"{node.op_type}_{i}"
        where = f"{path}: node '{name}' ({node.op_type})"
        b.origin = where
        if any(n in broken for n in node.input if n):
            broken.update(node.output)
            rows.append((name, node.op_type, "", "", "skipped (after unsupported)"))
            continue
        try:
            try:
                vals = [env[n] if n else None for n in node.input]
            except KeyError as e:
                raise ModelError(f"{where}: input {e.args[0]!r} is not produced by any node") from None
            n_before = len(b.program.nodes)
            if node.domain not in ("", "ai.onnx"):
                raise UnsupportedOpError(f"{where}: unsupported op domain {node.domain!r}")
            if all(not isinstance(v, Tensor) for v in vals) and node.op_type not in ("Shape",):
                try:
                    outs = _fold(node, vals, model.opset_import, model.ir_version)
                except Exception as e:  # noqa: BLE001
                    raise ModelError(f"{where}: constant folding failed ({type(e).__name__}: {e})"[:300]) from None
                status = "folded"
            else:
                fn = OP_TABLE.get(node.op_type)
                if fn is None:
                    raise UnsupportedOpError(f"{where}: unsupported op {node.op_type}")
                try:
                    outs = fn(Ctx(b, node, opset, where), vals)
                except VerimlError:
                    raise
                except Exception as e:  # noqa: BLE001 - odd attributes/shapes: report, no traceback
                    raise ModelError(f"{where}: cannot lower this node ({type(e).__name__}: {e})"[:400]) from e
                status = f"ok ({len(b.program.nodes) - n_before} prims)"
            for n, v in zip(node.output, outs):
                if n:
                    env[n] = v
            scales = " ".join(str(v.scale) if isinstance(v, Tensor) else "c" for v in outs)
            rows.append((name, node.op_type, _shapes_str(outs), scales, status))
        except VerimlError as e:
            if strict:
                raise
            broken.update(node.output)
            rows.append((name, node.op_type, "", "", f"UNSUPPORTED: {e}" if isinstance(e, UnsupportedOpError)
                         else f"ERROR: {e}"))
    if broken:
        return CompiledModel(path, b.program, specs, rows)
    from veriml.quant.qops import as_tensor

    for o in g.output:
        if o.name not in env:
            raise ModelError(f"{path}: graph output {o.name!r} is not produced by any node")
        b.origin = f"{path}: output '{o.name}'"
        t = as_tensor(b, env[o.name])
        b.output(t, o.name)
    names = {k: v.id for k, v in env.items() if isinstance(v, Tensor)}
    return CompiledModel(path, b.program, specs, rows, names)
