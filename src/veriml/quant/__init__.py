"""Quantization: float ONNX semantics lowered to the integer ISA with automatic scales."""
