"""What the backprop and backprop_sigmoid notebooks teach beyond the graded functions, checked.

Each notebook's code cells run here in one namespace, as a fresh kernel would run them with the
solutions in (the answer cells are the reference, tests/test_notebooks.py), the grade cells left
out. Every number a teaching cell's Markdown states is then compared with what that code computed
and with an independent computation (the reference solution, or torch autograd in float64), to the
precision the cell states it. A teaching cell may state no other number with a decimal point or an
exponent than the ones checked here and the set-up inputs it names (INPUTS).
"""
import re
import warnings

import matplotlib
import nbformat
import numpy as np
import pytest
import torch

from autograder.course import load_course
from solutions import backprop as bp
from solutions import backprop_sigmoid as sg
from test_errata import PROSE_NUMBER, _matches

COURSE = load_course()
WALK_X = np.array([[1.0, 0.0, 1.0, 1.0]])
WALK_Y = np.array([[1.0, 1.0, 0.0, 1.0]])
SKIPPED = ("for hidden in (1, 2, 3, 4, 8):",)   # a slow demonstration no teaching cell here relies on


def _cells(name):
    return nbformat.read(COURSE.assignment(name).source_notebook, as_version=4).cells


def _run(name):
    """The notebook's code cells (setup, answers = the reference, demonstrations) in one namespace."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    namespace = {"__name__": "__main__"}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for index, cell in enumerate(_cells(name)):
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            if any(marker in cell.source for marker in SKIPPED):
                continue
            exec(compile(cell.source, f"{name}.ipynb, cell {index}", "exec"), namespace)  # our own notebook
            plt.close("all")
    return namespace


@pytest.fixture(scope="module")
def backprop_run():
    return _run("backprop")


@pytest.fixture(scope="module")
def sigmoid_run():
    return _run("backprop_sigmoid")


def markdown(name, marker):
    """The one Markdown cell of the notebook that contains `marker`."""
    found = [c.source for c in _cells(name) if c.cell_type == "markdown" and marker in c.source]
    assert len(found) == 1, f"{name}: {len(found)} Markdown cells contain {marker!r}"
    return found[0]


def states(text, pattern, value):
    """The cell states `value` where `pattern` (a regex with one number group) matches, to the
    precision written; returns the stated number."""
    match = re.search(pattern, " ".join(text.split()))
    assert match, f"the cell no longer says {pattern!r}"
    stated = match.group(1).replace("−", "-").replace("+", "")
    assert _matches(stated, value), f"the cell states {match.group(0)!r}, but the value is {value!r}"
    return match.group(1)


def only_checked_numbers(text, checked, inputs=()):
    """Every number with a decimal point or an exponent in the cell is a checked one or an input."""
    prose = re.sub(r"`[^`]*`", "", text)
    allowed = {s.replace("−", "-").replace("+", "") for s in checked} | {float(x) for x in inputs}
    unchecked = [n for n in PROSE_NUMBER.findall(prose.replace("−", "-"))
                 if ("." in n or "e" in n) and n.replace("+", "") not in allowed and float(n) not in allowed]
    assert not unchecked, f"numbers no test checks: {unchecked}"


# -- the weight layouts ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["backprop", "backprop_sigmoid"])
def test_the_weight_layouts_note_states_each_layout(name):
    text = " ".join(markdown(name, "### A note on weight layouts").split())
    for phrase in ("**(in, out)**", "(out, in)", "`nn.Linear`", "`x @ weight.T + bias`", "column vectors"):
        assert phrase in text, phrase
    layer = torch.nn.Linear(4, 3, dtype=torch.float64)
    assert tuple(layer.weight.shape) == (3, 4)                            # nn.Linear: (out, in)
    x = torch.randn(2, 4, dtype=torch.float64)
    torch.testing.assert_close(layer(x), x @ layer.weight.T + layer.bias)
    assert bp.walkthrough_params()["W1"].shape == (4, 3)                   # here: (in, out)
    text_layout = np.random.RandomState(42).randn(4, 2) * 0.5            # the text's W1: (H, 2)
    np.testing.assert_array_equal(sg.init_params(4, 42)["W1"], text_layout.T)


# -- backprop: the kink, the first step, PyTorch -----------------------------------------------

def _torch_walkthrough(steps):
    """The walk-through trained by torch in nn.Linear's layout, independently of the notebook's
    code: (z1[0], first gradients in the (in, out) layout, losses after 0..steps updates)."""
    p = bp.walkthrough_params()
    t = {"W1": torch.tensor(p["W1"].T.copy()), "b1": torch.tensor(p["b1"]),
         "W2": torch.tensor(p["W2"].T.copy()), "b2": torch.tensor(p["b2"])}
    for v in t.values():
        v.requires_grad_(True)
    x, y = torch.tensor(WALK_X), torch.tensor(WALK_Y)
    linear = torch.nn.functional.linear
    z1 = linear(x, t["W1"], t["b1"])[0, 0].item()
    losses, first = [], None
    for _ in range(steps + 1):
        loss = torch.mean((linear(torch.relu(linear(x, t["W1"], t["b1"])), t["W2"], t["b2"]) - y) ** 2)
        losses.append(loss.item())
        for v in t.values():
            v.grad = None
        loss.backward()
        if first is None:
            first = {k: (v.grad.T if v.ndim == 2 else v.grad).numpy().copy() for k, v in t.items()}
        with torch.no_grad():
            for v in t.values():
                v -= 0.1 * v.grad
    return z1, first, losses


def test_the_walkthrough_sits_on_the_kink_and_the_notebook_says_which_side():
    text = markdown("backprop", "Run the walk-through example. Hidden unit 0")
    p = bp.walkthrough_params()
    numpy_z = (WALK_X @ p["W1"] + p["b1"])[0, 0]
    loop_z = sum(WALK_X[0, i] * p["W1"][i, 0] for i in range(4)) + p["b1"][0]
    einsum_z = np.einsum("ni,ih->nh", WALK_X, p["W1"])[0, 0] + p["b1"][0]
    torch_z = _torch_walkthrough(0)[0]
    states(text, r"NumPy's `@` gets about `([-−]\d\.\de-17)`", numpy_z)
    for value in (loop_z, einsum_z, torch_z):
        states(text, r"or `np.einsum`, gets `(\+\d\.\de-17)`", value)
    assert numpy_z < 0 < loop_z and "**The walk-through sits on ReLU's kink.**" in text


def test_which_parameters_the_first_step_changes(backprop_run):
    question = markdown("backprop", "**Which parameters change?**")
    answer = markdown("backprop", "12 of the 31 change")
    p = bp.walkthrough_params()
    new = bp.sgd_step(p, bp.backward(WALK_Y, p, bp.forward(WALK_X, p)[1]), 0.1)
    changed = {k: new[k] != p[k] for k in p}
    counts = {k: int(v.sum()) for k, v in changed.items()}
    assert counts == {"W1": 3, "b1": 1, "W2": 4, "b2": 4}
    assert f"{sum(counts.values())} of the {sum(v.size for v in p.values())} change" in " ".join(answer.split())
    assert {k: int(v.sum()) for k, v in backprop_run["changed"].items()} == counts    # what the cell prints
    assert np.argwhere(changed["W2"])[:, 0].tolist() == [2] * 4                          # row 2 of W2
    assert np.argwhere(changed["W1"]).tolist() == [[0, 2], [2, 2], [3, 2]]              # unit 2, pixels on
    assert "12 weights and 3 biases in the hidden layer, 12 weights and 4 biases" in " ".join(question.split())
    only_checked_numbers(question + answer, [])


def test_pytorch_at_the_kink(backprop_run):
    text = markdown("backprop", "**What PyTorch does at the kink.**")
    ns = backprop_run
    z1, grads, losses = _torch_walkthrough(200)
    numpy_losses = bp.train(WALK_X, WALK_Y, bp.walkthrough_params(), 0.1, 200)[1]
    for key in grads:                                            # the notebook's torch cell computed the same
        np.testing.assert_allclose(ns["grads_torch"][key], grads[key], rtol=0, atol=1e-15)
    np.testing.assert_allclose(ns["losses_torch"], losses, rtol=1e-12, atol=1e-16)
    checked = [
        states(text, r"gets z1\[0\] = (\+\d\.\de-17)", z1),
        states(text, r"instead of ([-−]\d\.\de-17)", (WALK_X @ bp.walkthrough_params()["W1"])[0, 0]
               + bp.walkthrough_params()["b1"][0]),
        states(text, r"Its output of (\d\.\de-17)", max(z1, 0.0)),
        states(text, r"dL/dW1 has ([-−]\d\.\d+) in column 0", grads["W1"][0, 0]),
        states(text, r"dL/db1\[0\] = ([-−]\d\.\d+)", grads["b1"][0]),
        states(text, r"the losses are (\d\.\d+) \(NumPy\)", numpy_losses[1]),
        states(text, r"\(NumPy\) and (\d\.\d+) \(torch\)", losses[1]),
        states(text, r"after 10 updates (\d\.\d+)", numpy_losses[10]),
        states(text, r"after 10 updates \d\.\d+ and (\d\.\d+)", losses[10]),
        states(text, r"NumPy's is (\d\.\de-10)", numpy_losses[200]),
    ]
    assert np.all(grads["W1"][[0, 2, 3], 0] == grads["W1"][0, 0]) and grads["W1"][1, 0] == 0   # pixels on only
    start = bp.walkthrough_params()
    moved = sum(int(np.sum(bp.sgd_step(start, grads, 0.1)[k] != start[k])) for k in start)
    assert "changes 16 parameters in torch and 12 in NumPy" in " ".join(text.split()) and moved == 16
    assert 0 < np.max(np.abs(grads["W2"][0])) < 1e-16 and start["W2"][0, 0] == 0.3   # "below 1e-16", "0.3"
    assert losses[200] < 1e-14 < numpy_losses[200]                                    # "below 1e-14"
    away = bp.init_params(3, seed=1)
    assert np.min(np.abs(bp.forward(WALK_X, away)[1]["z1"])) > 1e-3                   # no kink near
    assert np.max(np.abs(np.array(ns["losses_away_torch"]) - bp.train(WALK_X, WALK_Y, away, 0.1, 200)[1])) <= 1e-15
    only_checked_numbers(text, checked, inputs=(1e-16, 0.3, 1e-14, 1e-15))


def test_the_cost_of_finite_differences(backprop_run):
    text = markdown("backprop", "The network has 580 parameters")
    n_params = sum(v.size for v in bp.init_params(64, seed=0).values())
    assert backprop_run["n_params"] == n_params and backprop_run["forward_passes"] == 2 * n_params
    assert f"has {n_params} parameters, so the finite differences take {2 * n_params} forward passes" \
        in " ".join(text.split())
    analytic, numeric = backprop_run["analytic"], backprop_run["numeric"]
    assert max(bp.rel_error(analytic[k], numeric[k]) for k in analytic) < 1e-5   # they measured the same thing


def test_weight_initialisation(backprop_run):
    text = " ".join(markdown("backprop", "- **All zero.**").split())
    X, Y = bp.make_dataset()
    results = {}
    for name, start in backprop_run["starts"].items():
        trained, losses = bp.train(X, Y, start, 0.2, 500)
        results[name] = (losses[-1], bp.accuracy(bp.forward(X, trained)[0], Y),
                         float(np.ptp(trained["W1"], axis=1).max()))
    checked = [states(text, r"The loss stays at (\d\.\d+)", results["all zero"][0]),
               states(text, r"the loss ends at (\d\.\d+)", results["all equal"][0]),
               states(text, r"largest difference is (\d\.\d+) after 500", results["all equal"][2])]
    assert results["all zero"][1] == results["all equal"][1] == 1 and "1 of the 16 images is right" in text
    assert "with 1 image right" in text and results["init_params"][1] == 16
    assert backprop_run["dead_units"] == {0.0: 55, 0.1: 0}
    assert "55 such units in 100 starts of 8 units" in text and "With b1 = 0.1 there are none" in text
    assert backprop_run["reached"] == {"0.01": 5, "He": 5, "3": 1}
    assert "16/16 from 1 of the 5 starts, against 5 of 5 with He scaling" in text and "from 5 of 5 here" in text
    z_blank = bp.forward(np.zeros((1, 4)), bp.init_params(8, seed=0))[1]["z1"]
    checked.append(states(text, r"the blank image alone gives z1 = (\d\.\d+)", float(z_blank.min())))
    assert np.all(z_blank == 0.1)
    only_checked_numbers(text, checked, inputs=(0.1, 0.01))


def test_the_flips_are_permutation_matrices(backprop_run):
    text = markdown("backprop", "**The flips as permutation matrices.**")
    assert "W1 = P, b1 = 0, W2 = I" in " ".join(text.split())
    for make, pi in ((bp.make_dataset, [0, 2, 1, 3]), (bp.make_hflip_dataset, [1, 0, 3, 2])):
        X, Y = make()
        P = np.eye(4)[:, pi]                                  # column j is e_{pi[j]}: P[pi[j], j] = 1
        np.testing.assert_array_equal(X @ P, Y)
        np.testing.assert_array_equal(P @ P, np.eye(4))
        exact = {"W1": P, "b1": np.zeros(4), "W2": np.eye(4), "b2": np.zeros(4)}
        assert bp.mse_loss(bp.forward(X, exact)[0], Y) == 0.0
    only_checked_numbers(text, [])


# -- backprop_sigmoid: loop first, vanishing and exploding, gradient check, XOR ------------------

def test_the_loop_agrees_with_the_batch_and_torch(sigmoid_run):
    text = markdown("backprop_sigmoid", "The two agree to rounding")
    ns = sigmoid_run
    states(text, r"every difference is below (1e-15)", 1e-15)
    assert ns["largest"] < 1e-15
    from autograder.testing.oracle_sigmoid import network_loss_and_grads
    torch_grads = network_loss_and_grads(ns["X_big"], ns["Y_big"], ns["params_big"])[1]
    for key, value in torch_grads.items():
        np.testing.assert_allclose(ns["grads_by"]["loop"][key], value, rtol=1e-12, atol=1e-15)
    assert ns["seconds"]["loop"] > ns["seconds"]["batch"]                 # "many times faster"
    only_checked_numbers(text, ["1e-15"])


def _torch_chain_norms(weights, sigmoid_layers):
    """||dL/dz|| of each layer of the notebook's chain, by torch autograd."""
    a = torch.ones(1, weights[0].shape[0], dtype=torch.float64, requires_grad=True)
    zs = []
    for W in weights:
        z = a @ torch.tensor(W)
        z.retain_grad()
        zs.append(z)
        a = torch.sigmoid(z) if sigmoid_layers else z
    zs[-1].sum().backward()
    return np.array([float(torch.linalg.norm(z.grad)) for z in zs])


