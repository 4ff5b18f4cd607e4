"""veriml: verifiable machine learning with transparent sumcheck proofs over Goldilocks."""

__version__ = "0.1.0"
