"""How scales are chosen (no calibration search: one rule per kind of tensor).

A tensor at scale ``s`` holds ``int = round(real * 2^s)``.

* weights/constants: ``s = W_BITS - 1 - ceil(log2(max|w|))`` (so ``|int| < 2^W_BITS``),
  capped to ``[-S_CAP, S_CAP]``;
* activations: after every product the result is rescaled to
  ``s = A_BITS - 1 - ceil(log2(max|observed|))`` where ``observed`` are the values on the
  sample input(s), capped to ``[-S_CAP, S_MAX_ACT]`` and never finer than it already is; the
  scale is lowered further while the proven bound exceeds ``2^ACT_BOUND_BITS``, so the next
  product has head room below 2^62; where the proven bound exceeds ``2^CLAMP_HEADROOM_BITS``
  times the observed magnitude, a ``clamp`` saturates the value there (see ``qops.requant``);
* the model input: declared range ``[-R, R]`` with ``R = 2^ceil(log2(INPUT_MARGIN * max|x|))``
  over the sample(s) unless the user declares it; scale as for activations of magnitude R.
"""

from __future__ import annotations

import math

import numpy as np

W_BITS = 20
A_BITS = 20
S_MAX_ACT = 20
S_CAP = 40
ACT_BOUND_BITS = 44
INPUT_MARGIN = 2.0
#: products saturate at 2^CLAMP_HEADROOM_BITS x their largest observed magnitude
CLAMP_HEADROOM_BITS = 8
#: tensor / tensor quotients saturate at 2^DIV_HEADROOM_BITS x the largest observed one
DIV_HEADROOM_BITS = 8
#: table address width of the lookup primitive (saturating functions)
TABLE_BITS = 18
#: smooth functions (bounded f'' on their table domain) get interpolated lookups: two
#: tables of 2^(bits - k) rows (f and its difference per segment of 2^k input steps)
#: instead of one of 2^bits, when that is smaller counting INTERP_COLUMNS per element
SMOOTH_FUNCTIONS = frozenset({"sigmoid", "tanh", "exp", "erf", "phi", "gelu_tanh", "softplus",
                              "tanh_softplus", "sin", "cos", "atan"})
INTERP_MIN_BITS = 12
INTERP_MIN_SEGMENT_BITS = 6
INTERP_COLUMNS = 8


def ceil_log2(x: float) -> int:
    """Smallest e with 2^e >= x (x > 0)."""
    m, e = math.frexp(float(x))
    return e - 1 if m == 0.5 else e


def weight_scale(w) -> int:
    """Scale of a constant float tensor."""
    w = np.asarray(w, dtype=np.float64)
    m = float(np.max(np.abs(w))) if w.size else 0.0
    if not np.isfinite(m):
        m = 2.0**30
    if m == 0.0:
        return 0
    return int(np.clip(W_BITS - 1 - ceil_log2(m), -S_CAP, S_CAP))


def act_scale(maxabs: float) -> int:
    """Scale of an activation whose observed magnitude is ``maxabs`` (real units)."""
    if not maxabs or not np.isfinite(maxabs):
        return S_MAX_ACT
    return int(np.clip(A_BITS - 1 - ceil_log2(maxabs), -S_CAP, S_MAX_ACT))


def quantize(x, scale: int):
    """round(x * 2^scale) as int64 (round half up, matching the rescale primitive)."""
    y = np.floor(np.asarray(x, dtype=np.float64) * 2.0**scale + 0.5)
    lim = 2.0**62
    return np.clip(np.nan_to_num(y, nan=0.0, posinf=lim, neginf=-lim), -lim, lim).astype(np.int64)
