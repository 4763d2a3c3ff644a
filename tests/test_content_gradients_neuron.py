"""What the gradients and neuron notebooks teach beyond their graded functions, and the course-wide notes.

Every number these notebooks state in their added sections (the derivative rules, the one-weight
descent and the learning-rate visualiser, the gradient against the contours, forgetting to zero the
gradient, tanh and leaky ReLU) is recomputed here from the reference solutions and torch autograd
(float64) and must appear in the notebook as stated. The answer key to the written questions
(assignments/ANSWER_KEY.md) is checked the way tests/test_errata.py checks ERRATA.md: each
`name = value` it states is recomputed, and it has one section per written answer cell of every
notebook. The course order stated in the README is the one each notebook's first cell states.
"""
import re
import warnings
from functools import lru_cache

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.course import PROJECT_ROOT, load_course
from autograder.release import RELEASED_FILES
from autograder.submission import is_written_answer
from solutions import backprop as bp
from solutions import gradients as gr
from solutions import neuron as nr

COURSE = load_course()
KEY = PROJECT_ROOT / "assignments" / "ANSWER_KEY.md"
CLAIM = re.compile(r"`([a-z][a-z0-9_]*) = ([^`]+)`")


def notebook(name):
    return nbformat.read(COURSE.assignment(name).source_notebook, as_version=4)


def markdown(name) -> str:
    """The notebook's Markdown, with line breaks and repeated spaces made single spaces."""
    return " ".join(" ".join(c.source for c in notebook(name).cells if c.cell_type == "markdown").split())


def stated(name, text):
    assert " ".join(text.split()) in markdown(name), f"{name}.ipynb no longer states: {text}"


# -- torch autograd in float64 ----------------------------------------------------------------

def torch_derivative(function, x):
    x_t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    function(x_t).backward()
    return x_t.grad.item()


def torch_descent_1d(lr, steps, start=0.0):
    """Gradient descent on (w - 3)**2 + 1 by autograd -> the path, (steps + 1,)."""
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    path = [w.item()]
    for _ in range(steps):
        w.grad = None
        ((w - 3) ** 2 + 1).backward()
        with torch.no_grad():
            w -= lr * w.grad
        path.append(w.item())
    return np.array(path)


def descent_1d(lr, steps):
    """The same path by the reference's gradient_descent, checked against torch."""
    ours = gr.gradient_descent(lambda w: 2 * (w - 3), np.array([0.0]), lr, steps)[:, 0]
    np.testing.assert_allclose(ours, torch_descent_1d(lr, steps), rtol=1e-12, atol=1e-12)
    return ours


def updates_to_within(path, distance=0.01):
    close = np.flatnonzero(np.abs(path - 3) < distance)
    return int(close[0]) if close.size else -1


def torch_descent_without_zeroing(steps, lr=0.05):
    """Text 004's torch loop on the bowl with `w.grad.zero_()` left out -> (losses, .grad after each)."""
    w = torch.tensor([4.0, 3.0], dtype=torch.float64, requires_grad=True)
    losses, grads = [], []
    for _ in range(steps):
        loss = w[0] ** 2 + 3 * w[1] ** 2
        losses.append(loss.item())
        loss.backward()
        grads.append(w.grad.numpy().copy())
        with torch.no_grad():
            w -= lr * w.grad
    losses.append((w[0] ** 2 + 3 * w[1] ** 2).item())
    return losses, grads


def numpy_descent_without_zeroing(steps, lr=0.05):
    """The notebook's NumPy loop: step with the running sum of the reference's grad_f."""
    point, summed, losses, sums = np.array([4.0, 3.0]), np.zeros(2), [], []
    for _ in range(steps):
        losses.append(gr.f_loss(point))
        summed = summed + gr.grad_f(point)
        sums.append(summed)
        point = point - lr * summed
    losses.append(gr.f_loss(point))
    return losses, sums


# -- gradients: the derivative rules -----------------------------------------------------------

RULES = [   # (name, torch function, the rule's derivative): text 004's rules
    ("power x^2", lambda x: x ** 2, lambda x: 2 * x),
    ("power x^3", lambda x: x ** 3, lambda x: 3 * x ** 2),
    ("power x^4", lambda x: x ** 4, lambda x: 4 * x ** 3),
    ("constant multiple", lambda x: 3 * x ** 2, lambda x: 6 * x),
    ("sum", lambda x: x ** 2 + 3 * x + 7, lambda x: 2 * x + 3),
    ("exp", torch.exp, np.exp),
    ("ln", torch.log, lambda x: 1 / x),
    ("sin", torch.sin, np.cos),
    ("reciprocal", lambda x: 1 / x, lambda x: -1 / x ** 2),
]