def test_vanishing_and_exploding_gradients(sigmoid_run):
    intro = markdown("backprop_sigmoid", "## 5. Vanishing and exploding gradients")
    text = markdown("backprop_sigmoid", "At the last layer ‖dL/dz‖")
    ns = sigmoid_run
    chain = ns["chain"]
    assert (len(chain), chain[0].shape) == (30, (16, 16)) and "30 square layers of width 16" in " ".join(intro.split())
    by_torch = {"sigmoid, scale 1": _torch_chain_norms(chain, True),
                "linear, scale 0.8": _torch_chain_norms([0.8 * W for W in chain], False),
                "linear, scale 1.25": _torch_chain_norms([1.25 * W for W in chain], False)}
    for label, norms in by_torch.items():
        np.testing.assert_allclose(ns["runs"][label], norms, rtol=1e-9)
    z = np.linspace(-10, 10, 20001)
    checked = [states(intro, r"σ'\(z\) is at most (\d\.\d+)", float(sg.sigmoid_grad(z).max())),
               *(states(text, r"‖dL/dz‖ = (\d\.\d) \(the norm", norms[-1]) for norms in by_torch.values()),
               states(text, r"about (\de-19) through the sigmoid", by_torch["sigmoid, scale 1"][0]),
               states(text, r"(\d\.\de-3) through linear layers at scale 0.8", by_torch["linear, scale 0.8"][0]),
               states(text, r"and (\d\.\de3) at scale 1.25", by_torch["linear, scale 1.25"][0])]
    unclipped, clipped = ns["paths"]["not clipped"], ns["paths"]["clipped to norm 1"]
    checked += [states(text, r"the gradient 4w³ = (\d+)", 4 * 3.0 ** 3),
                states(text, r"throws w to ([-−]\d\.\d)", unclipped[1]),
                states(text, r"then to (\d+\.\d),", unclipped[2]),
                states(text, r"after 30 steps w is about (\d\.\d+)", clipped[30])]
    assert not np.isfinite(unclipped[-1]) and "the run overflows" in text                 # "overflows"
    assert max(abs(a - b) for a, b in zip(clipped, clipped[1:])) <= 0.1 + 1e-12             # "at most 0.1"
    assert clipped[29] > clipped[30] > 0                                                    # "still walking down"
    only_checked_numbers(intro + text, checked, inputs=(0.8, 1.25, 0.1, 1.0))


