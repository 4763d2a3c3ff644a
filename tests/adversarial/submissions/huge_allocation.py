"""Allocates far more memory than the limit, in NumPy and in pure Python. The pure-Python hog grows a
list of zeroed 50 MiB byte strings, which the allocator maps without touching: the limit is reached
at once, so what is checked is the limit, not how fast this machine faults in a gigabyte of pages
(1-1.5 s here unloaded, more than the 5 s time limit once on a loaded 2-core machine)."""


def relu(z):
    big = np.ones((200_000, 100_000))
    return np.maximum(0.0, z) + 0 * big[0, 0]


def relu_grad(z):
    hog = []
    while True:
        hog.append(bytes(50 * 2**20))


def dL_dy(Y_hat, Y):
    return 2.0 * (Y_hat - Y) / Y.size
