"""Hangs in one function; the others must still be graded."""


def relu(z):
    while True:
        pass


def relu_grad(z):
    return (z > 0).astype(np.float64)
