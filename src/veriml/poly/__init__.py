"""Polynomials: multilinear evaluation tables (``multilinear``)."""
