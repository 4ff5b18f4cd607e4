"""Tensor layouts for proving: every dimension padded to a power of two.

A tensor of shape (d_1, ..., d_k) is the multilinear polynomial over the bits of
(D_1, ..., D_k), D_i = 2^ceil(log2 d_i): its index is the row-major index over the padded
dimensions and its point is the concatenation of one block of coordinates per dimension
(most significant bit first, the convention of :mod:`veriml.poly.multilinear`). Keeping
the dimensions apart lets matmul, convolution and reductions run their sumchecks over the
bits of one dimension, and lets a broadcast operand (a dimension of size 1, no bits) use
the sub-point of the dimensions it has.

Padding entries are *computed*, not zero: every primitive is executed on the whole padded
cube (see :func:`veriml.prover.system.execute_padded`), so each primitive's relation holds at every point
of the cube, and a contraction (matmul, sum, convolution) masks its summed dimension with
the valid-entry indicator, whose multilinear extension the verifier evaluates in O(bits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..iop import ext as E


def log2_ceil(d: int) -> int:
    return max(0, (int(d) - 1).bit_length())


@dataclass(frozen=True)
class Layout:
    shape: tuple

    @property
    def bits(self) -> tuple:
        return tuple(log2_ceil(d) for d in self.shape)

    @property
    def padded(self) -> tuple:
        return tuple(1 << b for b in self.bits)

    @property
    def num_vars(self) -> int:
        return sum(self.bits)

    @property
    def size(self) -> int:
        return 1 << self.num_vars

    def dim_slices(self) -> list:
        """For each dimension, the slice of point coordinates that belongs to it."""
        out, at = [], 0
        for b in self.bits:
            out.append(slice(at, at + b))
            at += b
        return out

    def pad(self, values: np.ndarray, fill: int = 0) -> np.ndarray:
        """The unpadded array placed in the padded cube, other entries ``fill`` (int64)."""
        out = np.full(self.padded, fill, dtype=np.int64)
        out[tuple(slice(0, d) for d in self.shape)] = values
        return out

    def unpad(self, padded: np.ndarray) -> np.ndarray:
        return np.asarray(padded).reshape(self.padded)[tuple(slice(0, d) for d in self.shape)]

    def padded_index(self) -> np.ndarray:
        """padded flat index of each unpadded entry, in unpadded row-major order."""
        grids = np.indices(self.shape, dtype=np.int64).reshape(len(self.shape), -1) if self.shape else np.zeros((0, 1), np.int64)
        flat = np.zeros(grids.shape[1], dtype=np.int64)
        for axis, d in enumerate(self.padded):
            flat = flat * d + grids[axis]
        return flat

    def valid_mle(self, point) -> E.Ext:
        """MLE of the indicator of the unpadded entries, at ``point`` (list of Ext): the
        product over dimensions of the prefix indicator of [0, d_i)."""
        acc = E.ONE
        for d, sl in zip(self.shape, self.dim_slices()):
            acc = E.mul(acc, E.prefix_indicator(point[sl], d))
        return acc

    def valid_table(self) -> np.ndarray:
        out = np.zeros(self.padded, dtype=np.uint64)
        out[tuple(slice(0, d) for d in self.shape)] = 1
        return out.reshape(-1)


def broadcast_point(out_shape: tuple, operand_shape: tuple, point: list) -> list:
    """The coordinates of ``point`` (a point of the padded ``out_shape`` cube) that an
    operand broadcast to ``out_shape`` (numpy rules) depends on."""
    out_l = Layout(tuple(out_shape))
    slices = out_l.dim_slices()
    off = len(out_shape) - len(operand_shape)
    sub = []
    for i, d in enumerate(operand_shape):
        if d == out_shape[off + i]:
            sub.extend(point[slices[off + i]])
        elif d != 1:
            raise ValueError(f"shape {operand_shape} does not broadcast to {out_shape}")
    return sub


def broadcast_table(values: np.ndarray, operand_shape: tuple, out_shape: tuple) -> np.ndarray:
    """The padded operand broadcast over the padded output cube (flat int64)."""
    op_l = Layout(tuple(operand_shape))
    out_l = Layout(tuple(out_shape))
    v = np.asarray(values).reshape(op_l.padded)
    v = v.reshape((1,) * (len(out_shape) - len(operand_shape)) + op_l.padded)
    return np.ascontiguousarray(np.broadcast_to(v, out_l.padded)).reshape(-1)
