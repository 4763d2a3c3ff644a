"""Shared hypothesis strategies and fixtures for the hidden suites, parameterized by shape.

Values are small decimals so that a failing case, once shrunk, reads as a concrete example.
Pre-activations stay away from the ReLU kink by construction: X and W1 lie on a 0.1 grid, so
X @ W1 lies on a 0.01 grid, and b1 is drawn from that grid shifted by 0.005; every z1 is then
at least 0.005 from 0 (docs/numerics.md), with no `assume` and no redraw.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

GRADING = "grading"
# Derandomized (the same submission always meets the same cases), no example database, no
# deadline, and no shrinking: the strategies below keep every case small by construction, and a
# stub or a crash would otherwise be re-run hundreds of times while hypothesis shrinks.
settings.register_profile(
    GRADING,
    derandomize=True, database=None, deadline=None, max_examples=12, print_blob=False,
    report_multiple_bugs=False, phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
settings.load_profile(GRADING)

IN, OUT = 4, 4          # the network's input and output widths
KINK_MARGIN = 1e-6      # min |z1| in torch-parity fixtures


def decimals(low=-2.0, high=2.0, step=0.1):
    """Floats on a grid of `step` in [low, high]; shrink towards 0."""
    return st.integers(int(round(low / step)), int(round(high / step))).map(lambda k: round(k * step, 10))


@functools.lru_cache(maxsize=None)
def _grid_arrays(shape, low, high, step):
    """float64 arrays on a grid, drawn as small integers and scaled at once (fast to generate).
    One strategy object per (shape, grid), built once: hypothesis draws from it exactly as from a
    new one, without re-validating it on every draw."""
    return arrays(np.int16, shape, elements=st.integers(int(round(low / step)), int(round(high / step)))).map(
        lambda a: np.round(a * step, 10))


def matrices(rows, cols, low=-2.0, high=2.0, step=0.1):
    """float64 arrays of shape (rows, cols), values on a grid of `step` in [low, high]."""
    return _grid_arrays((rows, cols), low, high, step)


def vectors(size, low=-2.0, high=2.0, step=0.1):
    return _grid_arrays((size,), low, high, step)


sizes = st.integers(1, 6)            # batch sizes N
widths = st.integers(1, 5)           # hidden widths H


def _two_layers(draw, n, hidden, inputs, outputs, b1_shift=0.0):
    """(X (N, inputs), Y (N, outputs) in [0, 1], params {W1, b1 + b1_shift, W2, b2}) on a 0.1 grid."""
    n = draw(sizes) if n is None else n
    hidden = draw(widths) if hidden is None else hidden
    X = draw(matrices(n, inputs))
    Y = draw(matrices(n, outputs, 0.0, 1.0))
    params = {
        "W1": draw(matrices(inputs, hidden)),
        "b1": draw(vectors(hidden)) + b1_shift,
        "W2": draw(matrices(hidden, outputs)),
        "b2": draw(vectors(outputs)),
    }
    return X, Y, params


@st.composite
def networks(draw, n=None, hidden=None):
    """(X (N, 4), Y (N, 4), params) with every pre-activation >= 0.005 away from 0."""
    return _two_layers(draw, n, hidden, IN, OUT, b1_shift=0.005)


def settles(losses) -> bool:
    """A trajectory worth comparing: finite and never above 10 times its start (plus 1). A diverging
    run amplifies the last bit of summation order past any tolerance, so a correct answer could fail
    it; randomized cases drawn per submission (docs/cases.md) must never meet one (`assume` it)."""
    losses = np.asarray(losses, dtype=np.float64)
    return bool(np.all(np.isfinite(losses)) and np.max(losses) <= 10.0 * (abs(float(losses.flat[0])) + 1.0))


def _random_two_layers(seed, n, hidden, scale, inputs, outputs):
    """(X (n, inputs) normal, Y (n, outputs) uniform in [0, 1), params {W1, b1, W2, b2} normal times
    `scale`) from NumPy's generator seeded with `seed`, drawn in that order."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, inputs))
    Y = rng.uniform(size=(n, outputs))
    params = {"W1": scale * rng.normal(size=(inputs, hidden)), "b1": scale * rng.normal(size=hidden),
              "W2": scale * rng.normal(size=(hidden, outputs)), "b2": scale * rng.normal(size=outputs)}
    return X, Y, params