@pytest.mark.parametrize("name, function, rule", RULES, ids=[r[0] for r in RULES])
def test_each_derivative_rule_agrees_with_torch_and_the_central_difference(name, function, rule):
    """At x = 2 with h = 1e-5, as the notebook's cell: exact against autograd, and the reference's
    central_difference within the 1e-8 the notebook states."""
    exact = torch_derivative(function, 2.0)
    assert rule(2.0) == pytest.approx(exact, rel=1e-14)
    numeric = gr.central_difference(lambda x: function(torch.tensor(x, dtype=torch.float64)).item(), 2.0, 1e-5)
    assert abs(numeric - exact) < 1e-8


def test_the_rules_are_taught_and_checked_in_the_notebook():
    stated("gradients", r"the constant 7 has slope 0")
    stated("gradients", r"(all below $10^{-8}$)")
    code = " ".join(c.source for c in notebook("gradients").cells if c.cell_type == "code")
    assert "central_difference(f, x0, 1e-5)" in code and "x0 = 2.0" in code
    for needle in ("x ** 2 + 3 * x + 7", "np.exp", "np.log", "np.sin", "1 / x"):
        assert needle in code, needle


# -- gradients: one weight, the step size, the learning-rate visualiser -------------------------

def test_the_one_weight_descent_ends_where_the_notebook_says():
    walk = descent_1d(0.1, 10)
    stated("gradients", f"After ten updates $w = {walk[-1]:.4f}$ and $L = {(walk[-1] - 3) ** 2 + 1:.4f}$")
    assert f"{walk[-1]:.4f}" == "2.6779" and f"{(walk[-1] - 3) ** 2 + 1:.4f}" == "1.1038"   # text 004's print
    left = 3 - walk[-1]
    assert left == pytest.approx(3 * 0.8 ** 10, rel=1e-12)
    stated("gradients", f"$3 \\cdot 0.8^{{10}} = {left:.4f}$ is left, hence $w = {walk[-1]:.4f}$")


def test_the_visualisers_rates_behave_as_the_notebook_says():
    paths = {lr: descent_1d(lr, 1000) for lr in (0.01, 0.1, 0.5, 0.9)}
    stated("gradients", f"within 0.01 of the minimum only after {updates_to_within(paths[0.01])} updates")
    stated("gradients", f"0.1: after {updates_to_within(paths[0.1])} updates")
    assert paths[0.5][1] == 3.0                                     # "lands exactly on 3"
    stated("gradients", "the factor is 0 and the first update lands exactly on 3")
    assert np.all(np.diff(np.sign(paths[0.9][:20] - 3)) != 0)      # above 0.5: alternates sides ...
    assert updates_to_within(paths[0.9]) == updates_to_within(paths[0.1])   # ... as fast as 0.1 here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert abs(descent_1d(1.1, 20)[-1] - 3) > 100                 # above 1: diverges
    np.testing.assert_allclose(descent_1d(1.0, 6), [0, 6, 0, 6, 0, 6, 0])   # at 1: bounces forever
    stated("gradients", "Overshooting starts above 0.5 and divergence above 1")


# -- gradients: the gradient and the contours ----------------------------------------------------

def test_the_gradient_is_perpendicular_to_the_contour_through_the_start():
    """The notebook's check: points of the ellipse x**2 + 3 y**2 = 43, a numerical tangent, and the
    gradient by autograd (the reference's grad_f agrees)."""
    def on_contour(theta):
        return np.array([np.sqrt(43.0) * np.cos(theta), np.sqrt(43.0 / 3.0) * np.sin(theta)])

    for theta in np.linspace(0.3, 6.0, 5):
        point = on_contour(theta)
        p_t = torch.tensor(point, requires_grad=True)
        (p_t[0] ** 2 + 3 * p_t[1] ** 2).backward()
        grad = p_t.grad.numpy()
        np.testing.assert_allclose(gr.grad_f(point), grad, rtol=1e-14)
        tangent = (on_contour(theta + 1e-6) - on_contour(theta - 1e-6)) / 2e-6
        assert gr.f_loss(point) == pytest.approx(43.0, rel=1e-12)
        assert abs(grad @ tangent) / (np.linalg.norm(grad) * np.linalg.norm(tangent)) < 1e-8
    stated("gradients", "The gradient is perpendicular to the contours.")
    assert "plt.quiver" in " ".join(c.source for c in notebook("gradients").cells if c.cell_type == "code")


