"""Canonical proof codec: round trips and every rejection case."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veriml.codec import GOLDILOCKS_P, CodecError, Reader, Writer

P = GOLDILOCKS_P
felts = st.integers(min_value=0, max_value=P - 1)


def sample_writer():
    w = Writer()
    w.u8(7).bool_(True).u32(123456).u64(2**64 - 1).felt(P - 1)
    w.field(np.array([0, 1, P - 1], dtype=np.uint64))
    w.ext(np.array([[1, 2], [P - 1, 0]], dtype=np.uint64))
    w.digest(bytes(range(32)))
    w.bytes_(b"hello")
    w.vec_u32([1, 2, 3]).vec_u64([2**63]).vec_field([5, 6])
    w.vec_ext(np.array([[7, 8]], dtype=np.uint64))
    w.vec_digest([bytes(32), b"\xff" * 32])
    return w


def read_sample(r):
    out = [r.u8(), r.bool_(), r.u32(), r.u64(), r.felt(), r.field(3).tolist(), r.ext(2).tolist(),
           r.digest(), r.bytes_(), r.vec_u32(), r.vec_u64(), r.vec_field().tolist(),
           r.vec_ext().tolist(), [bytes(d) for d in r.vec_digest()]]
    r.finish()
    return out


def test_round_trip_and_layout():
    data = sample_writer().getvalue()
    got = read_sample(Reader(data))
    assert got == [7, True, 123456, 2**64 - 1, P - 1, [0, 1, P - 1], [[1, 2], [P - 1, 0]],
                   bytes(range(32)), b"hello", [1, 2, 3], [2**63], [5, 6], [[7, 8]],
                   [bytes(32), b"\xff" * 32]]
    assert data[:6] == b"\x07\x01\x00\x01\xe2\x40"  # u8, bool, big-endian u32
    assert Writer().vec_field([1]).getvalue() == b"\x00\x00\x00\x01" + (1).to_bytes(8, "big")
    assert Writer().bytes_(b"ab").getvalue() == b"\x00\x00\x00\x02ab"
    assert Writer().ext([[1, 2]]).getvalue() == (1).to_bytes(8, "big") + (2).to_bytes(8, "big")


def test_every_truncation_is_rejected():
    data = sample_writer().getvalue()
    for cut in range(len(data)):
        with pytest.raises(CodecError):
            read_sample(Reader(data[:cut]))


def test_trailing_bytes_rejected():
    data = sample_writer().getvalue()
    with pytest.raises(CodecError, match="trailing"):
        read_sample(Reader(data + b"\x00"))


def test_noncanonical_field_rejected():
    for enc in [P, P + 1, 2**64 - 1]:
        raw = enc.to_bytes(8, "big")
        with pytest.raises(CodecError, match="non-canonical"):
            Reader(raw).field(1)
        with pytest.raises(CodecError, match="non-canonical"):
            Reader(raw).felt()
        with pytest.raises(CodecError, match="non-canonical"):
            Reader((1).to_bytes(8, "big") + raw).ext(1)  # c1 non-canonical
        with pytest.raises(CodecError, match="non-canonical"):
            Reader(b"\x00\x00\x00\x01" + raw).vec_field()
    assert Reader((P - 1).to_bytes(8, "big")).felt() == P - 1


def test_bad_bool_rejected():
    with pytest.raises(CodecError, match="bool"):
        Reader(b"\x02").bool_()


def test_oversized_counts_rejected():
    for method, item in [("vec_u32", 4), ("vec_u64", 8), ("vec_field", 8), ("vec_ext", 16),
                         ("vec_digest", 32), ("bytes_", 1)]:
        # count of 2 with room for only one item; and a huge count
        with pytest.raises(CodecError, match="count"):
            getattr(Reader(b"\x00\x00\x00\x02" + bytes(item)), method)()
        with pytest.raises(CodecError, match="count"):
            getattr(Reader(b"\xff\xff\xff\xff" + bytes(64)), method)()


def test_writer_rejects_invalid_values():
    w = Writer()
    for bad in [lambda: w.u8(256), lambda: w.u32(-1), lambda: w.u64(2**64), lambda: w.felt(P),
                lambda: w.field([P]), lambda: w.ext([[0, P]]), lambda: w.ext([1, 2, 3]),
                lambda: w.digest(b"x" * 31), lambda: w.vec_field([-1])]:
        with pytest.raises(ValueError):
            bad()
    assert w.getvalue() == b""


def test_codec_error_is_value_error():
    assert issubclass(CodecError, ValueError)


@settings(max_examples=60, deadline=None)
@given(st.lists(felts, max_size=20), st.lists(st.tuples(felts, felts), max_size=10),
       st.binary(max_size=50), st.lists(st.integers(0, 2**32 - 1), max_size=5))
def test_round_trip_property(fs, es, blob, u32s):
    w = Writer().vec_field(np.array(fs, dtype=np.uint64)).vec_ext(
        np.array(es, dtype=np.uint64).reshape(-1, 2)).bytes_(blob).vec_u32(u32s)
    data = w.getvalue()
    r = Reader(data)
    assert r.vec_field().tolist() == fs
    assert [tuple(x) for x in r.vec_ext().tolist()] == es
    assert r.bytes_() == blob
    assert r.vec_u32() == u32s
    r.finish()
    # canonical: re-encoding the decoded object gives the same bytes
    w2 = Writer().vec_field(fs).vec_ext(np.array(es, dtype=np.uint64).reshape(-1, 2))
    assert data.startswith(w2.bytes_(blob).vec_u32(u32s).getvalue())


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=80))
def test_decode_arbitrary_bytes_is_canonical(data):
    """Whatever decodes successfully re-encodes to exactly the input bytes."""
    r = Reader(data)
    try:
        fs = r.vec_field()
        blob = r.bytes_()
        r.finish()
    except CodecError:
        return
    assert Writer().vec_field(fs).bytes_(blob).getvalue() == data
