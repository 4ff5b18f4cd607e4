"""Test session settings.

``veriml.compile`` builds the native kernels once per machine (``veriml.jit``); the tests
leave that to ``tests/test_jit.py``, which builds them into a temporary folder, so a run on
a fresh machine exercises numba's JIT path everywhere else and the native path there.
"""

import os

os.environ.setdefault("VERIML_AOT_BUILD", "0")