# -- gradients: forgetting to zero the gradient ---------------------------------------------------

def test_forgetting_zero_grad_gives_the_stated_losses_in_numpy_and_torch():
    torch_losses, torch_grads = torch_descent_without_zeroing(8)
    numpy_losses, sums = numpy_descent_without_zeroing(8)
    np.testing.assert_allclose(numpy_losses, torch_losses, rtol=1e-12)
    np.testing.assert_allclose(sums, torch_grads, rtol=1e-12)
    stated("gradients", "The loss goes " + " → ".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in torch_losses[:5]))
    own = gr.grad_f(gr.gradient_descent(gr.grad_f, np.array([4.0, 3.0]), 0.05, 1)[1])
    ratio = torch_grads[1] / own
    stated("gradients", f"the sum, [{torch_grads[1][0]:.1f}, {torch_grads[1][1]:.1f}], is {ratio[0]:.1f} and "
                        f"{ratio[1]:.1f} times that step's own gradient [{own[0]:.1f}, {own[1]:.1f}]")


# -- neuron: tanh and leaky ReLU -------------------------------------------------------------------

def sigmoid_slope(z):
    return np.array([torch_derivative(torch.sigmoid, float(v)) for v in np.atleast_1d(z)])


def test_the_activation_slopes_the_notebook_states():
    zs = np.linspace(-5, 5, 401)
    assert sigmoid_slope(zs).max() == pytest.approx(0.25) and nr.tanh_grad(zs).max() == pytest.approx(1.0)
    stated("neuron", r"is at most $1/4$ (at $z = 0$)")
    stated("neuron", r"with slope 1 at $z = 0$ (four times sigmoid's best)")
    assert 0.5e-6 < 0.25 ** 10 < 1.5e-6
    stated("neuron", r"through ten layers, by a factor of about $10^{-6}$ at best")
    stated("neuron", "PyTorch's default is 0.01")
    assert torch.nn.LeakyReLU().negative_slope == 0.01


def test_tanh_is_a_stretched_sigmoid():
    """The notebook's tanh z = 2 sigmoid(2z) - 1, and the key's tanh'(z) = 4 sigmoid'(2z), by autograd."""
    z = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(np.tanh(z), 2 * nr.sigmoid(2 * z) - 1, atol=1e-15)
    np.testing.assert_allclose(nr.tanh_grad(z), 4 * sigmoid_slope(2 * z), rtol=1e-9)
    stated("neuron", r"= 2\sigma(2z) - 1$: the same S shape")


def test_the_references_derivatives_agree_with_torch_including_the_kink():
    z = np.array([-4.0, -1.0, -0.0, 0.0, 0.5, 3.0])
    for alpha in (0.01, 0.1, 0.3):
        z_t = torch.tensor(z, requires_grad=True)
        F.leaky_relu(z_t, negative_slope=alpha).sum().backward()
        np.testing.assert_array_equal(nr.leaky_relu_grad(z, alpha), z_t.grad.numpy())
    z_t = torch.tensor(z, requires_grad=True)
    torch.tanh(z_t).sum().backward()
    np.testing.assert_allclose(nr.tanh_grad(z), z_t.grad.numpy(), rtol=1e-12)


