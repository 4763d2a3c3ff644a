"""The sandbox wire carries plain data only, checked on the way in (autograder/sandbox/wire.py)."""
import json
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from autograder.sandbox import wire

PLAIN = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
         np.float16, np.float32, np.float64, np.complex64, np.complex128]


def test_scalars_and_zero_d_arrays_keep_their_shape():
    message = wire.decode(wire.encode({"scalar": np.float64(7.0), "zero_d": np.array(3.0),
                                       "matrix": np.ones((2, 3)).T}))
    assert isinstance(message["scalar"], np.float64) and message["scalar"] == 7.0
    assert message["zero_d"].shape == () and message["matrix"].shape == (3, 2)


@given(arrays(st.sampled_from(PLAIN), array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_every_plain_array_crosses_unchanged_and_writable(array):
    back = wire.decode(wire.encode({"x": array}))["x"]
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=True) and back.flags.writeable


def test_big_endian_and_non_contiguous_arrays_arrive_as_plain_ones():
    big = np.arange(6, dtype=">f8").reshape(2, 3)
    back = wire.decode(wire.encode({"x": big[:, ::2]}))["x"]
    assert back.dtype == np.float64 and np.array_equal(back, big[:, ::2])


@pytest.mark.parametrize("value", [np.array(["a"]), np.array([object()]), np.zeros(2, dtype=[("a", "f8")]),
                                   np.array(["2026-01-01"], dtype="datetime64[D]")])
def test_what_is_not_plain_numbers_crosses_as_opaque(value):
    assert isinstance(wire.decode(wire.encode({"x": value}))["x"], wire.Opaque)


def test_subclasses_cross_as_their_base_type_read_by_its_own_methods():
    """A namedtuple, a defaultdict or a list subclass is a tuple, a dict or a list under the type
    rule; what the subclass overrides (items, __iter__, __getitem__) never runs on the wire."""
    import collections

    class Hostile(dict):
        def items(self):
            raise RuntimeError("never called")

        def __iter__(self):
            raise RuntimeError("never called")

    class Loud(list):
        def __iter__(self):
            raise RuntimeError("never called")

    pair = collections.namedtuple("Pair", "z p")(np.zeros(2), 1.5)
    sent = {"pair": pair, "counts": collections.defaultdict(float, {"W1": np.ones(1)}),
            "hostile": Hostile(W2=2.0), "loud": Loud([1, (2, 3)])}
    back = wire.decode(wire.encode(sent))
    assert type(back["pair"]) is tuple and np.array_equal(back["pair"][0], np.zeros(2)) and back["pair"][1] == 1.5
    assert type(back["counts"]) is dict and np.array_equal(back["counts"]["W1"], np.ones(1))
    assert back["hostile"] == {"W2": 2.0} and type(back["loud"]) is list and back["loud"] == [1, (2, 3)]


def test_an_object_claiming_to_be_a_dict_crosses_as_opaque():
    class Liar:
        __class__ = property(lambda self: dict)
    assert isinstance(Liar(), dict)
    assert isinstance(wire.decode(wire.encode({"x": Liar()}))["x"], wire.Opaque)


def forged(node, blob):
    header = json.dumps({"d": {"x": node}}).encode()
    return struct.pack(">I", len(header)) + header + struct.pack(">Q", len(blob)) + blob


@pytest.mark.parametrize("node, blob", [
    ({"a": 0, "dt": "|O", "sh": [1]}, b"\0" * 8),              # an object array
    ({"a": 0, "dt": "<U1", "sh": [1]}, b"\0" * 4),             # strings
    ({"a": 0, "dt": ">f8", "sh": [1]}, b"\0" * 8),             # not in the list, even if harmless
    ({"a": 0, "dt": "<f8", "sh": [2]}, b"\0" * 8),             # fewer bytes than the shape needs
    ({"a": 0, "dt": "<f8", "sh": [-1]}, b"\0" * 8),            # a negative dimension
    ({"a": 0, "dt": "<f8", "sh": [2 ** 40, 2 ** 40]}, b"\0" * 8),
    ({"a": 0, "dt": "<f8", "sh": [1] * 40}, b"\0" * 8),        # too many axes
    ({"a": 0, "dt": "<f8", "sh": "8"}, b"\0" * 8),
    ({"a": 1, "dt": "<f8", "sh": [1]}, b"\0" * 8),             # a reference to no array
])
def test_a_malformed_array_is_refused(node, blob):
    with pytest.raises(wire.WireError):
        wire.decode(forged(node, blob))
