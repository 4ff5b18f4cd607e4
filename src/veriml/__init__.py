"""veriml: verifiable machine learning with transparent sumcheck proofs over Goldilocks.

The verbs (imported on first use, so ``import veriml`` stays light)::

    art = veriml.compile("model.onnx", sample="input.json", out_dir="art/")
    proof = veriml.prove(art, "input.json")
    outputs = veriml.verify("art/vk.bin", proof)   # raises veriml.ProofError if invalid
"""

__version__ = "0.1.0"

_API = {"compile", "prove", "verify", "Proof", "Artifacts", "read_model_inputs"}
_ERRORS = {"VerimlError", "ModelError", "InputError", "ProofError", "ArtifactError"}

__all__ = sorted(_API | _ERRORS) + ["__version__"]


def __getattr__(name):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "ArtifactError":
        from .artifacts import ArtifactError

        return ArtifactError
    if name in _ERRORS:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'veriml' has no attribute {name!r}")