def test_the_gradient_check_and_the_bug_it_finds(sigmoid_run):
    intro = markdown("backprop_sigmoid", "Now check `backward` on a random network")
    text = markdown("backprop_sigmoid", "Every relative error is below 1e-9")
    ns = sigmoid_run
    errors = ns["check_errors"]
    assert max(errors.values()) < 1e-9 and min(errors.values()) > 1e-12                  # "near 1e-10"
    from autograder.testing.oracle_sigmoid import network_loss_and_grads
    torch_grads = network_loss_and_grads(ns["X_check"], ns["Y_check"], ns["params_check"])[1]
    numeric = sg.numerical_grads(lambda p: sg.half_mse_loss(sg.forward(ns["X_check"], p)[0], ns["Y_check"]),
                                 ns["params_check"])
    assert max(ns["relative_error"](torch_grads[k], numeric[k]) for k in numeric) < 1e-9
    suspect = ns["suspect"]                            # the planted bug: b's gradient is N = 4 times too small
    toy = lambda p: sg.half_mse_loss(ns["baseline_forward"](ns["X_toy"], p), ns["Y_toy"])
    right = sg.numerical_grads(toy, ns["baseline_start"])
    np.testing.assert_allclose(right["b"] / suspect["b"], len(ns["X_toy"]), rtol=1e-6)
    assert ns["relative_error"](suspect["W"], right["W"]) < 1e-9 < 0.5 < ns["relative_error"](suspect["b"], right["b"])
    only_checked_numbers(intro + text, ["1e-10", "1e-9"], inputs=(1e-10,))


