"""Diagnosis codes: the one list of tags a test result can carry, and the failure that carries them.

Every tag in a results.json comes from CODES; `docs/diagnosis.md` is generated from it
(`autograder codes`). The classifiers that pick a tag from numbers live in `autograder.testing`.
"""
from __future__ import annotations

CODES: dict[str, str] = {
    # the submission could not produce a value
    "not_defined": "The function is not defined (missing, misspelled, or its cell did not run).",
    "not_implemented": "The function still raises NotImplementedError: the stub is untouched.",
    "syntax_error": "The cell (or file) that defines the function has a syntax error.",
    "crashed": "The function raised an exception, or its process died (exit, segfault, recursion).",
    "timeout": "The function ran past its time limit.",
    "memory_limit": "The function ran out of its memory limit.",
    "forbidden_import": "The function uses a library the assignment forbids (e.g. torch in a NumPy stub).",
    "unreadable": "The submission file could not be read (not JSON, not UTF-8, empty, too large, not a notebook).",
    "locked_cell_modified": "A read-only cell of the notebook was changed; the original was used.",
    # the value has the wrong form
    "not_array": "The result is not a NumPy array (or not the float / dict / tuple asked for).",
    "shape": "The result has the wrong shape.",
    "dtype": "The result has the wrong dtype (float64 expected).",
    "not_finite": "The result contains NaN or infinity.",
    "mutates_input": "The function changed one of its input arrays (or returned one of them).",
    # the value is wrong, and why
    "wrong_values": "The values are wrong and no more specific cause was found.",
    "transposed": "The result is the transpose of the expected one (or a matrix is used untransposed).",
    "missing_factor_2": "The result is off by a factor of 2 (the 2 from differentiating a square, or a 1/2 "
                        "convention).",
    "wrong_mean_denominator": "The result is off by a factor of N or 4: the mean divides by the wrong count.",
    "sign_flipped": "The result has the opposite sign (y - y_hat instead of y_hat - y, or + instead of -).",
    "wrong_axis": "The result is summed over the wrong axis (the features instead of the batch, or everything).",
    "wrong_reduction": "Entries are combined the wrong way (mean or sum instead of max, any instead of all, ...).",
    "wrong_keys": "The returned dict has the wrong keys (e.g. 'dW1' instead of 'W1', or a key missing).",
    "hard_coded": "The result does not follow the input: it is a fixed answer (e.g. the walk-through's).",
    "swapped_order": "Two things are swapped: columns, coordinates, coefficients or returned values in the "
                     "wrong order.",
    "off_by_one": "A loop runs one time too many or too few: one row (or entry) too many or missing.",
    "precedence": "Operator precedence: a / 2 * h is (a / 2) * h, not a / (2 * h); 1 / 1 + e is 2 + e. "
                  "Add parentheses.",
    "missing_coefficient": "A constant coefficient of the formula is left out (e.g. x**2 + y**2 for x**2 + 3 * y**2).",
    "missing_term": "A term of the formula is left out (e.g. the (1 - y) log(1 - p) half of the cross-entropy).",
    "missing_abs": "The absolute value is left out: a signed difference where a distance is asked.",
    # backpropagation mistakes
    "missing_bias": "A bias is left out of the computation (e.g. z1 = X @ W1 without + b1).",
    "missing_activation": "The activation (ReLU, sigmoid) is not applied where the network has one.",
    "extra_activation": "An activation is applied where the network has none (e.g. on the linear output layer).",
    "confused_with_derivative": "The activation is used where its derivative belongs, or the reverse "
                                "(relu vs relu_grad, sigmoid vs sigmoid_grad).",
    "relu_gate_at_zero": "The ReLU gate lets the gradient through at exactly z = 0: torch takes the left slope there "
                         "(0 for ReLU, alpha for leaky ReLU).",
    "gate_on_wrong_input": "The ReLU gate is taken from the wrong array (e.g. h or dh instead of z1).",
    "missing_activation_grad": "The activation's derivative (the ReLU gate, or sigmoid'(z) = a * (1 - a)) is "
                               "left out of the chain rule.",
    "derivative_at_activation": "The activation's derivative is taken at the activation a = sigmoid(z) instead of "
                                "at the pre-activation z (e.g. sigmoid'(a), or z * (1 - z) where a * (1 - a) "
                                "belongs).",
    "wrong_layer_input": "A layer's gradient uses the wrong input array (e.g. z1 or X where a1 = sigmoid(z1) "
                         "belongs).",
    "extra_activation_grad": "The activation's derivative is multiplied in where it cancels: for sigmoid with "
                             "cross-entropy, dL/dz = (p - y) / N, with no p (1 - p) factor.",
    "clipped_probabilities": "p is clipped away from 0 and 1 before the log, which caps the loss: compute it "
                             "from the logits.",
    "missing_upstream_grad": "The upstream gradient is left out of the chain rule (only the local derivative "
                             "is returned).",
    "bias_not_summed": "The bias gradient is not summed over the batch (or is averaged instead).",
    "outer_product_batch": "The weight gradient uses np.outer, which only works for a single example.",
    # learning and gradient checking
    "step_size_ignored": "The step size argument (h of a numerical gradient, lr of an update) is ignored.",
    "one_sided_difference": "The numerical gradient uses a one-sided difference instead of a central one.",
    "wrong_difference": "The finite difference evaluates f at the wrong points (x - h for x + h, or central "
                        "for forward).",
    "not_divided_by_step": "The difference of f values is not divided by the step (h, or 2h for a central difference).",
    "wrong_coordinate": "The partial derivative nudges the wrong coordinates (all of them at once, or not i).",
    "input_not_restored": "The numerical gradient leaves x (or a parameter) changed after it returns.",
    "loss_ignores_param": "The loss handed to numerical_gradient ignores the value it is given, so the "
                          "numerical gradient is 0.",
    "rel_error_zero_guard": "rel_error divides by zero (no 1e-8 guard) or uses the wrong denominator.",
    "losses_off_by_one": "train returns steps losses instead of steps + 1, or shifted by one update.",
    "stale_gradients": "train reuses gradients from an earlier step (or the first step's only).",
    "not_accumulated": "A loop over examples overwrites the gradient (=) where it should add up (+=): only "
                       "the last example counts.",
    "start_not_reset": "Every run of a sweep should start from the same params; this one continues from where "
                       "the previous run ended.",
    "threshold_not_strict": "A strict comparison is written non-strict (<= instead of <): a value equal to the "
                            "threshold counts as below it.",
    "missing_not_found": "The case where nothing is found is not handled as asked (e.g. 0, None or len(losses) "
                         "instead of -1).",
    # the data set and its metric
    "bit_order_reversed": "The bits are in the wrong order (least significant first instead of most).",
    "flip_not_transpose": "The image is mirrored left-right or up-down instead of flipped over its diagonal.",
    "wrong_flip": "The image is flipped the wrong way (up-down or over the diagonal instead of left-right).",
    "labels_inverted": "The 0/1 labels are swapped (e.g. XNOR instead of XOR, or < where > belongs).",
    "wrong_threshold": "The 0.5 decision threshold is missing or misplaced (probabilities instead of 0/1 labels, "
                       "z > 0.5 instead of sigmoid(z) > 0.5, or a . b2 instead of a . (b2 - 1/2)).",
    "rounding_not_clipped": "Predictions are rounded but not clipped to [0, 1] before they are compared.",
    # composites
    "calls_wrong_part": "Information, not a deduction: a composite (forward, backward, train, ...) gives another "
                        "result with the student's own parts than with the reference's: those parts lost "
                        "points of their own, or kept them but fail as the composite uses them (a one-element "
                        "array where it builds a vector). The message names them. Fix them first.",
    "reference_part_misused": "The code called a reference part the grader lent to a composite outside that "
                              "composite's call (kept it, or called it from another function); nothing it gave "
                              "was used.",
}


