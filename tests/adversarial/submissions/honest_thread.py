"""An honest habit, not an attack: a right relu that does its work in a thread, and a right
relu_grad after a lot of printing. The thread cannot start (one task per child); the message must
name the rule. The printing costs nothing."""
import threading


def relu(z):
    out = {}
    worker = threading.Thread(target=lambda: out.update(value=np.maximum(0.0, z)))
    worker.start()
    worker.join()
    return out["value"]


def relu_grad(z):
    for i in range(20000):
        print("step", i, "of my careful check")
    return (z > 0).astype(np.float64)
