"""Reference solution for the `backprop_sigmoid` assignment: the 2 -> H -> 1 sigmoid network.

Shapes: X (N, 2), W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,), Y and Y_hat (N, 1).
Forward: z1 = X @ W1 + b1, a1 = sigmoid(z1), z2 = a1 @ W2 + b2, Y_hat = sigmoid(z2).
Loss: the text's L = 1/2 (y_hat - y)^2 for one example, averaged over the batch as in the
text's XOR loop (`np.mean(0.5 * (y_hat - Y) ** 2)`), so dL/dY_hat = (Y_hat - Y) / Y.size.
The hand-worked example is H = 1 (the 2-1-1 network), XOR uses H = 4. Everything is float64
and no function mutates its inputs. Nothing here is specific to one output: W2 (H, K), b2 (K,)
and Y (N, K) work the same way.
"""
import numpy as np


# -- the activation and its derivative, side by side ---------------------------

def sigmoid(z):
    """1 / (1 + exp(-z)) elementwise. z: any shape -> same shape, values in (0, 1)."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_grad(z):
    """d sigmoid / dz = sigmoid(z) * (1 - sigmoid(z)), taken at the pre-activation z. Same shape as z."""
    s = sigmoid(z)
    return s * (1.0 - s)


# -- forward pass and loss ------------------------------------------------------

def forward(X, params):
    """X (N, 2), params {W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,)}
    -> (Y_hat (N, 1), cache {X, z1 (N, H), a1 (N, H), z2 (N, 1)})."""
    z1 = X @ params["W1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    Y_hat = sigmoid(z2)
    return Y_hat, {"X": X, "z1": z1, "a1": a1, "z2": z2}


def half_mse_loss(Y_hat, Y):
    """The text's loss 1/2 (y_hat - y)^2, averaged over all entries. (N, 1), (N, 1) -> float."""
    return float(0.5 * np.mean((Y_hat - Y) ** 2))


# -- the error signals (deltas), output layer first -----------------------------

def output_delta(Y_hat, Y):
    """delta2 = dL/dz2 for the batch loss, from the predictions and targets alone.
    Y_hat (N, 1), Y (N, 1) -> (N, 1)."""
    return (Y_hat - Y) / Y.size * Y_hat * (1.0 - Y_hat)


def hidden_delta(delta2, W2, z1):
    """delta1 = dL/dz1: the output error sent back through W2, then through the hidden sigmoid.
    delta2 (N, 1), W2 (H, 1), z1 (N, H) -> (N, H)."""
    return (delta2 @ W2.T) * sigmoid_grad(z1)


# -- gradients of a layer from its error signal (the same rule for both layers) --

def weight_grad(a_prev, delta):
    """dL/dW of a layer with input a_prev and error delta, summed over the batch.
    a_prev (N, n_in), delta (N, n_out) -> (n_in, n_out)."""
    return a_prev.T @ delta


def bias_grad(delta):
    """dL/db = delta, summed over the batch. delta (N, n_out) -> (n_out,)."""
    return delta.sum(axis=0)


def backward_loop(Y, params, cache):
    """The gradients of `backward`, one example at a time: each example's own chain rule, with
    vectors and outer products, added up over the batch (no matrix product over examples).
    Y (N, 1), params, cache from `forward` -> grads {W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,)}."""
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    for n in range(len(Y)):
        x, a1 = cache["X"][n], cache["a1"][n]                     # (2,), (H,)
        y_hat = sigmoid(cache["z2"][n])                            # (1,)
        d2 = (y_hat - Y[n]) / Y.size * y_hat * (1.0 - y_hat)       # (1,): the mean's 1/N included
        d1 = (params["W2"] @ d2) * sigmoid_grad(cache["z1"][n])    # (H,)
        grads["W2"] += np.outer(a1, d2)
        grads["b2"] += d2
        grads["W1"] += np.outer(x, d1)
        grads["b1"] += d1
    return grads


