"""NumPy scalars and 0-d arrays cross the sandbox wire with their shape (a correct np.mean result is a number)."""
import numpy as np

from autograder.sandbox import wire


def test_scalars_and_zero_d_arrays_keep_their_shape():
    message = wire.decode(wire.encode({"scalar": np.float64(7.0), "zero_d": np.array(3.0), "matrix": np.ones((2, 3)).T}))
    assert isinstance(message["scalar"], np.float64) and message["scalar"] == 7.0
    assert message["zero_d"].shape == () and message["matrix"].shape == (3, 2)
