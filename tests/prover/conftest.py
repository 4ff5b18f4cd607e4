"""Fixtures of the prover suite (helpers and model cases: ``prover_cases.py``)."""

import numpy as np
import pytest

from prover_cases import CASES, PROGRAMS, Proved, compile_and_prove, program_case


class _Cache:
    """Each model case compiled and proven once per session, on first use."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory.mktemp("models")
        self.cases = {}

    def get(self, name) -> Proved:
        if name not in self.cases:
            if name in PROGRAMS:
                self.cases[name] = program_case(name, PROGRAMS[name])
            else:
                path, arrays = self.source(name)
                self.cases[name] = compile_and_prove(name, path, arrays)
        return self.cases[name]

    def source(self, name):
        """(path, float inputs) of a case, rebuilt (same seed, same values)."""
        rng = np.random.default_rng(sum(map(ord, name)))
        return CASES[name](self.tmp, rng)


@pytest.fixture(scope="session")
def cases(tmp_path_factory):
    return _Cache(tmp_path_factory)
