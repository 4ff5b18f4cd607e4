"""Quantized building blocks used by the ONNX op functions.

Each helper takes the :class:`~veriml.quant.builder.Builder` and tensors, emits integer
primitives and returns the resulting tensor with its scale chosen by ``policy``.
"""

from __future__ import annotations

import math

import numpy as np

from veriml.errors import BoundError
from veriml.ir.graph import LIMIT_BITS, Tensor
from veriml.ir.tables import FUNCTIONS
from veriml.quant import policy
from veriml.quant.policy import act_scale, ceil_log2, quantize, weight_scale


def bits(n: int) -> int:
    """Number of bits of |n| (0 for 0)."""
    return int(abs(int(n))).bit_length()


# -- constants --------------------------------------------------------------------------
def qconst(b, x, scale=None):
    """A float constant quantized at ``scale`` (default: its own weight scale)."""
    x = np.asarray(x, dtype=np.float64)
    s = weight_scale(x) if scale is None else scale
    return b.const(quantize(x, s), s)


def iconst(b, x, kind="int"):
    """An exact integer constant at scale 0."""
    return b.const(np.asarray(x, dtype=np.int64), 0, kind)


def as_tensor(b, v, scale=None):
    """Turn a folded constant (numpy array) into a tensor; tensors pass through."""
    if isinstance(v, Tensor):
        return v
    v = np.asarray(v)
    if v.dtype.kind in "iub":
        return iconst(b, v.astype(np.int64), "bool" if v.dtype == bool else "int")
    return qconst(b, v, scale)


# -- scale changes ----------------------------------------------------------------------
def to_scale(b, t, s):
    """Exact up-shift (scale_const) or rounding down-shift (rescale) to scale ``s``."""
    if s == t.scale:
        return t
    if s > t.scale:
        return b.emit("scale_const", [t], {"c": 1 << (s - t.scale)}, scale=s, kind=t.kind)
    return b.emit("rescale", [t], {"k": t.scale - s}, scale=s, kind=t.kind)


def relabel(b, t, s, kind=None):
    """Same integers, new scale (a free reshape): multiplies the real value by 2^(t.scale - s)."""
    return b.emit("reshape", [t], {"shape": t.shape}, scale=s, kind=kind or t.kind)


def floor_div_pow2(b, t, k):
    """floor(x / 2^k) as rescale(x - 2^(k-1))."""
    if k <= 0:
        return t
    shifted = b.emit("add", [t, iconst(b, -(1 << (k - 1)))])
    return b.emit("rescale", [shifted], {"k": k}, scale=t.scale - k, kind=t.kind)


def requant(b, t):
    """Rescale a product down to its activation scale, saturating far outside the samples.

    The scale comes from the observed magnitude m (policy.act_scale).  If the proven bound
    exceeds 2^CLAMP_HEADROOM_BITS * m (rounded up to a power of two), a ``clamp`` to that range is
    inserted: the integer model saturates there, and interval bounds stay tight through deep
    networks (loose bounds would otherwise force low precision).
    """
    if t.kind != "float":
        return t
    m = b.observed_maxabs(t)
    target = min(act_scale(m), t.scale)
    y = to_scale(b, t, target)
    if m > 0:
        lim = 2.0 ** (ceil_log2(m) + policy.CLAMP_HEADROOM_BITS + target)
        if lim < 2.0**(LIMIT_BITS - 2) and y.bound > lim:
            # [-lim, lim - 1]: a power-of-two width, proven by one range check (prover/ops/compare.py)
            y = b.emit("clamp", [y], {"lo": -int(lim), "hi": int(lim) - 1})
    extra = bits(y.bound) - policy.ACT_BOUND_BITS
    if extra > 0:
        y = to_scale(b, y, y.scale - extra)
    return y


def shrink(b, t, max_bits):
    """Drop precision until the bound fits in ``max_bits`` bits."""
    extra = bits(t.bound) - max_bits
    if extra > 0 and t.kind == "float":
        return to_scale(b, t, t.scale - extra)
    return t


def align(b, *ts):
    """Bring tensors to one common scale (the finest one that keeps bounds below 2^56)."""
    s = max(t.scale for t in ts)
    while s > min(t.scale for t in ts) and any(
            bits(t.bound) + max(s - t.scale, 0) > 56 for t in ts):
        s -= 1
    return [to_scale(b, t, s) for t in ts]


# -- arithmetic -------------------------------------------------------------------------
def add(b, x, y):
    x, y = align(b, as_tensor(b, x, _scale_of(x, y)), as_tensor(b, y, _scale_of(y, x)))
    return b.emit("add", [x, y], kind=_kind(x, y))


