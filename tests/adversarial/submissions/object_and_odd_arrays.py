"""Returns object arrays, structured arrays, string arrays and dict subclasses."""
import numpy as np


class Params(dict):
    def items(self):
        raise RuntimeError("gotcha")


def relu(z):
    return np.array([[object()]], dtype=object)


def relu_grad(z):
    return np.zeros(z.shape, dtype=[("a", "f8")])


def dL_dy(Y_hat, Y):
    return np.array(["1.0"] * Y.size).reshape(Y.shape)


def sgd_step(params, grads, lr):
    return Params({k: params[k] - lr * grads[k] for k in params})


def dL_db2(dy):
    return dy.sum(axis=0)
