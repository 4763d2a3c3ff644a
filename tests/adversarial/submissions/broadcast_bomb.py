"""Returns (M, 1, 1) arrays (22 MiB) where small ones are expected: compared or used in trusted
arithmetic before their shape is checked, they broadcast to gigabytes. backward and train are
right but call the bad parts, so blaming a part calls them back too."""
M = 22 * 2**20 // 8


def relu(z):
    return np.maximum(0.0, z)


def dL_dW2(h, dy):
    return np.zeros((M, 1, 1))


def dL_db2(dy):
    return np.zeros((M, 1, 1))


def mse_loss(Y_hat, Y):
    return np.zeros((M, 1, 1))


def backward(Y, params, cache):
    h, X, z1 = cache["h"], cache["X"], cache["z1"]
    N = Y.shape[0]
    y_hat = h @ params["W2"] + params["b2"]
    dy = 2 * (y_hat - Y) / Y.size
    dh = dy @ params["W2"].T
    dz1 = dh * (z1 > 0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": dL_dW2(h, dy), "b2": dL_db2(dy)}