def test_the_first_step_does_about_a_fifth_of_the_work():
    """Section 5's '1.0081 to 0.8785, about a fifth of what all 300 steps achieve' (reference, then torch)."""
    X, y = nr.people()
    W, b = nr.text_params()

    def loss(W, b):
        return nr.bce_loss(nr.neuron_forward(X, W, b)[0], y)

    W_t, b_t = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    losses = []
    for _ in range(301):
        W_t.grad = b_t.grad = None
        value = F.binary_cross_entropy_with_logits((torch.tensor(X) @ W_t.T + b_t).squeeze(1), torch.tensor(y))
        losses.append(value.item())
        value.backward()
        with torch.no_grad():
            W_t -= 1e-4 * W_t.grad
            b_t -= 1e-4 * b_t.grad
    W_k, b_k = W, b
    for _ in range(300):
        W_k, b_k = nr.neuron_step(W_k, b_k, nr.bce_grads(X, y, W_k, b_k), 1e-4)
    assert loss(W_k, b_k) == pytest.approx(losses[300], rel=1e-9)
    share = (losses[0] - losses[1]) / (losses[0] - losses[300])
    assert 0.15 < share < 0.25, share
    stated("neuron", f"The first step takes the loss from {losses[0]:.4f} to {losses[1]:.4f}, about a fifth of "
                     "what all 300 steps achieve")


# -- the weight layouts note -----------------------------------------------------------------------

def layouts_note(name):
    notes = [c.source for c in notebook(name).cells if c.cell_type == "markdown" and "**Weight layouts.**" in c.source]
    assert len(notes) == 1, f"{name}: {len(notes)} weight-layout notes"
    return notes[0][notes[0].index("**Weight layouts.**"):]


def test_the_weight_layouts_note_is_the_same_and_true():
    assert layouts_note("gradients") == layouts_note("neuron")
    X = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    p = bp.walkthrough_params()
    D, M = p["W1"].shape                                       # backprop: (in, out)
    layer = torch.nn.Linear(D, M).to(torch.float64)
    assert tuple(layer.weight.shape) == (M, D)                 # nn.Linear: (out, in)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(p["W1"].T))            # "goes into nn.Linear(D, M).weight as W1.T"
        layer.bias.copy_(torch.tensor(p["b1"]))
        np.testing.assert_allclose(layer(torch.tensor(X)).numpy(), X @ p["W1"] + p["b1"], rtol=1e-12, atol=1e-15)
    W, b = nr.text_params()
    assert W.shape == (1, 3) and nr.neuron_forward(nr.people()[0], W, b)[0].shape == (4,)   # neuron: (out, in)


# -- the course order --------------------------------------------------------------------------------

def readme_order():
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Course order"):]
    section = section[:section.index("\n## ", 3)]
    return re.findall(r"^\| (\d) \| `(\w+)` \| [^|]+ \| ([^|]+) \|$", section, flags=re.M)


def test_the_readme_and_every_notebook_state_one_order():
    rows = readme_order()
    assert sorted(name for _, name, _ in rows) == sorted(COURSE.assignments)
    chain = " → ".join(f"{k}. `{name}` ({time.strip()})" for k, name, time in rows)
    for k, name, _ in rows:
        first = notebook(name).cells[0].source
        assert f"{chain}. This is notebook {k}." in first, name


# -- the answer key ----------------------------------------------------------------------------------

def written_answers():
    return [(a.name, c.metadata["nbgrader"]["grade_id"]) for a in COURSE.assignments.values()
            for c in notebook(a.name).cells if is_written_answer(c.metadata.get("nbgrader", {}))]


def test_every_written_question_has_an_answer_and_nothing_else_does():
    text = KEY.read_text(encoding="utf-8")
    sections = re.findall(r"^## (\w+): (\w+)$", text, flags=re.M)
    assert written_answers() and sorted(sections) == sorted(written_answers())
    for body in re.split(r"^## ", text, flags=re.M)[1:]:
        assert len(body.split()) > 80, body[:80]                  # an answer, not a placeholder


def test_the_answer_key_is_never_released(course_dir):
    assert KEY.name not in RELEASED_FILES
    for name in COURSE.assignments:
        released = course_dir / "release" / name
        assert released.is_dir() and not list(released.rglob(KEY.name))


