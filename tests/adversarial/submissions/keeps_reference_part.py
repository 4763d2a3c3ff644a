"""Keeps a reference part the grader lends a composite, and calls it later from another call.

dL_dW2 is wrong on purpose, so the grader lends the reference's dL_dW2 to the composites that
call it. backward keeps that stand-in in a global; train then calls the kept one (a stand-in from
an earlier call) instead of looking the name up: the grader refuses it and names it.
"""
KEPT = {}


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
    KEPT.setdefault("dL_dW2", dL_dW2)          # the grader's stand-in, while backward runs
    Y_hat = cache["h"] @ params["W2"] + params["b2"]
    dy = dL_dy(Y_hat, Y)
    dz1 = dL_dz1(dL_dh(dy, params["W2"]), cache["z1"])
    return {"W1": dL_dW1(cache["X"], dz1), "b1": dL_db1(dz1), "W2": dL_dW2(cache["h"], dy), "b2": dL_db2(dy)}


def sgd_step(params, grads, lr):
    return {key: params[key] - lr * grads[key] for key in params}


def train(X, Y, params, lr, steps):
    stale = KEPT["dL_dW2"]                     # kept from an earlier call of backward
    losses = []
    for _ in range(steps):
        Y_hat, cache = forward(X, params)
        losses.append(mse_loss(Y_hat, Y))
        grads = backward(Y, params, cache)
        grads["W2"] = stale(cache["h"], dL_dy(Y_hat, Y))
        params = sgd_step(params, grads, lr)
    losses.append(mse_loss(forward(X, params)[0], Y))
    return params, losses
