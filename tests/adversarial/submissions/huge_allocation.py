"""Allocates far more memory than the limit, in NumPy and in pure Python."""


def relu(z):
    big = np.ones((200_000, 100_000))
    return np.maximum(0.0, z) + 0 * big[0, 0]


def relu_grad(z):
    hog = []
    while True:
        hog.append(bytearray(50 * 2**20))


def dL_dy(Y_hat, Y):
    return 2.0 * (Y_hat - Y) / Y.size
