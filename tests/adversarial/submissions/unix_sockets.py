"""Connects to UNIX sockets of the host: an abstract one and one in the filesystem (the test listens
on both), the way a child could reach another child or a local service without a network."""
import socket

reached = []
for address in ["\0autograder-corpus-__PORT__", "/tmp/autograder-corpus-__PORT__.sock"]:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        try:
            s = socket.socket(socket.AF_UNIX, kind)
            s.connect(address)
            s.sendall(b"PWNED")
            reached.append(address)
        except OSError:
            pass
print("REACHED:", reached)


def relu(z):
    try:
        socket.socketpair()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect("\0autograder-corpus-__PORT__")
        s.sendall(b"PWNED")
    except OSError:
        pass
    return np.maximum(0.0, z)
