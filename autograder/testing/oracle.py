"""Torch autograd as the independent oracle, always in float64 (trusted side only)."""
from __future__ import annotations

import numpy as np
from .lazy_torch import torch, remembered


@remembered
def network_loss_and_grads(X, Y, params):
    """MSE loss of the 4 -> H -> 4 ReLU network and its gradients by autograd.

    X (N, 4), Y (N, 4), params {W1 (4, H), b1 (H,), W2 (H, 4), b2 (4,)} -> (loss, grads).
    """
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    X_t = torch.tensor(X, dtype=torch.float64)
    Y_t = torch.tensor(Y, dtype=torch.float64)
    Y_hat = torch.relu(X_t @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    loss = torch.nn.functional.mse_loss(Y_hat, Y_t)
    loss.backward()
    return float(loss.item()), {k: v.grad.numpy().copy() for k, v in t.items()}


@remembered
def hidden_grads(X, Y, params):
    """dL/dh and dL/dz1 (each (N, H)) of the MSE loss by autograd, for the 4 -> H -> 4 ReLU network."""
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    z1 = torch.tensor(X, dtype=torch.float64) @ t["W1"] + t["b1"]
    z1.requires_grad_(True)
    h = torch.relu(z1)
    h.retain_grad()
    Y_hat = h @ t["W2"] + t["b2"]
    torch.nn.functional.mse_loss(Y_hat, torch.tensor(Y, dtype=torch.float64)).backward()
    return h.grad.numpy().copy(), z1.grad.numpy().copy()


@remembered
def elementwise(function, z):
    """f(z) by torch, for an elementwise torch function f (e.g. `lambda t: torch.relu(t)`). z: any shape."""
    return function(torch.tensor(z, dtype=torch.float64)).numpy().copy()


@remembered
def elementwise_grad(function, z):
    """d(sum f(z))/dz by autograd, for an elementwise torch function f. z: any shape."""
    z_t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    function(z_t).sum().backward()
    return z_t.grad.numpy().copy()


@remembered
def output_grad(Y_hat, Y):
    """dL/dY_hat of torch's MSELoss (mean over all entries). (N, 4), (N, 4) -> (N, 4)."""
    Y_hat_t = torch.tensor(Y_hat, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.mse_loss(Y_hat_t, torch.tensor(Y, dtype=torch.float64)).backward()
    return Y_hat_t.grad.numpy().copy()


@remembered
def train_losses(X, Y, params, lr, steps):
    """Losses of full-batch gradient descent by autograd: steps + 1 floats, losses[k] after k updates.

    The update is torch.optim.SGD's rule (p -= lr * p.grad) written out: importing torch.optim
    costs more than a second per process."""
    X_t = torch.tensor(X, dtype=torch.float64)
    Y_t = torch.tensor(Y, dtype=torch.float64)
    return descent_losses(params, lambda t: torch.nn.functional.mse_loss(
        torch.relu(X_t @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"], Y_t), lr, steps)


def descent_losses(params, loss_of, lr, steps):
    """The losses of full-batch gradient descent by autograd on `params` (name -> array) with the
    loss `loss_of(tensors)`: steps + 1 floats, losses[k] after k updates (SGD's p -= lr * p.grad)."""
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    losses = []
    for step in range(steps + 1):
        for p in t.values():
            p.grad = None
        loss = loss_of(t)
        losses.append(float(loss.item()))
        if step < steps:
            loss.backward()
            with torch.no_grad():
                for p in t.values():
                    p -= lr * p.grad
    return np.array(losses)
