"""The few Fiat-Shamir calls the IOPs make, in one place.

Protocols talk to a transcript only through these helpers, so they depend on the narrow
interface ``absorb_ext(label, (k, 2) uint64)``, ``absorb_field(label, uint64 array)`` and
``challenge_ext(label) -> (2,) uint64`` of :class:`veriml.transcript.Transcript`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import ext as E


def absorb_ext(transcript, label: str, values: Sequence[E.Ext] | np.ndarray) -> None:
    arr = values if isinstance(values, np.ndarray) else E.to_array(values)
    transcript.absorb_ext(label, np.ascontiguousarray(arr, dtype=np.uint64).reshape(-1, 2))


def absorb_ints(transcript, label: str, values: Sequence[int]) -> None:
    """Public shape parameters (sizes, counts); each must be < p."""
    transcript.absorb_field(label, np.array(list(values), dtype=np.uint64))


def challenge(transcript, label: str) -> E.Ext:
    return E.ext(transcript.challenge_ext(label))
