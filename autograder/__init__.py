"""The autograder for a backpropagation course: sandboxed student code, trusted hidden suites."""
