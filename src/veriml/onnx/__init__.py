"""ONNX front-end: import, constant folding and lowering to the integer ISA.

The names below are loaded on first use, so ``veriml.onnx.inputs`` and
``veriml.onnx.compiled`` (all that proving needs) do not import ``onnx``.
"""

__all__ = ["CompiledModel", "compile_model", "load_onnx"]


def __getattr__(name):
    if name in __all__:
        from veriml.onnx import load

        return getattr(load, name)
    raise AttributeError(f"module 'veriml.onnx' has no attribute {name!r}")