GENERIC = "wrong_values"   # the tag of a wrong value when no more specific cause was found


class Failure(AssertionError):
    """A failed check: a message for the student and the diagnosis tags that explain it."""

    def __init__(self, message: str, tags=(GENERIC,)):
        unknown = [t for t in tags if t not in CODES]
        if unknown:
            raise ValueError(f"unknown diagnosis code(s): {unknown}")
        super().__init__(message)
        self.message = message
        self.tags = tuple(dict.fromkeys(tags))


class StudentFailure(Failure):
    """The student's code produced no value at all (not defined, stub, crash, timeout, ...)."""


def markdown_table() -> str:
    """The codes as a Markdown table."""
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| `{code}` | {meaning} |" for code, meaning in CODES.items()]
    return "\n".join(rows) + "\n"


DOC_HEADER = """# Diagnosis codes

Every failed check in a `results.json` carries one or more of these tags (`tests[].tags`), and its
`output` explains the likely cause in a sentence. `wrong_values` is used only when no more specific
cause was found. Generated from `autograder/diagnosis.py` by `autograder codes > docs/diagnosis.md`;
a test keeps it up to date.

"""


def markdown_doc() -> str:
    """docs/diagnosis.md: a short introduction and the table."""
    return DOC_HEADER + markdown_table()