def sub(b, x, y):
    x, y = align(b, as_tensor(b, x, _scale_of(x, y)), as_tensor(b, y, _scale_of(y, x)))
    return b.emit("sub", [x, y], kind=_kind(x, y))


def _scale_of(v, other):
    """Constants added to a tensor are quantized at the tensor's scale."""
    if isinstance(v, Tensor) or not isinstance(other, Tensor):
        return None
    return max(other.scale, weight_scale(v)) if np.asarray(v).dtype.kind == "f" else None


def _kind(*ts):
    kinds = {t.kind for t in ts}
    return "float" if "float" in kinds else "int"


def _pow2_exponent(c):
    c = np.asarray(c, dtype=np.float64)
    if c.size != 1 or c.reshape(-1)[0] <= 0:
        return None
    m, e = math.frexp(float(c.reshape(-1)[0]))
    return e - 1 if m == 0.5 else None


def mul(b, x, y):
    """Elementwise product with rounding back to an activation scale."""
    if not isinstance(x, Tensor):
        x, y = y, x
    if not isinstance(y, Tensor):
        e = _pow2_exponent(y)
        if e is not None and x.kind == "float" and np.broadcast_shapes(x.shape, np.shape(y)) == x.shape:
            return relabel(b, x, x.scale - e)
        y = as_tensor(b, y)
    x, y = fit_product(b, x, y, 1)
    t = b.emit("mul", [x, y], scale=x.scale + y.scale, kind=_kind(x, y))
    return requant(b, t)


