"""The gradients reference solution against torch autograd (float64) and the numbers of texts 003/004."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing.oracle_gradients import (bowl_torch, derivative, descent_path, gradient, hill, hill_torch,
                                                 texts_polynomial, texts_polynomial_torch, wavy, wavy_torch)
from solutions import gradients as ref

finite = st.floats(-3.0, 3.0, allow_nan=False)


@given(x=finite)
def test_central_difference_matches_torch(x):
    assert ref.central_difference(wavy, x, 1e-5) == pytest.approx(derivative(wavy_torch, x), rel=1e-9, abs=1e-9)


@given(x=finite)
def test_forward_difference_error_is_first_order(x):
    """Error ~ h/2 f''(x): at h = 1e-4 within 1e-3 of the exact derivative."""
    assert ref.forward_difference(wavy, x, 1e-4) == pytest.approx(derivative(wavy_torch, x), abs=1e-3)


def test_central_beats_forward_and_errors_shrink_like_h_and_h_squared():
    exact = derivative(wavy_torch, 1.0)
    errors = ref.difference_errors(wavy, exact, 1.0, np.array([1e-1, 1e-2, 1e-3]))
    assert errors.shape == (3, 2) and errors.dtype == np.float64
    assert np.all(errors[:, 1] < errors[:, 0])
    forward_ratio = errors[:-1, 0] / errors[1:, 0]
    central_ratio = errors[:-1, 1] / errors[1:, 1]
    np.testing.assert_allclose(forward_ratio, 10.0, rtol=0.1)
    np.testing.assert_allclose(central_ratio, 100.0, rtol=0.01)


def test_rounding_takes_over_for_tiny_h():
    """Below h ~ 1e-5 the central difference gets worse again: rounding error ~ eps * |f| / h."""
    exact = derivative(wavy_torch, 1.0)
    errors = ref.difference_errors(wavy, exact, 1.0, np.array([1e-5, 1e-7, 1e-11]))
    assert errors[0, 1] < errors[1, 1] < errors[2, 1]


@given(point=st.lists(finite, min_size=1, max_size=5).map(np.array))
def test_gradient_matches_torch(point):
    np.testing.assert_allclose(ref.gradient(hill, point, 1e-5), gradient(hill_torch, point), rtol=1e-7, atol=1e-7)


@given(point=st.lists(finite, min_size=2, max_size=2).map(np.array))
def test_bowl_and_its_gradient_match_torch(point):
    assert ref.f_loss(point) == pytest.approx(float(bowl_torch(torch.tensor(point))), rel=1e-15)
    np.testing.assert_allclose(ref.grad_f(point), gradient(bowl_torch, point), rtol=1e-15)


@given(start=st.lists(finite, min_size=1, max_size=4).map(np.array), lr=st.floats(0.01, 0.2),
       steps=st.integers(0, 10))
def test_gradient_descent_matches_torch(start, lr, steps):
    path = ref.gradient_descent(lambda p: gradient(hill_torch, p), start, lr, steps)
    assert path.shape == (steps + 1, start.shape[0])
    np.testing.assert_allclose(path, descent_path(hill_torch, start, lr, steps), rtol=1e-12, atol=1e-12)


def test_no_function_mutates_its_inputs():
    point = np.array([2.0, 1.0])
    ref.partial_derivative(ref.f_loss, point, 0, 1e-5)
    ref.gradient(ref.f_loss, point, 1e-5)
    ref.grad_f(point)
    ref.gradient_descent(ref.grad_f, point, 0.1, 3)
    np.testing.assert_array_equal(point, [2.0, 1.0])


def test_the_texts_forward_difference_table():
    """The reference reproduces text 004's table: x**2 at 2 gives slopes 5, 4.1, 4.01, 4.001, 4.0001."""
    slopes = [ref.forward_difference(lambda x: x * x, 2.0, h) for h in (1.0, 0.1, 0.01, 0.001, 0.0001)]
    assert [round(s, 6) for s in slopes] == [5.0, 4.1, 4.01, 4.001, 4.0001]


def test_the_texts_partial_derivatives_and_gradient():
    """The reference reproduces text 004: f(2, 1) = 7, gradient [4, 6], |gradient| = 7.2111."""
    point = np.array([2.0, 1.0])
    assert ref.f_loss(point) == 7.0
    np.testing.assert_array_equal(ref.grad_f(point), [4.0, 6.0])
    np.testing.assert_allclose(ref.gradient(ref.f_loss, point, 1e-5), [4.0, 6.0], rtol=1e-9)
    assert round(float(np.linalg.norm(ref.grad_f(point))), 4) == 7.2111
    np.testing.assert_allclose(gradient(bowl_torch, point), [4.0, 6.0])


def test_the_texts_descent_on_the_bowl():
    """The reference reproduces text 004: from (4, 3) with lr 0.05, 8 steps end at loss 3.0546,
    the losses 43, 26.19, 16.9803, ... and the same path as torch autograd."""
    path = ref.gradient_descent(ref.grad_f, np.array([4.0, 3.0]), 0.05, 8)
    losses = [round(ref.f_loss(p), 4) for p in path]
    assert losses == [43.0, 26.19, 16.9803, 11.6796, 8.444, 6.3415, 4.8926, 3.8434, 3.0546]
    np.testing.assert_allclose(path, descent_path(bowl_torch, np.array([4.0, 3.0]), 0.05, 8), rtol=1e-14)
    np.testing.assert_allclose(path[-1], [4 * 0.9 ** 8, 3 * 0.7 ** 8], rtol=1e-14)


def test_the_texts_polynomial():
    """The reference reproduces text 003: y = x**2 + 3x + 1 at x = 2 is 11 and dy/dx = 7, as torch says."""
    assert texts_polynomial(2.0) == 11.0
    assert derivative(texts_polynomial_torch, 2.0) == 7.0
    assert ref.central_difference(texts_polynomial, 2.0, 1e-5) == pytest.approx(7.0, rel=1e-9)
