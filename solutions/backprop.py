"""Reference solution for the `backprop` assignment: the 4 -> H -> 4 ReLU network.

Shapes: X (N, 4), W1 (4, H), b1 (H,), W2 (H, 4), b2 (4,), Y and Y_hat (N, 4).
Forward: z1 = X @ W1 + b1, h = relu(z1), Y_hat = h @ W2 + b2.
Loss: mean of squared errors over all N*4 entries. Everything is float64 and
no function mutates its inputs.
"""
import numpy as np



# -- the activation and its derivative, side by side ---------------------------

def relu(z):
    """max(0, z) elementwise. z: any shape -> same shape."""
    return np.maximum(0.0, z)


def relu_grad(z):
    """dReLU/dz: 1.0 where z > 0, else 0.0 (0 at exactly 0, as torch). Same shape as z."""
    return (z > 0).astype(np.float64)


# -- forward pass and loss ------------------------------------------------------

def forward(X, params):
    """X (N, 4), params {W1 (4, H), b1 (H,), W2 (H, 4), b2 (4,)} -> (Y_hat (N, 4), cache {X, z1, h})."""
    z1 = X @ params["W1"] + params["b1"]
    h = relu(z1)
    Y_hat = h @ params["W2"] + params["b2"]
    return Y_hat, {"X": X, "z1": z1, "h": h}


def mse_loss(Y_hat, Y):
    """Mean of squared errors over all entries. (N, 4), (N, 4) -> float."""
    return float(np.mean((Y_hat - Y) ** 2))


# -- the seven gradient steps, output layer first -------------------------------

def dL_dy(Y_hat, Y):
    """dL/dY_hat for the mean squared error. (N, 4), (N, 4) -> (N, 4)."""
    return 2.0 * (Y_hat - Y) / Y.size


def dL_dW2(h, dy):
    """h (N, H), dy (N, 4) -> (H, 4): summed over the batch."""
    return h.T @ dy


def dL_db2(dy):
    """dy (N, 4) -> (4,): summed over the batch."""
    return dy.sum(axis=0)


def dL_dh(dy, W2):
    """dy (N, 4), W2 (H, 4) -> (N, H): the error sent back through W2."""
    return dy @ W2.T


def dL_dz1(dh, z1):
    """dh (N, H), z1 (N, H) -> (N, H): the ReLU gate of the pre-activation applied."""
    return dh * relu_grad(z1)


def dL_dW1(X, dz1):
    """X (N, 4), dz1 (N, H) -> (4, H): summed over the batch."""
    return X.T @ dz1


def dL_db1(dz1):
    """dz1 (N, H) -> (H,): summed over the batch."""
    return dz1.sum(axis=0)


def backward(Y, params, cache):
    """Y (N, 4), params, cache from `forward` -> grads {W1 (4, H), b1 (H,), W2 (H, 4), b2 (4,)}."""
    Y_hat = cache["h"] @ params["W2"] + params["b2"]
    dy = dL_dy(Y_hat, Y)
    dh = dL_dh(dy, params["W2"])
    dz1 = dL_dz1(dh, cache["z1"])
    return {
        "W1": dL_dW1(cache["X"], dz1),
        "b1": dL_db1(dz1),
        "W2": dL_dW2(cache["h"], dy),
        "b2": dL_db2(dy),
    }


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
        losses.append(mse_loss(Y_hat, Y))
        params = sgd_step(params, backward(Y, params, cache), lr)
    losses.append(mse_loss(forward(X, params)[0], Y))
    return params, losses


# -- checking gradients by finite differences ------------------------------------

def numerical_gradient(f, x, h=1e-5):
    """Central differences of scalar f at array x -> array shaped like x.

    Each entry of x is nudged in place by +h and -h (2 * x.size calls of f) and
    put back exactly, so x is unchanged afterwards.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def rel_error(a, b):
    """max(|a - b| / max(1e-8, |a| + |b|)) over all entries -> float."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check(X, Y, params, h=1e-5):
    """{key: rel_error(analytic, numerical)} for W1, b1, W2, b2. params is left as it was."""
    _, cache = forward(X, params)
    analytic = backward(Y, params, cache)
    errors = {}
    for key in ("W1", "b1", "W2", "b2"):
        probe = {k: v.copy() for k, v in params.items()}

        def loss_at(value, key=key, probe=probe):
            probe[key] = value
            return mse_loss(forward(X, probe)[0], Y)

        numeric = numerical_gradient(loss_at, probe[key].copy(), h)
        errors[key] = rel_error(analytic[key], numeric)
    return errors


