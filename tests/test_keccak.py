"""Keccak-256: pure-Python reference vs numba kernel vs pycryptodome."""

import numpy as np
import pytest

from veriml.hash import keccak as K

LENGTHS = [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 127, 128, 135, 136, 137, 200, 271, 272, 273, 500]


def test_known_vectors():
    # Ethereum's keccak256("") and keccak256("abc"); SHA3-256("") would be a7ffc6f8...
    assert K.keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert K.keccak256_ref(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )


def test_tables_match_their_definitions():
    assert [int(x) for x in K.ROUND_CONSTANTS] == K._derive_round_constants()
    assert tuple(K._derive_rotation_offsets()) == K.ROTATION_OFFSETS


@pytest.mark.parametrize("length", LENGTHS)
def test_reference_batch_and_pycryptodome_agree(length):
    rng = np.random.default_rng(length)
    n = 6  # not a multiple of 4: exercises the short last group of the x4 kernel
    msgs = rng.integers(0, 256, size=(n, length), dtype=np.uint8)
    batch = K.keccak256_batch(msgs)
    assert batch.shape == (n, 32) and batch.dtype == np.uint8
    for i in range(n):
        m = msgs[i].tobytes()
        assert batch[i].tobytes() == K.keccak256(m) == K.keccak256_ref(m)


def test_batch_many_lengths_against_pycryptodome():
    rng = np.random.default_rng(0)
    for length in range(0, 300, 13):
        msgs = rng.integers(0, 256, size=(5, length), dtype=np.uint8)
        got = K.keccak256_batch(msgs)
        for i in range(5):
            assert got[i].tobytes() == K.keccak256(msgs[i].tobytes())


def test_batch_parallel_path():
    rng = np.random.default_rng(1)
    n = K.PARALLEL_THRESHOLD + 3
    msgs = rng.integers(0, 256, size=(n, 64), dtype=np.uint8)
    got = K.keccak256_batch(msgs)
    for i in [0, 1, 1023, 1024, n - 4, n - 1]:
        assert got[i].tobytes() == K.keccak256(msgs[i].tobytes())


def test_batch_empty_and_bad_input():
    assert K.keccak256_batch(np.zeros((0, 10), dtype=np.uint8)).shape == (0, 32)
    with pytest.raises(ValueError):
        K.keccak256_batch(np.zeros((2, 3), dtype=np.uint16))


def test_permutation_x4_matches_reference():
    rng = np.random.default_rng(2)
    states = [[int(v) for v in rng.integers(0, 2**64, 25, dtype=np.uint64)] for _ in range(4)]
    s = np.array(states, dtype=np.uint64).T.reshape(-1).copy()  # s[4*j + k] = lane j of state k
    K.keccak_f1600_x4(s)
    for k in range(4):
        assert [int(v) for v in s[k::4]] == K.keccak_f1600_ref(states[k])


def test_lane_conversions_round_trip():
    d = np.random.default_rng(3).integers(0, 256, (7, 32), dtype=np.uint8)
    assert np.array_equal(K.lanes_to_digests(K.digests_to_lanes(d)), d)


def test_kernels_load_from_cache():
    """A fresh process loads the kernels from numba's on-disk cache instead of compiling
    (numba's JIT path: ``VERIML_AOT=0`` leaves any ahead-of-time build aside)."""
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from veriml.hash import keccak as K, merkle as M\n"
        "from veriml import transcript as T\n"
        "K.keccak256_batch(np.zeros((2, 5), dtype=np.uint8))\n"
        "M.MerkleTree.build(np.zeros((4, 3), dtype=np.uint64))\n"
        "T.Transcript('cache').grind(2)\n"
        "fs = [K._keccak256_rows, M._build_serial, T._grind_serial]\n"
        "print(min(sum(f.stats.cache_hits.values()) for f in fs),"
        " sum(sum(f.stats.cache_misses.values()) for f in fs))\n"
    )
    env = {**os.environ, "VERIML_AOT": "0"}
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)  # writes the cache
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    hits, misses = map(int, out.stdout.split())
    assert hits >= 1 and misses == 0


def test_single_message_fast_path_matches_reference_and_threads():
    import os
    import threading

    from veriml.hash import keccak as KK

    assert KK._raw is not None  # the C one-shot path is in use
    for n in (0, 1, 31, 32, 43, 64, 135, 136, 137, 272, 1000):
        d = os.urandom(n)
        want = KK.keccak256_ref(d)
        assert KK.keccak256(d) == want == KK.keccak256(bytearray(d)) == KK.keccak256(memoryview(d))
        assert KK._keccak256_pycryptodome(d) == want
    out = {}

    def worker(i):
        out[i] = [KK.keccak256(bytes([i]) * k) for k in range(50)]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert out[i] == [KK.keccak256_ref(bytes([i]) * k) for k in range(50)]
