"""A source whose syntax tree is 200,000 levels deep (a + a + ... + a): parsing it recursively
overflows the stack of whoever tries (the grader's import scan, the child's compiler)."""
import torch

a = 1
x = __DEEP_EXPRESSION__


def relu(z):
    return torch.relu(z)