# -- the data set: all 16 binary 2x2 images and their diagonal flips ----------

def make_dataset():
    """-> (X, Y), both (16, 4): row i of X is the bits of i, most significant first;
    row i of Y is that 2x2 image transposed (the diagonal flip), flattened."""
    X = np.array([[(i >> shift) & 1 for shift in (3, 2, 1, 0)] for i in range(16)], dtype=np.float64)
    Y = X.reshape(16, 2, 2).transpose(0, 2, 1).reshape(16, 4)
    return X, Y


def accuracy(Y_hat, Y):
    """Rows whose rounded, clipped prediction equals Y in all four entries -> int."""
    predicted = np.clip(np.round(Y_hat), 0.0, 1.0)
    return int(np.sum(np.all(predicted == Y, axis=1)))


# -- starting points (provided to students, not graded) -------------------------

def walkthrough_params():
    """The hand-picked 4-3-4 weights of the walk-through: W1 (4, 3), b1 (3,), W2 (3, 4), b2 (4,)."""
    return {
        "W1": np.array([[0.2, -0.5, 0.1],
                        [-0.3, 0.4, -0.2],
                        [0.1, 0.3, 0.5],
                        [-0.4, 0.2, -0.1]]),
        "b1": np.array([0.1, -0.1, 0.0]),
        "W2": np.array([[0.3, -0.2, 0.4, 0.1],
                        [-0.1, 0.5, -0.3, 0.2],
                        [0.2, -0.4, 0.1, -0.5]]),
        "b2": np.array([0.0, 0.1, -0.1, 0.0]),
    }


def init_params(hidden, seed):
    """Random start for a 4 -> hidden -> 4 network: He-scaled W1 (4, hidden), b1 = 0.1 so no
    unit starts dead on every image, W2 (hidden, 4) scaled by 1/sqrt(hidden), b2 = 0."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / 4), size=(4, hidden)),
        "b1": np.full(hidden, 0.1),
        "W2": rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, 4)),
        "b2": np.zeros(4),
    }


# -- exercises (text 001): learning rates, hidden width, a second target ---------

def lr_sweep(X, Y, params, lrs, steps):
    """Train the same start once per learning rate -> losses (len(lrs), steps + 1).

    Row i is the `losses` of train(X, Y, params, lrs[i], steps). A diverging run may hold inf
    or nan; params is left as it was.
    """
    return np.array([train(X, Y, params, lr, steps)[1] for lr in lrs], dtype=np.float64)


def steps_to_reach(losses, threshold):
    """The number of updates after which the loss first falls below `threshold` -> int.

    losses[k] is the loss after k updates; -1 when no entry is below the threshold (a nan
    never is).
    """
    below = np.flatnonzero(np.asarray(losses, dtype=np.float64) < threshold)
    return int(below[0]) if below.size else -1


def unreachable_pattern(W2, b2):
    """The 0/1 target row that no 4 -> 3 -> 4 network with this output layer can ever hit.

    W2 (3, 4) of rank 3, b2 (4,) -> (4,) float64 of 0.0 and 1.0. Every output h @ W2 + b2 lies on
    a 3-dimensional affine subspace of R^4: the hyperplane a . (y - 1/2) = beta, where a (4,) is
    a normal (W2 @ a = 0) and beta = a . (b2 - 1/2). A prediction rounds to 1 in entry j exactly
    when y_j > 1/2. In the pattern with 1 where a_j * beta < 0 and 0 elsewhere, every term
    a_j (y_j - 1/2) has the sign opposite to beta (or is 0), so their sum cannot equal beta.
    (Assumes beta != 0 and every a_j != 0; then this pattern is the only one missed.)
    """
    a = np.linalg.svd(W2)[2][-1]
    beta = a @ (b2 - 0.5)
    return (a * beta < 0).astype(np.float64)


def make_hflip_dataset():
    """-> (X, Y), both (16, 4): X as in make_dataset; row i of Y is image i flipped left to right,
    [p00, p01, p10, p11] -> [p01, p00, p11, p10]."""
    X = np.array([[(i >> shift) & 1 for shift in (3, 2, 1, 0)] for i in range(16)], dtype=np.float64)
    Y = X.reshape(16, 2, 2)[:, :, ::-1].reshape(16, 4)
    return X, Y
