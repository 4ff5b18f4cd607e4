"""The reference integer interpreter: one function per primitive, collected in ``PRIMITIVES``.

Every function takes the list of input arrays (int64) and the node's ``attrs`` and returns the
output array (int64).  These are *the* semantics the prover proves; docs/FRONTEND.md lists
them with their proof strategy.  ``execute`` runs a whole :class:`~veriml.ir.graph.Program`
and returns every intermediate tensor (the witness).
"""

from __future__ import annotations

import numpy as np

from veriml.errors import InputError, ModelError
from veriml.ir.tables import get_table
from veriml.ir.windows import take_windows, window_index

#: float64 products are exact while every partial sum stays below 2^53
EXACT_FLOAT_BITS = 53
BLAS_MIN_MACS = 1 << 18  # smaller products stay in int64: BLAS's first call grows the process


def _exact_matmul(a, b, abs_bound):
    """a @ b in int64, through float64 BLAS when ``abs_bound`` proves it exact and the product
    is large enough for BLAS to pay (numpy's integer matmul is a plain loop)."""
    macs = a.size * (b.shape[-1] if b.ndim > 1 else 1)
    if abs_bound < 2**EXACT_FLOAT_BITS and macs >= BLAS_MIN_MACS:
        return np.rint(np.matmul(a.astype(np.float64), b.astype(np.float64))).astype(np.int64)
    return np.matmul(a, b)


def _abs_sum_bound(a, b):
    """Upper bound on every partial sum of a @ b: max|a| * max column L1 norm of b."""
    if a.size == 0 or b.size == 0:
        return 0
    ma = float(np.max(np.abs(a)))
    colsum = np.abs(b.astype(np.float64)).sum(axis=-2)
    return ma * float(colsum.max()) * (1 + 1e-9) + 1


def p_const(xs, attrs):
    """out = attrs['value']."""
    return attrs["value"]


def p_add(xs, attrs):
    """out = a + b (numpy broadcasting)."""
    return xs[0] + xs[1]


def p_sub(xs, attrs):
    """out = a - b (numpy broadcasting)."""
    return xs[0] - xs[1]


def p_mul(xs, attrs):
    """out = a * b elementwise (numpy broadcasting)."""
    return xs[0] * xs[1]


def p_scale_const(xs, attrs):
    """out = c * x for the integer constant c."""
    return xs[0] * np.int64(attrs["c"])


def p_matmul(xs, attrs):
    """out = a @ b, batched with numpy matmul broadcasting (both at least 2-D)."""
    a, b = xs
    return _exact_matmul(a, b, _abs_sum_bound(a, b))


