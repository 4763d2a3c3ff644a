"""Opens sockets: to the grader's machine (a listener the test starts) and to the internet."""
import socket

leaked = []
for address in [("127.0.0.1", __PORT__), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        s = socket.create_connection(address, timeout=1)
        s.sendall(b"PWNED")
        leaked.append(address)
    except OSError as err:
        pass
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"PWNED", ("127.0.0.1", __PORT__))
except OSError:
    pass


def relu(z):
    try:
        socket.create_connection(("127.0.0.1", __PORT__), timeout=1).sendall(b"PWNED")
    except OSError:
        pass
    return np.maximum(0.0, z)
