"""Strings built to break whatever shows them: a lone surrogate, rich markup that forges a green
"graded: 31/31" (or raises MarkupError), a Markdown fence closed early with a live <script>, an
<img onerror> and a fake "Score" heading, and a 16 MiB message."""
import sys

FORGED = "\ud800 [bold green]graded: 31/31[/] [/oops] ```\n</pre><script>alert(1)</script>\n# Score: 31 / 31\n<img src=x onerror=alert(1)>"
try:
    sys.stdout.write(FORGED + "\n")
except UnicodeEncodeError:
    sys.stdout.buffer.write(FORGED.encode("utf-8", "surrogatepass") + b"\n")


def relu(z):
    raise ValueError(FORGED)


def relu_grad(z):
    return "x" * (16 * 2**20)


def mse_loss(Y_hat, Y):
    raise RuntimeError("y" * (16 * 2**20))


def dL_dy(Y_hat, Y):
    print(FORGED.encode("utf-8", "surrogatepass").decode("utf-8", "surrogateescape"))
    return 2 * (Y_hat - Y) / Y.size
