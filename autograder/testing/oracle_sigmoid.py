"""Torch autograd as the oracle for the 2 -> H -> 1 sigmoid network, in float64 (trusted side only).

The loss is the text's 1/2 (y_hat - y)^2 averaged over all entries: 0.5 * torch's MSELoss().
"""
from __future__ import annotations

from .lazy_torch import torch, remembered

from .oracle import descent_losses


def _tensors(params):
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}


def _loss(Y_hat, Y):
    return 0.5 * torch.nn.functional.mse_loss(Y_hat, Y)


@remembered
def network_loss_and_grads(X, Y, params):
    """X (N, 2), Y (N, 1), params {W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,)} -> (loss, grads by autograd)."""
    t = _tensors(params)
    X_t, Y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    Y_hat = torch.sigmoid(torch.sigmoid(X_t @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"])
    loss = _loss(Y_hat, Y_t)
    loss.backward()
    return float(loss.item()), {k: v.grad.numpy().copy() for k, v in t.items()}


@remembered
def forward_values(X, params):
    """torch's forward pass: (Y_hat (N, 1), {z1, a1, z2}) as NumPy arrays."""
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    X_t = torch.tensor(X, dtype=torch.float64)
    z1 = X_t @ t["W1"] + t["b1"]
    a1 = torch.sigmoid(z1)
    z2 = a1 @ t["W2"] + t["b2"]
    return torch.sigmoid(z2).numpy(), {"z1": z1.numpy(), "a1": a1.numpy(), "z2": z2.numpy()}


@remembered
def deltas(X, Y, params):
    """(delta2 = dL/dz2 (N, 1), delta1 = dL/dz1 (N, H)) by autograd, with z1 and z2 kept as graph nodes."""
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    X_t, Y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    z1 = X_t @ t["W1"] + t["b1"]
    z1.requires_grad_(True)
    z2 = torch.sigmoid(z1) @ t["W2"] + t["b2"]
    z2.retain_grad()
    _loss(torch.sigmoid(z2), Y_t).backward()
    return z2.grad.numpy().copy(), z1.grad.numpy().copy()


@remembered
def loss_value(Y_hat, Y):
    """The loss of given predictions, by torch."""
    return float(_loss(torch.tensor(Y_hat, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)).item())


@remembered
def train_losses(X, Y, params, lr, steps):
    """Losses of full-batch gradient descent by autograd: steps + 1 floats, losses[k] after k updates
    (torch.optim.SGD's rule p -= lr * p.grad, written out: importing torch.optim is slow)."""
    X_t, Y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    return descent_losses(params, lambda t: _loss(
        torch.sigmoid(torch.sigmoid(X_t @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]), Y_t), lr, steps)
