"""The model cases together exercise every primitive of the prover's op table and every
attribute variant the front-end emits (so a new primitive or variant needs a new case)."""

from prover_cases import CASES, PROGRAMS
from veriml.ir.execute import PRIMITIVES
from veriml.prover.ops import OPS


def _nodes(cases):
    for name in list(CASES) + list(PROGRAMS):
        c = cases.get(name)
        for node in c.program.nodes:
            yield c, node


def test_every_primitive_and_variant_is_covered(cases):
    seen = set()
    for c, node in _nodes(cases):
        a = node.attrs
        seen.add(node.op)
        if node.op == "cmp":
            seen.add(("cmp", a["op"]))
        elif node.op == "div":
            seen.add(("div", int(a.get("round", 0)), c.plan.node_data[node.out][0]))
        elif node.op == "conv":
            spatial = len(c.program.tensors[node.inputs[0]].shape) - 2
            seen.add(("conv", f"{spatial}d"))
            if int(a["groups"]) > 1:
                seen.add(("conv", "groups"))
            for key in ("strides", "dilations"):
                if any(int(v) != 1 for v in a[key]):
                    seen.add(("conv", key))
            if any(int(v) != 0 for v in a["pads"]):
                seen.add(("conv", "pads"))
        elif node.op == "matmul":
            sa, sb = (c.program.tensors[i].shape for i in node.inputs)
            seen.add(("matmul", "batched" if len(sa) > 2 or len(sb) > 2 else "2d"))
            if tuple(sa[:-2]) != tuple(sb[:-2]):
                seen.add(("matmul", "broadcast"))
        elif node.op == "lookup":
            seen.add(("lookup", a["fn"]))
        elif node.op == "sum":
            seen.add(("sum", "keepdims" if a["keepdims"] else "drop"))
        elif node.op == "clamp":
            seen.add(("clamp", "pow2" if c.plan.node_data[node.out][3] is None else "u"))
        elif node.op == "rescale" and 0 < a["k"] <= 62:
            seen.add(("rescale", "k"))
        if any(len(c.program.tensors[t].shape) == 0 for t in (node.out, *node.inputs)):
            seen.add(("scalar", node.op))
    want = set(OPS) | set(PRIMITIVES)
    want |= {("cmp", op) for op in ("lt", "le", "gt", "ge", "eq", "ne")}
    want |= {("div", r, m) for r in (0, 1) for m in ("narrow", "wide")}
    want |= {("conv", v) for v in ("1d", "2d", "groups", "strides", "dilations", "pads")}
    want |= {("matmul", v) for v in ("2d", "batched", "broadcast")}
    want |= {("lookup", f) for f in ("sigmoid", "tanh", "exp", "erf", "phi")}
    want |= {("sum", "keepdims"), ("sum", "drop"), ("rescale", "k"), ("clamp", "pow2"), ("clamp", "u")}
    missing = want - seen
    assert not missing, sorted(map(str, missing))
    assert any(k[0] == "scalar" for k in seen if isinstance(k, tuple))