def random_network(seed, n=5, hidden=3, scale=1.0):
    """A float64 network from NumPy's generator; b1 is nudged until |z1| >= KINK_MARGIN everywhere."""
    X, Y, params = _random_two_layers(seed, n, hidden, scale, IN, OUT)
    while np.min(np.abs(X @ params["W1"] + params["b1"])) < KINK_MARGIN:
        params["b1"] = params["b1"] + 10 * KINK_MARGIN
    return X, Y, params


# -- the `gradients` assignment ------------------------------------------------------

step_sizes = st.sampled_from([1e-1, 1e-2, 1e-3, 1e-4])   # finite-difference h where truncation dominates


def points(n=None, low=-3.0, high=3.0):
    """(n,) float64 points on a 0.1 grid; n drawn from 1..4 when not given."""
    return (st.integers(1, 4) if n is None else st.just(n)).flatmap(lambda k: vectors(k, low, high))


# -- the `neuron` assignment -----------------------------------------------------------

features = st.integers(1, 4)          # D, features per example
units = st.integers(1, 4)             # M, units in a layer


@st.composite
def layers(draw, n=None, d=None, m=None):
    """(X (N, D), W (M, D), b (M,)) with every pre-activation X @ W.T + b >= 0.005 away from 0,
    by the grid construction of `networks`."""
    n = draw(sizes) if n is None else n
    d = draw(features) if d is None else d
    m = draw(units) if m is None else m
    return draw(matrices(n, d)), draw(matrices(m, d)), draw(vectors(m)) + 0.005


def labels(n):
    """(n,) float64 labels of 0.0 and 1.0."""
    return arrays(np.int8, (n,), elements=st.integers(0, 1)).map(lambda a: a.astype(np.float64))


@st.composite
def neurons(draw, n=None, d=None):
    """(X (N, D), y (N,), W (1, D), b (1,)) for one sigmoid neuron; logits stay within about +-17."""
    n = draw(sizes) if n is None else n
    d = draw(features) if d is None else d
    return draw(matrices(n, d)), draw(labels(n)), draw(matrices(1, d)), draw(vectors(1))
# -- the 2 -> H -> 1 sigmoid network (backprop_sigmoid) -------------------------
# Sigmoid has no kink, so no margin is needed; values stay small so exp never overflows.

SIGMOID_IN, SIGMOID_OUT = 2, 1


@st.composite
def sigmoid_networks(draw, n=None, hidden=None):
    """(X (N, 2), Y (N, 1), params {W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,)}) on a 0.1 grid, Y in [0, 1]."""
    return _two_layers(draw, n, hidden, SIGMOID_IN, SIGMOID_OUT)


def random_sigmoid_network(seed, n=5, hidden=3, scale=1.0):
    """A float64 2 -> hidden -> 1 sigmoid network and a batch from NumPy's generator; Y in [0, 1]."""
    return _random_two_layers(seed, n, hidden, scale, SIGMOID_IN, SIGMOID_OUT)


def either_side_of_the_kinks(X, params, *, within=1e-12, nudge=1e-12) -> list[dict]:
    """The starts a correct student's own summation order may stand for, when a pre-activation
    z1 = X @ W1 + b1 sits on the ReLU kink (|z1| <= within: 0 in exact arithmetic, e.g. the
    walk-through's z1[0], where NumPy's order gives -2.8e-17 and einsum's +2.8e-17): `params`,
    then `params` with those units' b1 moved `nudge` below and above, so that every library puts
    them on the same side. docs/numerics.md: no check depends on the last bit of summation order."""
    z1 = np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"]
    units = np.flatnonzero(np.any(np.abs(z1) <= within, axis=0))
    if not units.size:
        return [params]
    starts = [params]
    for sign in (-1.0, 1.0):
        b1 = params["b1"].copy()
        b1[units] += sign * nudge
        starts.append({**params, "b1": b1})
    return starts
