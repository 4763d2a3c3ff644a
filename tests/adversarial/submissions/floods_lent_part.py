"""Abuses the reference parts the grader lends: arrays far larger than the grader sent, and calls
nested without end (a loss function that calls the lent numerical_gradient inside itself).

dL_dW2 and numerical_gradient are wrong on purpose, so the grader lends the reference's to the
composites. Each abuse is refused on the trusted side before any arithmetic; the composite that
catches the refusal and goes on honestly keeps its points, the one that does not loses them.
"""


def relu(z):
    return np.maximum(0.0, z)


def relu_grad(z):
    return (z > 0).astype(np.float64)


def forward(X, params):
    z1 = X @ params["W1"] + params["b1"]
    h = relu(z1)
    return h @ params["W2"] + params["b2"], {"X": X, "z1": z1, "h": h}


def mse_loss(Y_hat, Y):
    return float(np.mean((Y_hat - Y) ** 2))


def dL_dy(Y_hat, Y):
    return 2.0 * (Y_hat - Y) / Y.size


def dL_dW2(h, dy):
    return np.zeros((h.shape[1], dy.shape[1]))


def dL_db2(dy):
    return dy.sum(axis=0)


def dL_dh(dy, W2):
    return dy @ W2.T


def dL_dz1(dh, z1):
    return dh * relu_grad(z1)


def dL_dW1(X, dz1):
    return X.T @ dz1


def dL_db1(dz1):
    return dz1.sum(axis=0)


def backward(Y, params, cache):
    try:                                        # an outer product of 200,000 x 200,000 entries, if it ran
        dL_dW2(np.ones((200_000, 1)), np.ones((200_000, 1)).T)
    except Exception:
        pass
    Y_hat = cache["h"] @ params["W2"] + params["b2"]
    dy = dL_dy(Y_hat, Y)
    dz1 = dL_dz1(dL_dh(dy, params["W2"]), cache["z1"])
    return {"W1": dL_dW1(cache["X"], dz1), "b1": dL_db1(dz1), "W2": dL_dW2(cache["h"], dy), "b2": dL_db2(dy)}


def numerical_gradient(f, x, h=1e-5):
    return np.zeros_like(x)


def rel_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def gradient_check(X, Y, params, h=1e-5):
    def deeper(value):                          # every evaluation asks for another gradient
        return float(np.sum(numerical_gradient(deeper, value, h)))
    return {key: rel_error(0.0, numerical_gradient(deeper, params[key].copy(), h)) for key in params}