@lru_cache(maxsize=1)
def key_values():
    """name -> the value the answer key should state (reference, checked against torch where it computes)."""
    v = {}
    for lr, key in ((0.01, "0_01"), (0.1, "0_1")):
        v[f"gr_lr_{key}_updates_to_within_0_01"] = updates_to_within(descent_1d(lr, 1000))
    v["gr_lr_1_1_w_after_20"] = descent_1d(1.1, 20)[-1]
    v["nr_sigmoid_best_slope_10_layers"] = sigmoid_slope(0.0)[0] ** 10
    v["nr_tanh_slope_at_minus_4"] = torch_derivative(torch.tanh, -4.0)
    assert nr.tanh_grad(np.array([-4.0]))[0] == pytest.approx(v["nr_tanh_slope_at_minus_4"], rel=1e-12)
    v["nr_sigmoid_slope_at_minus_4"] = sigmoid_slope(-4.0)[0]

    x, target = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    with np.errstate(all="ignore"):
        runs = {lr: bp.train(x, target, bp.walkthrough_params(), lr, 200) for lr in (0.01, 0.1, 0.5, 2.0, 5.0)}
    v["bp_lr_0_01_loss_200"] = runs[0.01][1][200]
    for lr, key in ((0.1, "0_1"), (0.5, "0_5"), (2.0, "2")):
        v[f"bp_lr_{key}_updates_below_1e_3"] = bp.steps_to_reach(runs[lr][1], 1e-3)
    assert bp.steps_to_reach(runs[0.01][1], 1e-3) == -1
    start = bp.walkthrough_params()
    after = bp.sgd_step(start, bp.backward(target, start, bp.forward(x, start)[1]), 2.0)
    v["bp_lr_2_z1_after_1"] = list(bp.forward(x, after)[1]["z1"][0])
    v["bp_lr_2_loss_2"] = runs[2.0][1][2]
    X_all, Y_all = bp.make_dataset()
    v["bp_lr_2_accuracy_on_16"] = bp.accuracy(bp.forward(X_all, runs[2.0][0])[0], Y_all)
    v["bp_lr_5_loss_200"] = runs[5.0][1][200]

    trained3, _ = bp.train(X_all, Y_all, bp.init_params(3, seed=1), 0.2, 500)
    v["bp_h3_seed1_accuracy"] = bp.accuracy(bp.forward(X_all, trained3)[0], Y_all)
    def trained_accuracy(hidden, seed):
        trained, _ = bp.train(X_all, Y_all, bp.init_params(hidden, seed), 0.2, 500)
        return bp.accuracy(bp.forward(X_all, trained)[0], Y_all)

    accuracies = {h: [trained_accuracy(h, s) for s in range(5)] for h in (1, 2, 3, 4, 8)}
    for h in (1, 2, 3):
        v[f"bp_best_accuracy_h{h}"] = max(accuracies[h])
    v["bp_accuracies_h4"] = accuracies[4]
    v["bp_starts_reaching_16_h8"] = sum(a == 16 for a in accuracies[8])

    X_h, Y_h = bp.make_hflip_dataset()
    diagonal, hflip = [], []
    for seed in range(5):
        start = bp.init_params(8, seed=seed)
        diagonal.append(bp.steps_to_reach(bp.train(X_all, Y_all, start, 0.2, 500)[1], 0.01))
        hflip.append(bp.steps_to_reach(bp.train(X_h, Y_h, start, 0.2, 500)[1], 0.01))
    v.update(bp_seed0_updates_diagonal=diagonal[0], bp_seed0_updates_hflip=hflip[0],
             bp_updates_diagonal_seeds_0_4=diagonal, bp_updates_hflip_seeds_0_4=hflip)
    return v


def key_claims():
    return [(m.group(1), m.group(2)) for m in CLAIM.finditer(KEY.read_text(encoding="utf-8"))]


def matches(text: str, value) -> bool:
    """As tests/test_errata.py: to half a unit of the last decimal (or significant digit), integers exactly."""
    text = text.strip().replace("−", "-")
    if "e" in text:
        mantissa, exponent = text.split("e")
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return abs(float(value) - float(text)) <= 0.5 * 10.0 ** (int(exponent) - digits) * (1 + 1e-9)
    if "." not in text:
        return float(value) == int(text)
    return abs(float(value) - float(text)) <= 0.5 * 10.0 ** -len(text.split(".")[1]) * (1 + 1e-9)


def test_the_key_states_exactly_the_computed_names():
    assert {name for name, _ in key_claims()} == set(key_values())


@pytest.mark.parametrize("name, text", key_claims())
def test_every_value_of_the_answer_key_is_recomputed(name, text):
    value = key_values()[name]
    values = value if isinstance(value, list) else [value]
    items = [s for s in text.strip("[]").split(",")] if text.startswith("[") else [text]
    assert len(items) == len(values) and all(matches(s, x) for s, x in zip(items, values)), \
        f"ANSWER_KEY.md states {name} = {text}, but it computes to {value}"