def fit_product(b, x, y, k):
    """Lower operand precision until k * |x| * |y| < 2^(LIMIT_BITS - 1)."""
    budget = LIMIT_BITS - 1 - bits(max(k, 1))
    over = bits(x.bound) + bits(y.bound) - budget
    if over > 0:
        x = shrink(b, x, max(bits(x.bound) - (over + 1) // 2, 1))
        over = bits(x.bound) + bits(y.bound) - budget
        if over > 0:
            y = shrink(b, y, max(bits(y.bound) - over, 1))
    if bits(x.bound) + bits(y.bound) > budget:
        raise BoundError(f"{b.origin}: product cannot fit the field even at low precision")
    return x, y


def matmul(b, x, w):
    """x @ w for tensors or constants (constants quantized at their weight scale)."""
    x, w = as_tensor(b, x), as_tensor(b, w)
    k = x.shape[-1]
    x, w = fit_product(b, x, w, k)
    t = b.emit("matmul", [x, w], scale=x.scale + w.scale)
    return requant(b, t)


def relu(b, x):
    return b.emit("max", [x, iconst(b, 0)], kind=x.kind)


def neg(b, x):
    return b.emit("scale_const", [x], {"c": -1}, kind=x.kind)


def absval(b, x):
    s = b.emit("sign", [x], scale=0, kind="int")
    return b.emit("mul", [x, s], scale=x.scale, kind=x.kind)


# -- lookups ----------------------------------------------------------------------------
def lookup(b, x, fn, lo, hi, params=(), s_out=None, bits_max=None):
    """y = f(x) through a table on the real domain [lo, hi] (x is clamped to it first)."""
    bits_max = bits_max or policy.TABLE_BITS
    s_in = min(x.scale, bits_max - ceil_log2(max(hi - lo, 2.0**-30)))
    x = to_scale(b, x, s_in)
    lo_i = int(math.floor(lo * 2.0**s_in))
    hi_i = int(math.floor(hi * 2.0**s_in))
    lo_i, hi_i = max(lo_i, x.lo), min(hi_i, x.hi)
    if hi_i < lo_i:
        lo_i = hi_i = min(max(x.lo, lo_i), hi_i)
    if x.lo < lo_i or x.hi > hi_i:
        x = b.emit("clamp", [x], {"lo": lo_i, "hi": hi_i})
    nbits = max(1, (hi_i - lo_i).bit_length())
    if s_out is None:
        grid = np.linspace(lo_i, hi_i, 4097) / 2.0**s_in
        with np.errstate(all="ignore"):
            fv = np.nan_to_num(FUNCTIONS[fn](grid, *params), nan=0.0, posinf=0.0, neginf=0.0)
        s_out = act_scale(float(np.max(np.abs(fv))))
    params = tuple(float(p) for p in params)
    k = _segment_bits(fn, params, lo_i, hi_i, s_in, s_out, nbits, x.size)
    if k:
        return _interpolated_lookup(b, x, fn, params, s_in, s_out, k)
    attrs = {"fn": fn, "params": params, "s_in": s_in, "s_out": s_out, "lo": lo_i, "bits": nbits}
    return b.emit("lookup", [x], attrs, scale=s_out)


def _segment_bits(fn, params, lo_i, hi_i, s_in, s_out, nbits, n):
    """Segment width 2^k (input steps) for an interpolated lookup of ``fn``, or 0 for a
    direct table: k is the largest width whose linear-interpolation error
    ``max|f''| h^2 / 8`` (h = 2^k input steps, with a 1.5x margin on the sampled f'') stays
    within one output step 2^-s_out, used when its two tables and per-element steps are
    smaller than the direct table."""
    if fn not in policy.SMOOTH_FUNCTIONS or nbits < policy.INTERP_MIN_BITS:
        return 0
    grid = np.linspace(lo_i, hi_i + 1, 8193) / 2.0**s_in
    d = grid[1] - grid[0]
    with np.errstate(all="ignore"):
        fv = FUNCTIONS[fn](grid, *params)
    f2 = float(np.max(np.abs(np.diff(fv, 2)))) / d**2 * 1.5 if fv.size > 2 else 0.0
    if not np.isfinite(f2):
        return 0
    h = math.sqrt(8.0 * 2.0**-s_out / f2) if f2 > 0 else math.inf
    k = min(int(math.floor(math.log2(h * 2.0**s_in))) if np.isfinite(h) else nbits,
            nbits - policy.INTERP_MIN_SEGMENT_BITS)
    if k < 1 or 2 * 2 ** (nbits - k) + policy.INTERP_COLUMNS * n >= 2**nbits:
        return 0
    return k


def _interpolated_lookup(b, x, fn, params, s_in, s_out, k):
    """y = T0[j] + round(T1[j] * r / 2^k) with x = j 2^k + r, 0 <= r < 2^k: two tables on
    the coarse index j (f at the segment starts, and its forward difference over one
    segment) instead of one on x; every step is an existing primitive, so each is proven
    (the split by ``rescale``'s remainder check, the product by ``mul``) and the integer
    interpreter computes exactly what the prover proves."""
    j = floor_div_pow2(b, x, k)  # scale s_in - k
    r = b.emit("sub", [x, to_scale(b, j, s_in)], scale=s_in, kind=x.kind)  # 0 <= r < 2^k
    h = 2.0 ** (k - s_in)
    common = {"s_in": s_in - k, "s_out": s_out, "lo": j.lo, "bits": max(1, (j.hi - j.lo).bit_length())}
    t0 = b.emit("lookup", [j], {"fn": fn, "params": params, **common}, scale=s_out)
    t1 = b.emit("lookup", [j], {"fn": "d:" + fn, "params": (h, *params), **common}, scale=s_out)
    slope = b.emit("mul", [t1, r], scale=s_out + k, kind=x.kind)  # t1 * r / 2^k at scale s_out
    return b.emit("add", [t0, to_scale(b, slope, s_out)], scale=s_out, kind=x.kind)


def observed_range(b, x, margin=2.0):
    """A domain [lo, hi] covering the observed values with margin (for non-saturating f)."""
    vals = np.concatenate([v.reshape(-1) for v in b.values[x.id]]) / 2.0**x.scale
    lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
    mid, half = (lo + hi) / 2, max((hi - lo) / 2, 2.0**-8)
    lo_r, hi_r = mid - margin * half, mid + margin * half
    # never wider than the proven bound
    return max(lo_r, x.lo / 2.0**x.scale), min(hi_r, x.hi / 2.0**x.scale)


# -- reductions, division, roots --------------------------------------------------------
def index_map(b, x, f, kind=None):
    """Any data movement: out = gather(x, f(arange)) (f maps an index array, -1 = zero)."""
    src = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    idx = np.ascontiguousarray(np.asarray(f(src), dtype=np.int64))
    if idx.size == x.size and np.array_equal(idx.reshape(-1), np.arange(x.size)):
        if idx.shape == x.shape:
            return x
        return b.emit("reshape", [x], {"shape": idx.shape}, kind=kind or x.kind)
    return b.emit("gather", [x], {"idx": idx}, kind=kind or x.kind)


def reduce_pairwise(b, x, axis, op, keepdims=True):
    """max/min over ``axis`` by a tree of pairwise ``op`` nodes on gathered halves."""
    axis = axis % len(x.shape)
    x = index_map(b, x, lambda a: np.moveaxis(a, axis, -1))
    while x.shape[-1] > 1:
        n = x.shape[-1]
        h = (n + 1) // 2
        first = index_map(b, x, lambda a: a[..., :h])
        second = index_map(b, x, lambda a: np.concatenate([a[..., h:], a[..., n - 1:n]], -1)[..., :h])
        x = b.emit(op, [first, second], kind=x.kind)
    x = index_map(b, x, lambda a: np.moveaxis(a, -1, axis))
    if not keepdims:
        x = index_map(b, x, lambda a: np.squeeze(a, axis))
    return x


def reduce_sum(b, x, axes, keepdims=True):
    if not axes:
        return x
    n = int(np.prod([x.shape[a] for a in axes]))
    x = shrink(b, x, LIMIT_BITS - 1 - bits(n))
    return b.emit("sum", [x], {"axes": tuple(sorted(axes)), "keepdims": int(keepdims)}, kind=x.kind)


def div_const_round(b, x, n):
    """x / n for a positive integer n, rounded half up (same scale)."""
    if n == 1:
        return x
    return b.emit("div", [x, iconst(b, n)], {"round": 1}, kind=x.kind)


def mean(b, x, axes, keepdims=True):
    n = int(np.prod([x.shape[a] for a in axes]))
    s = reduce_sum(b, x, axes, keepdims)
    return div_const_round(b, s, n)


def divide(b, x, d, s_out=None, limit=None):
    """x / d for tensors (any sign of d; division by 0 gives 0), rounded half up.

    The quotient saturates at +-limit (real units); by default 2^DIV_HEADROOM_BITS times the
    largest quotient seen on the samples, so that later bounds stay finite and useful.
    """
    sign = b.emit("sign", [d], scale=0, kind="int")
    ad = b.emit("mul", [d, sign], kind=d.kind)
    ad = b.emit("max", [ad, iconst(b, 1)], kind=d.kind)
    if s_out is None:
        num = _observed_ratio(b, x, d)
        s_out = min(act_scale(num), policy.S_MAX_ACT)
    # result scale = x.scale + shift - d.scale
    shift = s_out - x.scale + ad.scale
    if shift < 0:
        x = to_scale(b, x, x.scale + shift)
        shift = 0
    budget = LIMIT_BITS - 2
    if bits(x.bound) + shift > budget:
        cut = bits(x.bound) + shift - budget
        shift -= cut
        s_out -= cut
    xs = to_scale(b, x, x.scale + shift) if shift > 0 else x
    q = b.emit("div", [xs, ad], {"round": 1}, scale=s_out)
    if limit is None:  # saturate far beyond the observed quotients (keeps bounds useful)
        limit = 2.0 ** (ceil_log2(max(_observed_ratio(b, x, d), 1.0)) + policy.DIV_HEADROOM_BITS)
    lim = int(min(limit * 2.0**s_out, 2.0**(LIMIT_BITS - 2)))
    if q.hi > lim or q.lo < -lim:
        q = b.emit("clamp", [q], {"lo": -lim, "hi": lim})
    return b.emit("mul", [q, sign], scale=s_out)


def _observed_ratio(b, x, d):
    best = 0.0
    for xv, dv in zip(b.values[x.id], b.values[d.id]):
        xv = xv / 2.0**x.scale
        dv = np.abs(dv / 2.0**d.scale)
        with np.errstate(all="ignore"):
            r = np.where(dv > 0, np.abs(xv) / np.where(dv > 0, dv, 1), 0.0)
        best = max(best, float(np.max(r)) if r.size else 0.0)
    return best


def sqrt(b, x, s_out=None):
    """sqrt of max(x, 0) by the isqrt primitive: isqrt(x * 2^(2 s_out - s))."""
    if x.lo < 0:
        x = relu(b, x)
    if s_out is None:
        s_out = act_scale(math.sqrt(max(b.observed_maxabs(x), 0.0)))
    shift = 2 * s_out - x.scale
    if shift < 0:
        # rescale down to an even scale
        x = to_scale(b, x, 2 * s_out)
        shift = 0
    while bits(x.bound) + shift > LIMIT_BITS - 1:
        s_out -= 1
        shift -= 2
        if shift < 0:
            x = to_scale(b, x, 2 * s_out)
            shift = 0
    xs = to_scale(b, x, x.scale + shift) if shift else x
    return b.emit("isqrt", [xs], scale=s_out)


def recip(b, x, s_out=None):
    """1 / x via divide (exact division, no table)."""
    one = b.const(np.array(1 << 20, dtype=np.int64), 20)
    ones = one
    return divide(b, ones, x, s_out)
