"""A two-layer network's forward pass in the hidden suites of backprop and backprop_sigmoid.

`check_forward` judges the student's forward(X, params) -> (Y_hat, cache) against the reference's;
`reference_output` is where a check of a loss or of its gradient takes its Y_hat from.
"""
from __future__ import annotations

from ..diagnosis import Failure
from .compare import assert_close
from .types import as_pair, type_name


def check_forward(student, reference, X, params, *, cache_keys, y_mistakes, cache_mistakes):
    """The student's forward(X, params) against the reference's: Y_hat (N, out), with the known
    mistakes `y_mistakes` named, then cache, a dict holding every key of `cache_keys`, each entry
    with cache_mistakes(key, the reference's cache) named. -> (Y_hat, cache), the student's."""
    result = student.call("forward", X, params).value
    Y_hat, cache = as_pair(result, "forward(X, params)", "(Y_hat, cache)")
    expected, expected_cache = reference.forward(X, params)
    inputs = {"X": X, **params}
    assert_close(Y_hat, expected, what="Y_hat", inputs=inputs, mistakes=y_mistakes)
    if not isinstance(cache, dict) or not set(cache_keys) <= set(cache):
        raise Failure(f"cache should be a dict with keys {', '.join(map(repr, cache_keys))}; got "
                      f"{type_name(cache)}{' with keys ' + str(sorted(cache)) if isinstance(cache, dict) else ''}.",
                      ("wrong_keys",))
    for key in cache_keys:
        assert_close(cache[key], expected_cache[key], what=f"cache[{key!r}]", inputs=inputs,
                     mistakes=cache_mistakes(key, expected_cache))
    return Y_hat, cache


def reference_output(reference, net):
    """(Y_hat (N, out), Y (N, out), N): the reference's prediction for a drawn network
    net = (X, Y, params), its targets, and the batch size."""
    X, Y, params = net
    Y_hat, _ = reference.forward(X, params)
    return Y_hat, Y, Y.shape[0]
