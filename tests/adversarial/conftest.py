"""Fixtures shared by the adversarial tests."""
import pytest

from autograder.release import generate


@pytest.fixture(scope="module")
def released(tmp_path_factory, course, backprop):
    """backprop released once by nbgrader; each test copies it (helpers.new_class)."""
    root = tmp_path_factory.mktemp("released")
    generate(course, backprop, course_dir=root)
    return root
