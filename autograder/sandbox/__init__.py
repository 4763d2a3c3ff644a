"""The trust boundary: student code runs only in the child started here; values cross as plain data."""