def p_conv(xs, attrs):
    """N-D convolution (cross-correlation) without bias.

    x: (N, C, *S), w: (M, C/groups, *K); attrs strides, pads (begin..., end...), dilations,
    groups.  out[n, m, o] = sum_{c, k} x[n, g*C/g + c, o*stride - pad + k*dil] * w[m, c, k],
    padding reads 0.
    """
    x, w = xs
    g = attrs["groups"]
    n, c = x.shape[:2]
    m = w.shape[0]
    kernel = w.shape[2:]
    idx, outs = window_index(x.shape[2:], kernel, attrs["strides"], attrs["pads"], attrs["dilations"])
    cols = take_windows(x, idx)  # (N, C, K..., O...)
    kp = int(np.prod(kernel, dtype=np.int64))
    op = int(np.prod(outs, dtype=np.int64))
    cols = cols.reshape(n, g, (c // g) * kp, op)
    wm = w.reshape(g, m // g, (c // g) * kp)
    out = _exact_matmul(wm[None], cols, _abs_sum_bound(cols.swapaxes(-1, -2), wm.swapaxes(-1, -2)))
    return out.reshape((n, m) + tuple(outs))


def p_sum(xs, attrs):
    """out = sum of x over ``axes`` (keepdims as given)."""
    return np.sum(xs[0], axis=tuple(attrs["axes"]), keepdims=bool(attrs["keepdims"]), dtype=np.int64)


def p_gather(xs, attrs):
    """out.flat[i] = x.flat[idx.flat[i]], or 0 where idx < 0; out.shape = idx.shape."""
    idx = attrs["idx"]
    xf = xs[0].reshape(-1)
    if xf.size == 0:
        return np.zeros(idx.shape, dtype=np.int64)
    return np.where(idx >= 0, xf[np.maximum(idx, 0)], 0).astype(np.int64)


def p_concat(xs, attrs):
    """out = concatenation of all inputs along ``axis``."""
    return np.concatenate(xs, axis=attrs["axis"])


def p_reshape(xs, attrs):
    """out = x viewed with ``shape`` (same flat order)."""
    return xs[0].reshape(attrs["shape"])


def p_rescale(xs, attrs):
    """Round half up by k bits: out = floor((x + 2^(k-1)) / 2^k).

    Proof: x + 2^(k-1) = out * 2^k + r with 0 <= r < 2^k (range check on r).
    """
    k = attrs["k"]
    if k == 0:
        return xs[0].copy()
    if k > 62:  # |x| < 2^62 <= 2^(k-1): always rounds to 0
        return np.zeros_like(xs[0])
    return (xs[0] + np.int64(1 << (k - 1))) >> np.int64(k)


def p_div(xs, attrs):
    """Floor division by a positive divisor b (tensor, broadcast).

    round=0: out = floor(a / b), a = out*b + r, 0 <= r < b.
    round=1: out = floor((2a + b) / (2b)) (a / b rounded half up), 2a + b = out*2b + r, 0 <= r < 2b.
    """
    a, b = xs
    if b.size and b.min() < 1:
        raise ModelError("div primitive: divisor must be >= 1")
    if attrs.get("round", 0):
        return (2 * a + b) // (2 * b)
    return a // b


def p_clamp(xs, attrs):
    """out = min(max(x, lo), hi)."""
    return np.clip(xs[0], attrs["lo"], attrs["hi"])


def p_max(xs, attrs):
    """out = max(a, b) elementwise (broadcasting)."""
    return np.maximum(xs[0], xs[1])


def p_min(xs, attrs):
    """out = min(a, b) elementwise (broadcasting)."""
    return np.minimum(xs[0], xs[1])


_CMP = {"lt": np.less, "le": np.less_equal, "eq": np.equal, "ne": np.not_equal,
        "gt": np.greater, "ge": np.greater_equal}


def p_cmp(xs, attrs):
    """out = 1 if (a op b) else 0, op in lt/le/eq/ne/gt/ge."""
    return _CMP[attrs["op"]](xs[0], xs[1]).astype(np.int64)


def p_isqrt(xs, attrs):
    """out = floor(sqrt(x)) for x >= 0: out^2 <= x < (out + 1)^2."""
    x = xs[0]
    if x.size and x.min() < 0:
        raise ModelError("isqrt primitive: negative input")
    s = np.floor(np.sqrt(x.astype(np.float64))).astype(np.int64)
    for _ in range(2):
        s = np.where(s * s > x, s - 1, s)
        s = np.where((s + 1) * (s + 1) <= x, s + 1, s)
    return s


def p_sign(xs, attrs):
    """out = -1, 0 or 1."""
    return np.sign(xs[0]).astype(np.int64)


def p_lookup(xs, attrs):
    """out = T[x - lo] for the table T named by attrs (fn, params, s_in, s_out, lo, bits).

    The input must lie in [lo, lo + 2^bits); the front-end proves that at compile time.
    """
    table = get_table(attrs)
    off = xs[0] - attrs["lo"]
    if off.size and (off.min() < 0 or off.max() >= table.size):
        raise ModelError(f"lookup {attrs['fn']}: input outside the table domain")
    return table[off]


PRIMITIVES = {
    "const": p_const,
    "add": p_add,
    "sub": p_sub,
    "mul": p_mul,
    "scale_const": p_scale_const,
    "matmul": p_matmul,
    "conv": p_conv,
    "sum": p_sum,
    "gather": p_gather,
    "concat": p_concat,
    "reshape": p_reshape,
    "rescale": p_rescale,
    "div": p_div,
    "clamp": p_clamp,
    "max": p_max,
    "min": p_min,
    "cmp": p_cmp,
    "isqrt": p_isqrt,
    "sign": p_sign,
    "lookup": p_lookup,
}


def run_node(node, xs):
    """Evaluate one node on its input arrays."""
    return np.asarray(PRIMITIVES[node.op](xs, node.attrs), dtype=np.int64)


def execute(program, inputs):
    """Run the program on integer inputs; return the list of every tensor's value (witness).

    ``inputs`` is a list of int64 arrays, one per program input, already quantized.
    """
    if len(inputs) != len(program.inputs):
        raise InputError(f"expected {len(program.inputs)} inputs, got {len(inputs)}")
    values: list = [None] * len(program.tensors)
    for tid, x in zip(program.inputs, inputs):
        t = program.tensors[tid]
        x = np.asarray(x, dtype=np.int64)
        if x.shape != tuple(t.shape):
            raise InputError(f"input {t.name!r}: shape {x.shape} != {tuple(t.shape)}")
        if x.size and (x.min() < t.lo or x.max() > t.hi):
            raise InputError(f"input {t.name!r}: values outside the declared range")
        values[tid] = x
    for node in program.nodes:
        if node.op == "input":
            continue
        values[node.out] = run_node(node, [values[i] for i in node.inputs])
    return values


def dequantize(program, values):
    """Float outputs: int / 2^scale for every program output."""
    return [values[t].astype(np.float64) / 2.0 ** program.tensors[t].scale for t in program.outputs]
