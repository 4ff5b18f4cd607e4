"""One function per ONNX op, grouped by family; ``veriml.onnx.table.OP_TABLE`` lists them.

Every function has the signature ``Op(cx, vals) -> list`` where ``cx`` is a
:class:`~veriml.onnx.load.Ctx` and ``vals`` the node's inputs (folded numpy constants,
program Tensors, or None for omitted optional inputs); it returns the node's outputs.
"""
