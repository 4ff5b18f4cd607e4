"""ONNX front-end: import, constant folding and lowering to the integer ISA."""

from veriml.onnx.load import CompiledModel, compile_model, load_onnx

__all__ = ["CompiledModel", "compile_model", "load_onnx"]
