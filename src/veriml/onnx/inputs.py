"""Reading input files: ezkl-style JSON (``input_data`` / ``input_shapes``), .npy, .npz."""

from __future__ import annotations

import json
import os

import numpy as np

from veriml.errors import InputError


def read_inputs(path, names=None):
    """Return a list of float arrays (one per model input), shaped when the file says so."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".npy":
            return [np.load(path, allow_pickle=False)]
        if ext == ".npz":
            with np.load(path, allow_pickle=False) as z:
                keys = list(z.keys())
                if names and all(n in keys for n in names):
                    keys = list(names)
                return [z[k] for k in keys]
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read input ({type(e).__name__}: {e})"[:300]) from None
    if not isinstance(doc, dict) or "input_data" not in doc:
        raise InputError(f"{path}: expected a JSON object with 'input_data'")
    data = doc["input_data"]
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: 'input_data' must be a non-empty list of lists")
    if not isinstance(data[0], list):
        data = [data]
    shapes = doc.get("input_shapes") or [None] * len(data)
    out = []
    for i, d in enumerate(data):
        try:
            a = np.asarray(d, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise InputError(f"{path}: input {i} is not a list of numbers") from None
        shp = shapes[i] if i < len(shapes) else None
        if shp is not None and int(np.prod(shp)) == a.size:
            a = a.reshape([int(s) for s in shp])
        out.append(a)
    return out


def match_inputs(arrays, names):
    """Pick the model's inputs out of a file that has more (exporters drop unused inputs).

    Names like ``input2``/``input3`` select those positions (1-based); otherwise the first
    ones are taken.
    """
    import re

    if len(arrays) <= len(names):
        return list(arrays)
    nums = [re.fullmatch(r"[A-Za-z_]*?(\d+)", n) for n in names]
    if names and all(nums):
        idx = [int(m.group(1)) for m in nums]
        base = 0 if 0 in idx else 1
        if all(0 <= i - base < len(arrays) for i in idx):
            return [arrays[i - base] for i in idx]
    return list(arrays[:len(names)])
