"""What a claim can be about.

A claim "the multilinear extension of X at point r is v" ends up in one of three places:

* :class:`TensorRef` — a *virtual* tensor of the program (the output of a linear op, an
  input or a weight): the claim joins that tensor's claim list and is later reduced
  through its producer (or checked against the public input / the weight commitment).
  ``out_shape`` lets an operand broadcast to a larger shape take the sub-point of the
  dimensions it has.
* :class:`ColumnRef` — a column of the witness commitment: the claim goes to the
  batched opening at the end.
* :class:`LimbedRef` — a range-checked value committed as ``w``-bit limbs,
  ``value = sum_i 2^(w i) limb_i + offset`` (every limb range-checked by LogUp): the
  prover sends the limb evaluations, the verifier recomposes them. The limb width ``w`` is
  one per plan, chosen from the program (:func:`veriml.prover.plan.build_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass

LIMB_BITS = 16  # the default limb width (the plan picks its own, see plan.choose_limb_bits)


@dataclass(frozen=True)
class TensorRef:
    tid: int
    shape: tuple
    out_shape: tuple | None = None  # set when broadcast to a larger shape


@dataclass(frozen=True)
class ColumnRef:
    col: int


@dataclass(frozen=True)
class LimbedRef:
    cols: tuple  # limb column indices, least significant first
    offset: int
    bits: int
    limb_bits: int = LIMB_BITS

    @property
    def widths(self) -> tuple:
        return limb_widths(self.bits, self.limb_bits)


def limb_widths(bits: int, limb_bits: int = LIMB_BITS) -> tuple:
    """Widths of the limbs of a ``bits``-bit range check: w, w, ..., rest (>= 1)."""
    bits = max(int(bits), 1)
    full, rest = divmod(bits, limb_bits)
    return (limb_bits,) * full + ((rest,) if rest else ())
