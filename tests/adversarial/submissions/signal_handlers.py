"""Ignores every catchable signal, sets an alarm, then hangs: the time limit must still hold."""
import os
import signal

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU, signal.SIGHUP, signal.SIGPIPE,
            signal.SIGUSR1, signal.SIGCHLD):
    signal.signal(sig, signal.SIG_IGN)
signal.alarm(1)


def relu(z):
    while True:
        pass


def dL_dy(Y_hat, Y):
    try:
        os.kill(1, signal.SIGKILL)
        os.kill(os.getppid(), signal.SIGKILL)
    except Exception:
        pass
    return 2.0 * (Y_hat - Y) / Y.size
