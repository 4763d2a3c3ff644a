"""Reference solution for the `neuron` assignment: a ReLU layer, then one sigmoid neuron learning
with binary cross-entropy.

Shapes (PyTorch's nn.Linear convention, as in the text): X (N, D) holds N examples of D features,
a layer of M units has W (M, D) and b (M,), and its pre-activations are Z = X @ W.T + b, (N, M).
The neuron is the layer with M = 1: W (1, D), b (1,), logits z (N,), probabilities p (N,),
labels y (N,) of 0.0 and 1.0. The loss is the mean over the N examples. Everything is float64
and no function mutates its inputs.
"""
import numpy as np


# -- a layer of ReLU units --------------------------------------------------------

def relu_layer(X, W, b):
    """max(0, X @ W.T + b). X (N, D), W (M, D), b (M,) -> (N, M)."""
    return np.maximum(0.0, X @ W.T + b)


# -- the sigmoid neuron -------------------------------------------------------------

def sigmoid(z):
    """1 / (1 + exp(-z)) elementwise, without overflow for large |z|. Any shape -> same shape."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def neuron_forward(X, W, b):
    """X (N, D), W (1, D), b (1,) -> (z, p): the logits z = (X @ W.T + b)[:, 0], (N,),
    and the probabilities p = sigmoid(z), (N,)."""
    z = (X @ W.T + b)[:, 0]
    return z, sigmoid(z)


# -- binary cross-entropy and its gradient, side by side ------------------------------

def bce_loss(z, y):
    """Mean binary cross-entropy of the probabilities sigmoid(z) against labels y -> float.

    z (N,) logits, y (N,) labels. Computed from the logits in the stable form
    max(z, 0) - z * y + log(1 + exp(-|z|)), which equals -[y log p + (1 - y) log(1 - p)]
    and stays finite and exact for any z (p itself rounds to 1.0 above about z = 36.7,
    but to 0.0 only below about -745).
    """
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def bce_grad_z(z, y):
    """dL/dz for the mean binary cross-entropy: (sigmoid(z) - y) / N. z (N,), y (N,) -> (N,)."""
    return (sigmoid(z) - y) / z.shape[0]


def bce_grads(X, y, W, b):
    """The gradients of the mean BCE of the neuron at (W, b) -> (dW (1, D), db (1,)).

    X (N, D), y (N,), W (1, D), b (1,). dW = dz @ X and db = sum of dz, with dz = dL/dz (N,).
    """
    z, _ = neuron_forward(X, W, b)
    dz = bce_grad_z(z, y)
    return dz[np.newaxis, :] @ X, np.array([dz.sum()])


def neuron_step(W, b, grads, lr):
    """One gradient descent step -> (W - lr * dW, b - lr * db), new arrays.

    W (1, D), b (1,), grads = (dW (1, D), db (1,)) as from `bce_grads`, lr: float.
    """
    dW, db = grads
    return W - lr * dW, b - lr * db


# -- other activations: tanh and leaky ReLU ----------------------------------------------

def tanh_grad(z):
    """The derivative of tanh at z, elementwise, written with tanh itself. Any shape -> same shape."""
    return 1.0 - np.tanh(z) ** 2


def leaky_relu_grad(z, alpha):
    """The derivative of leaky ReLU (z for z > 0, alpha * z otherwise) at z, elementwise: 1 where
    z > 0, alpha elsewhere (alpha at z = 0 too, as torch). z any shape, alpha: float -> same shape."""
    return np.where(z > 0, 1.0, float(alpha))


# -- the text's data (provided to students, not graded) -------------------------------

def people():
    """The text's four people: X (4, 3) of [height, weight, age] and labels y (4,)."""
    X = np.array([[170.0, 65.0, 25.0],
                  [160.0, 55.0, 30.0],
                  [180.0, 80.0, 22.0],
                  [155.0, 50.0, 35.0]])
    return X, np.array([1.0, 0.0, 1.0, 0.0])


def text_params():
    """The text's starting neuron: W (1, 3) = [[0.01, -0.02, 0.03]], b (1,) = [0.0]."""
    return np.array([[0.01, -0.02, 0.03]]), np.array([0.0])
