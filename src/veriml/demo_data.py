"""Procedural MNIST-style digits for the bundled demo model.

``make_digits(n, seed)`` draws ``n`` grey-scale 16x16 images of the digits 0-9, each
rendered from a hand-written stroke glyph (a few polylines in the unit box) with random
size, slant, sub-pixel shift of up to +-2 px, stroke half-width and ink intensity, plus
Gaussian pixel noise. It needs only numpy, is deterministic in ``seed``, and renders
10,000 images in well under a second, so tests and examples can make fresh data instead
of shipping a dataset.

A pixel centred at ``p`` gets ink ``a * clip(r + 1/2 - d(p), 0, 1)``, where ``d(p)`` is the
distance from ``p`` to the nearest stroke segment, ``r`` the stroke half-width and ``a``
the intensity: an anti-aliased thick line.
"""

from __future__ import annotations

import numpy as np

IMAGE_SIZE = 16
NUM_CLASSES = 10
MAX_SHIFT = 2.0  # pixels, each axis
NOISE_STD = 0.08
_CHUNK = 256  # images rendered per vectorized block (bounds peak memory)

# Glyphs as polylines in the unit box, x to the right, y downwards.
_GLYPHS: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5, 0.0), (0.9, 0.15), (1.0, 0.5), (0.9, 0.85), (0.5, 1.0),
         (0.1, 0.85), (0.0, 0.5), (0.1, 0.15), (0.5, 0.0)]],
    1: [[(0.2, 0.25), (0.55, 0.0), (0.55, 1.0)]],
    2: [[(0.0, 0.2), (0.3, 0.0), (0.7, 0.0), (1.0, 0.2), (1.0, 0.4), (0.0, 1.0), (1.0, 1.0)]],
    3: [[(0.0, 0.1), (0.3, 0.0), (0.8, 0.0), (1.0, 0.2), (0.9, 0.42), (0.4, 0.5)],
        [(0.9, 0.42), (1.0, 0.72), (0.8, 1.0), (0.3, 1.0), (0.0, 0.9)]],
    4: [[(0.75, 1.0), (0.75, 0.0), (0.0, 0.65), (1.0, 0.65)]],
    5: [[(1.0, 0.0), (0.1, 0.0), (0.0, 0.45), (0.6, 0.38), (1.0, 0.6),
         (1.0, 0.85), (0.7, 1.0), (0.0, 0.95)]],
    6: [[(0.9, 0.0), (0.4, 0.1), (0.0, 0.5), (0.0, 0.8), (0.3, 1.0), (0.8, 1.0),
         (1.0, 0.8), (1.0, 0.6), (0.7, 0.45), (0.3, 0.45), (0.0, 0.6)]],
    7: [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    8: [[(0.5, 0.0), (0.9, 0.1), (0.9, 0.35), (0.5, 0.48), (0.1, 0.35), (0.1, 0.1), (0.5, 0.0)],
        [(0.5, 0.48), (1.0, 0.62), (1.0, 0.88), (0.5, 1.0), (0.0, 0.88), (0.0, 0.62), (0.5, 0.48)]],
    9: [[(0.1, 1.0), (0.6, 0.9), (1.0, 0.5), (1.0, 0.2), (0.7, 0.0), (0.2, 0.0),
         (0.0, 0.2), (0.0, 0.4), (0.3, 0.55), (0.7, 0.55), (1.0, 0.4)]],
}


def _glyph_segments(digit: int) -> np.ndarray:
    """Stroke segments of one glyph as an ``(S, 2, 2)`` array of endpoints, centred."""
    lines = _GLYPHS[digit]
    segs = [(p, q) for line in lines for p, q in zip(line[:-1], line[1:])]
    return np.array(segs, dtype=np.float32) - np.float32(0.5)


_SEGMENTS = [_glyph_segments(d) for d in range(NUM_CLASSES)]
_PIXELS = np.stack(
    np.meshgrid(np.arange(IMAGE_SIZE), np.arange(IMAGE_SIZE), indexing="xy"), axis=-1
).reshape(-1, 2).astype(np.float32)  # (256, 2) pixel centres as (x, y)


def _render(unit: np.ndarray, geom: np.ndarray) -> np.ndarray:
    """Rasterize one glyph ``unit`` (S, 2, 2) under per-image ``geom`` to (m, 256) ink.

    ``geom`` columns: width, height, slant, centre x, centre y, half-width, intensity.
    A unit point ``(u, v)`` lands at ``(cx + w*u + s*h*v, cy + h*v)``.
    """
    w, h, s, cx, cy, radius, ink = (geom[:, i, None, None] for i in range(7))
    ux, uy = unit[None, :, :, 0], unit[None, :, :, 1]  # (1, S, 2)
    x = cx + w * ux + s * h * uy  # (m, S, 2) endpoints in pixels
    y = cy + h * uy
    ax, ay = x[:, :, :1], y[:, :, :1]  # (m, S, 1)
    abx, aby = x[:, :, 1:] - ax, y[:, :, 1:] - ay
    apx, apy = _PIXELS[:, 0] - ax, _PIXELS[:, 1] - ay  # (m, S, 256)
    inv = 1.0 / np.maximum(abx * abx + aby * aby, np.float32(1e-6))
    t = np.clip((apx * abx + apy * aby) * inv, 0.0, 1.0)  # projection onto the segment
    apx -= t * abx
    apy -= t * aby
    dist = np.sqrt((apx * apx + apy * apy).min(axis=1))  # (m, 256)
    return ink[:, 0] * np.clip(radius[:, 0] + 0.5 - dist, 0.0, 1.0)


def make_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` labelled 16x16 digit images, deterministically in ``seed``.

    Parameters
    ----------
    n : int
        Number of images.
    seed : int
        Seed for ``numpy.random.default_rng``; equal seeds give equal arrays.

    Returns
    -------
    x : numpy.ndarray
        ``float32`` of shape ``(n, 1, 16, 16)``, values in ``[0, 1]``.
    y : numpy.ndarray
        ``int64`` of shape ``(n,)``, labels 0-9, each class ``n // 10`` or
        ``n // 10 + 1`` times, in random order.
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n, dtype=np.int64) % NUM_CLASSES)

    # Per-image geometry: glyph box size, slant, centre; stroke half-width and ink.
    width = rng.uniform(6.0, 8.5, n)
    height = rng.uniform(8.5, 10.5, n)
    slant = rng.uniform(-0.25, 0.25, n)  # x shear per unit of y (from the centre)
    centre = (IMAGE_SIZE - 1) / 2 + rng.uniform(-MAX_SHIFT, MAX_SHIFT, (n, 2))
    radius = rng.uniform(0.45, 1.1, n)
    ink = rng.uniform(0.6, 1.0, n)
    noise = rng.normal(0.0, NOISE_STD, (n, IMAGE_SIZE * IMAGE_SIZE)).astype(np.float32)

    geom = np.stack([width, height, slant, centre[:, 0], centre[:, 1], radius, ink], axis=1)
    geom = geom.astype(np.float32)
    img = np.empty((n, IMAGE_SIZE * IMAGE_SIZE), dtype=np.float32)
    for digit in range(NUM_CLASSES):
        idx = np.flatnonzero(y == digit)
        for lo in range(0, len(idx), _CHUNK):
            part = idx[lo:lo + _CHUNK]
            img[part] = _render(_SEGMENTS[digit], geom[part])
    np.clip(img + noise, 0.0, 1.0, out=img)
    return img.reshape(n, 1, IMAGE_SIZE, IMAGE_SIZE), y