def test_xor_needs_a_hidden_layer_and_random_starts(sigmoid_run):
    baseline_text = markdown("backprop_sigmoid", "The baseline ends with every output")
    ns = sigmoid_run
    X, Y = sg.xor_dataset()
    baseline = ns["baseline"]
    outputs = ns["baseline_forward"](X, baseline)
    W, b = torch.tensor(baseline["W"]), torch.tensor(baseline["b"])      # the same loss by torch
    torch_loss = 0.5 * torch.nn.functional.mse_loss(torch.sigmoid(torch.tensor(X) @ W + b), torch.tensor(Y))
    checked = [states(baseline_text, r"every output at about (\d\.\d)", float(np.mean(outputs))),
               states(baseline_text, r"and loss (\d\.\d+)", torch_loss.item())]
    assert np.max(np.abs(outputs - 0.5)) < 0.01
    for w in np.random.default_rng(0).normal(size=(200, 3)):             # no line classifies all four
        assert np.sum(((X @ w[:2] + w[2]) > 0) == Y[:, 0].astype(bool)) <= 3
    sym_text = " ".join(markdown("backprop_sigmoid", "The four hidden units start identical").split())
    trained, losses = sg.train(X, Y, {"W1": np.full((2, 4), 0.5), "b1": np.zeros(4), "W2": np.full((4, 1), 0.5),
                                      "b2": np.zeros(1)}, 2.0, 2000)
    checked += [states(sym_text, r"their weights is exactly (\d\.\d)", ns["spread"]),
                states(sym_text, r"with loss (\d\.\d+)", losses[-1])]
    assert ns["spread"] == 0.0 and np.ptp(trained["W1"], axis=1).max() == 0.0
    assert int(np.sum(sg.predict(X, trained) == Y)) == 3 and "3 of the 4 inputs right" in sym_text
    assert f"after {sg.XOR_SETUP['steps']} updates" in sym_text
    only_checked_numbers(baseline_text + sym_text, checked, inputs=(0.5,))


def test_backprop_sigmoid_states_no_error_signal_or_gradient_formula(course_dir):
    """The issue's examples of answers given away, in code and in math notation: the release leads to
    them with shapes and a derivation to do (tests/test_release_answers.py checks the exact code)."""
    release = course_dir / "release" / "backprop_sigmoid"
    text = "\n".join(c.source for c in nbformat.read(release / "backprop_sigmoid.ipynb", as_version=4).cells)
    text += (release / "public_checks.py").read_text(encoding="utf-8")
    squashed = re.sub(r"\s+", "", text)
    for formula in ("a_prevᵀ@δ", "a_prev.T@delta", "δ₂@W₂ᵀ", "delta2@W2.T", "ŷ(1−ŷ)", "Y_hat*(1-Y_hat)",
                    "(y_hat-y)/2*y_hat", "x.T*delta1", "a1*delta2"):
        assert formula not in squashed, formula