def backward(Y, params, cache):
    """Y (N, 1), params, cache from `forward` -> grads {W1 (2, H), b1 (H,), W2 (H, 1), b2 (1,)}."""
    Y_hat = sigmoid(cache["z2"])
    delta2 = output_delta(Y_hat, Y)
    delta1 = hidden_delta(delta2, params["W2"], cache["z1"])
    return {
        "W1": weight_grad(cache["X"], delta1),
        "b1": bias_grad(delta1),
        "W2": weight_grad(cache["a1"], delta2),
        "b2": bias_grad(delta2),
    }


# -- checking gradients numerically --------------------------------------------

def numerical_grads(f, params, h=1e-5):
    """Central differences of a loss f(params) -> float, for every entry of every parameter:
    {key: array shaped like params[key]}. Each entry is nudged by +h and -h in a copy (2 calls of
    f per entry); params is left as it was."""
    grads = {}
    for key, value in params.items():
        probe = {k: v.copy() for k, v in params.items()}
        grads[key] = np.zeros_like(value, dtype=np.float64)
        for index in np.ndindex(value.shape):
            probe[key][index] = value[index] + h
            f_plus = f(probe)
            probe[key][index] = value[index] - h
            f_minus = f(probe)
            probe[key][index] = value[index]
            grads[key][index] = (f_plus - f_minus) / (2.0 * h)
    return grads


# -- learning -------------------------------------------------------------------

def sgd_step(params, grads, lr):
    """A new params dict with p - lr * g for each key; the inputs are left as they were."""
    return {key: params[key] - lr * grads[key] for key in params}


def train(X, Y, params, lr, steps):
    """Full-batch gradient descent -> (params after `steps` updates, losses).

    losses has steps + 1 floats: losses[k] is the loss after k updates.
    """
    losses = []
    for _ in range(steps):
        Y_hat, cache = forward(X, params)
        losses.append(half_mse_loss(Y_hat, Y))
        params = sgd_step(params, backward(Y, params, cache), lr)
    losses.append(half_mse_loss(forward(X, params)[0], Y))
    return params, losses


# -- XOR --------------------------------------------------------------------------

def xor_dataset():
    """-> (X (4, 2), Y (4, 1)): the inputs [0, 0], [0, 1], [1, 0], [1, 1] in that order and
    their XOR [0, 1, 1, 0]."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, Y


def predict(X, params):
    """Class labels: 1.0 where the network's output is above 0.5, else 0.0. X (N, 2) -> (N, 1)."""
    Y_hat, _ = forward(X, params)
    return (Y_hat > 0.5).astype(np.float64)


# -- starting points (provided to students, not graded) -------------------------

def walkthrough_params():
    """The hand-worked 2-1-1 network of the text: W1 (2, 1), b1 (1,), W2 (1, 1), b2 (1,)."""
    return {
        "W1": np.array([[0.4], [0.6]]),
        "b1": np.array([0.1]),
        "W2": np.array([[0.9]]),
        "b2": np.array([0.1]),
    }


def walkthrough_example():
    """The text's single example: x = [0.5, 0.8] as a batch of one (1, 2), y = 1.0 as (1, 1)."""
    return np.array([[0.5, 0.8]]), np.array([[1.0]])


def init_params(hidden, seed):
    """The text's XOR start for a 2 -> hidden -> 1 network: `np.random.seed(seed)`, then
    randn(hidden, 2) * 0.5 and randn(1, hidden) * 0.5, stored transposed as W1 (2, hidden) and
    W2 (hidden, 1); zero biases. A private RandomState, so the global one is left alone."""
    rng = np.random.RandomState(seed)
    W1 = rng.randn(hidden, 2) * 0.5
    W2 = rng.randn(1, hidden) * 0.5
    return {"W1": W1.T.copy(), "b1": np.zeros(hidden), "W2": W2.T.copy(), "b2": np.zeros(1)}


# The XOR run this course uses: the text's start (seed 42, H = 4) and learning rate (2.0); the
# reference reaches 4/4 after 675 updates; after 2000 every output is within 0.06 of its target.
XOR_SETUP = {"hidden": 4, "seed": 42, "lr": 2.0, "steps": 2000}
