"""Torch autograd as the oracle for the `neuron` assignment, always in float64 (trusted side only)."""
from __future__ import annotations

import numpy as np
from .lazy_torch import torch, F, remembered


def _t(value, grad=False):
    return torch.tensor(np.asarray(value, dtype=np.float64), requires_grad=grad)


@remembered
def relu_layer(X, W, b):
    """torch.relu(X @ W.T + b). X (N, D), W (M, D), b (M,) -> (N, M)."""
    return torch.relu(_t(X) @ _t(W).T + _t(b)).numpy()


@remembered
def sigmoid(z):
    """torch.sigmoid elementwise, any shape."""
    return torch.sigmoid(_t(z)).numpy()


@remembered
def bce_loss_with_logits(z, y):
    """F.binary_cross_entropy_with_logits (mean): exact for any logits. (N,), (N,) -> float."""
    return float(F.binary_cross_entropy_with_logits(_t(z), _t(y)).item())


@remembered
def bce_grad_z(z, y):
    """dL/dz of the mean BCE with logits by autograd. (N,), (N,) -> (N,)."""
    z_t = _t(z, grad=True)
    F.binary_cross_entropy_with_logits(z_t, _t(y)).backward()
    return z_t.grad.numpy().copy()


@remembered
def neuron_loss_and_grads(X, y, W, b):
    """The text's torch step: p = sigmoid((X @ W.T + b).squeeze(1)), F.binary_cross_entropy(p, y),
    backward -> (loss, dW (1, D), db (1,)). X (N, D), y (N,), W (1, D), b (1,)."""
    W_t, b_t = _t(W, grad=True), _t(b, grad=True)
    p = torch.sigmoid((_t(X) @ W_t.T + b_t).squeeze(1))
    loss = F.binary_cross_entropy(p, _t(y))
    loss.backward()
    return float(loss.item()), W_t.grad.numpy().copy(), b_t.grad.numpy().copy()


def neuron_step(X, y, W, b, lr):
    """One step of the text's loop (W -= lr * W.grad, b -= lr * b.grad) -> (W (1, D), b (1,))."""
    _, dW, db = neuron_loss_and_grads(X, y, W, b)
    return np.asarray(W, dtype=np.float64) - lr * dW, np.asarray(b, dtype=np.float64) - lr * db
