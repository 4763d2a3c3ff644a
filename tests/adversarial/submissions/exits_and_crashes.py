"""Ends its own process in every way: os._exit, sys.exit, a segfault, abort, recursion."""
import ctypes
import os
import sys


def relu(z):
    os._exit(0)


def relu_grad(z):
    sys.exit(0)


def mse_loss(Y_hat, Y):
    ctypes.string_at(0)          # segmentation fault


def dL_dy(Y_hat, Y):
    return dL_dy(Y_hat, Y)       # RecursionError


def dL_dW2(h, dy):
    sys.setrecursionlimit(10**8)

    def deeper(n):
        return list(map(deeper, [n + 1]))   # through C, so each level uses the C stack
    return deeper(0)             # overflows the C stack: a segfault


def dL_db2(dy):
    os.abort()


def dL_dh(dy, W2):
    return dy @ W2.T
