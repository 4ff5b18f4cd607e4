"""One exception hierarchy for everything a user can get wrong.

The CLI catches :class:`VerimlError`, prints ``error: <message>`` on one line and exits 2.
Anything else escaping is a bug in veriml.
"""


class VerimlError(Exception):
    """Base class of every error veriml reports to a user."""


class ModelError(VerimlError):
    """The model file is malformed, or cannot be quantized (e.g. it cannot fit the field)."""


class BoundError(ModelError):
    """An intermediate value could exceed the safe magnitude (|x| < 2^62) of the field."""


class UnsupportedOpError(ModelError):
    """The model uses ONNX operators (or attribute values) veriml does not implement."""


class InputError(VerimlError):
    """The input file is malformed or does not match the model's inputs."""


class ProofError(VerimlError):
    """A proof failed to be produced or verified."""


class MalformedProofError(ProofError):
    """The proof file cannot be read as a veriml proof at all (wrong magic, version or
    framing, truncated): an unusable file, reported with exit code 2 by the CLI. A proof
    that parses but does not verify is a plain :class:`ProofError` (exit code 1)."""
