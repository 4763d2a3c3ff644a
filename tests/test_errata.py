"""assignments/ERRATA.md cannot drift: every `name = value` it states is recomputed here (reference + torch).

The note writes each computed value as `name = value` (a number, or a [list] of numbers); a value
that depends on the machine (float32 summation order) is written `name = a | b`, and the value
computed here must match one of them, the same one for every such claim. This test
collects them all, requires exactly the names it knows how to compute, and compares each with the
value computed now, to the precision the note states it (half a unit of its last decimal; for
1.2e-3 style, half a unit of its last significant digit; integers exactly).
"""
import math
import re
import warnings
from functools import lru_cache

import numpy as np
import pytest
import torch

import torch.nn.functional as F

from autograder.course import PROJECT_ROOT
from autograder.testing import oracle_gradients as og
from autograder.testing import oracle_neuron as on
from solutions import backprop as bp
from solutions import backprop_sigmoid as sg
from solutions import gradients as gr
from solutions import neuron as nr

NOTE = PROJECT_ROOT / "assignments" / "ERRATA.md"
CLAIM = re.compile(r"`([a-z][a-z0-9_]*) = ([^`]+)`")
NUMBER = re.compile(r"^[-−]?\d+(\.\d+)?(e[-+−]?\d+)?$")
WALK_X = np.array([[1.0, 0.0, 1.0, 1.0]])
WALK_Y = np.array([[1.0, 1.0, 0.0, 1.0]])


# -- text 002: the 2-1-1 sigmoid network --------------------------------------------

def _chain(z1, x=(0.5, 0.8), y=1.0, W1=(0.4, 0.6), b1=0.1, W2=0.9, b2=0.1, lr=0.5):
    """Every number of the 2-1-1 example from a given z1, by torch autograd in float64 (z1 as a leaf)."""
    z1_t = torch.tensor(z1, dtype=torch.float64, requires_grad=True)
    a1 = torch.sigmoid(z1_t)
    a1.retain_grad()
    z2 = W2 * a1 + b2
    z2.retain_grad()
    y_hat = torch.sigmoid(z2)
    y_hat.retain_grad()
    loss = 0.5 * (y_hat - y) ** 2
    loss.backward()
    d1 = z1_t.grad.item()
    v = {"z1": z1, "a1": a1.item(), "z2": z2.item(), "y_hat": y_hat.item(), "loss": loss.item(),
         "dl_dyhat": y_hat.grad.item(), "sigma_prime_z2": y_hat.item() * (1 - y_hat.item()),
         "delta2": z2.grad.item(), "dl_dw2": z2.grad.item() * a1.item(), "dl_db2": z2.grad.item(),
         "dl_da1": a1.grad.item(), "sigma_prime_z1": a1.item() * (1 - a1.item()), "delta1": d1,
         "dl_dw11": d1 * x[0], "dl_dw12": d1 * x[1], "dl_db1": d1}
    v.update(new_w2=W2 - lr * v["dl_dw2"], new_b2=b2 - lr * v["dl_db2"], new_w11=W1[0] - lr * v["dl_dw11"],
             new_w12=W1[1] - lr * v["dl_dw12"], new_b1=b1 - lr * v["dl_db1"])
    return v


def walkthrough_reference():
    """The same numbers from the course's reference solution (which computes z1 itself); also what
    tests/test_reference_backprop_sigmoid.py checks against torch."""
    X, Y = sg.walkthrough_example()
    params = sg.walkthrough_params()
    Y_hat, cache = sg.forward(X, params)
    delta2 = sg.output_delta(Y_hat, Y)
    delta1 = sg.hidden_delta(delta2, params["W2"], cache["z1"])
    grads = sg.backward(Y, params, cache)
    new = sg.sgd_step(params, grads, 0.5)
    return {"z1": cache["z1"].item(), "a1": cache["a1"].item(), "z2": cache["z2"].item(), "y_hat": Y_hat.item(),
            "loss": sg.half_mse_loss(Y_hat, Y), "delta2": delta2.item(), "dl_dw2": grads["W2"].item(),
            "dl_db2": grads["b2"].item(), "delta1": delta1.item(), "dl_dw11": grads["W1"][0, 0],
            "dl_dw12": grads["W1"][1, 0], "dl_db1": grads["b1"].item(), "new_w2": new["W2"].item(),
            "new_b2": new["b2"].item(), "new_w11": new["W1"][0, 0], "new_w12": new["W1"][1, 0],
            "new_b1": new["b1"].item()}


def _texts_torch_code_float32():
    """Text 002's PyTorch program as written (float32, column vectors): its gradients and updated weights."""
    x = torch.tensor([[0.5], [0.8]])
    y = torch.tensor([[1.0]])
    W1 = torch.tensor([[0.4, 0.6]], requires_grad=True)
    b1 = torch.tensor([[0.1]], requires_grad=True)
    W2 = torch.tensor([[0.9]], requires_grad=True)
    b2 = torch.tensor([[0.1]], requires_grad=True)
    y_hat = torch.sigmoid(W2 @ torch.sigmoid(W1 @ x + b1) + b2)
    (0.5 * (y_hat - y) ** 2).sum().backward()
    return {"dl_dw2": W2.grad.item(), "dl_db2": b2.grad.item(), "dl_dw11": W1.grad[0, 0].item(),
            "dl_dw12": W1.grad[0, 1].item(), "dl_db1": b1.grad.item(),
            "new_w2": (W2 - 0.5 * W2.grad).item(), "new_b2": (b2 - 0.5 * b2.grad).item(),
            "new_b1": (b1 - 0.5 * b1.grad).item()}


def _texts_xor_loop():
    """Text 002's XOR program as written (legacy global seed 42, column layout, 5000 epochs)."""
    state = np.random.get_state()
    try:
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float).T
        Y = np.array([[0, 1, 1, 0]], dtype=float)
        np.random.seed(42)
        W1 = np.random.randn(4, 2) * 0.5
        b1 = np.zeros((4, 1))
        W2 = np.random.randn(1, 4) * 0.5
        b2 = np.zeros((1, 1))
    finally:
        np.random.set_state(state)
    printed = {}
    for epoch in range(5000):
        a1 = 1 / (1 + np.exp(-(W1 @ X + b1)))
        y_hat = 1 / (1 + np.exp(-(W2 @ a1 + b2)))
        if epoch % 1000 == 0:
            printed[epoch] = float(np.mean(0.5 * (y_hat - Y) ** 2))
        delta2 = (y_hat - Y) * y_hat * (1 - y_hat) / 4
        delta1 = (W2.T @ delta2) * a1 * (1 - a1)
        W2, b2 = W2 - 2.0 * delta2 @ a1.T, b2 - 2.0 * delta2.sum(axis=1, keepdims=True)
        W1, b1 = W1 - 2.0 * delta1 @ X.T, b1 - 2.0 * delta1.sum(axis=1, keepdims=True)
    return printed, y_hat.ravel()


def _xor_course():
    X, Y = sg.xor_dataset()
    s = sg.XOR_SETUP
    params = sg.init_params(s["hidden"], s["seed"])
    for k in range(s["steps"] + 1):
        Y_hat, cache = sg.forward(X, params)
        if np.array_equal((Y_hat > 0.5).astype(float), Y):
            return k, sg.train(X, Y, sg.init_params(s["hidden"], s["seed"]), s["lr"], s["steps"])
        params = sg.sgd_step(params, sg.backward(Y, params, cache), s["lr"])
    raise AssertionError("the course's XOR run never reaches 4/4")


# -- texts 000 and 001: the 4-3-4 ReLU network ----------------------------------------

def _torch_layout(dtype, text_code):
    """z1, loss and dL/db1 of the walk-through by torch, then the loss after one SGD step (lr 0.1).

    text_code: the texts' nn.Linear layout (weight (3, 4), 1-D x: x @ W.T + b); otherwise the
    course's layout (X (1, 4) @ W1 (4, 3) + b1)."""
    p = bp.walkthrough_params()
    if text_code:
        # nn.Linear's weight, filled with copy_ as the text does: contiguous (out, in) storage. (A
        # non-contiguous transposed view takes another summation path and gives z1[0] = 0.0 instead.)
        layer1, layer2 = torch.nn.Linear(4, 3).to(dtype), torch.nn.Linear(3, 4).to(dtype)
        with torch.no_grad():
            for layer, w, b in ((layer1, p["W1"], p["b1"]), (layer2, p["W2"], p["b2"])):
                layer.weight.copy_(torch.tensor(w.T.tolist(), dtype=dtype))
                layer.bias.copy_(torch.tensor(b.tolist(), dtype=dtype))
        t = {"W1": layer1.weight.detach().clone(), "b1": layer1.bias.detach().clone(),
             "W2": layer2.weight.detach().clone(), "b2": layer2.bias.detach().clone()}
        assert t["W1"].is_contiguous()
        x, y = torch.tensor(WALK_X[0], dtype=dtype), torch.tensor(WALK_Y[0], dtype=dtype)
        lin = torch.nn.functional.linear
        net = lambda t: lin(torch.relu(lin(x, t["W1"], t["b1"])), t["W2"], t["b2"])
        z1 = lambda t: lin(x, t["W1"], t["b1"])
    else:
        t = {k: torch.tensor(v, dtype=dtype) for k, v in p.items()}
        x, y = torch.tensor(WALK_X, dtype=dtype), torch.tensor(WALK_Y, dtype=dtype)
        net = lambda t: torch.relu(x @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
        z1 = lambda t: (x @ t["W1"] + t["b1"]).reshape(-1)
    for v in t.values():
        v.requires_grad_(True)
    loss = torch.mean((net(t) - y) ** 2)
    loss.backward()
    with torch.no_grad():
        after = torch.mean((net({k: v - 0.1 * v.grad for k, v in t.items()}) - y) ** 2).item()
        return z1(t)[0].item(), loss.item(), t["b1"].grad.numpy().copy(), after


def _texts_full_dataset_run():
    """Text 001's 16-image PyTorch program as written: seed 42, 4-3-4, SGD lr 0.05, 501 updates."""
    torch.manual_seed(42)
    layer1, layer2 = torch.nn.Linear(4, 3), torch.nn.Linear(3, 4)
    X, Y = (torch.tensor(a, dtype=torch.float32) for a in bp.make_dataset())
    params = [*layer1.parameters(), *layer2.parameters()]
    for _ in range(501):
        loss = torch.mean((layer2(torch.relu(layer1(X))) - Y) ** 2)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.05 * p.grad
    with torch.no_grad():
        return int((torch.round(layer2(torch.relu(layer1(X)))).clamp(0, 1) == Y).all(dim=1).sum())


def _lr_runs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {lr: bp.train(WALK_X, WALK_Y, bp.walkthrough_params(), lr, 200)[1] for lr in (0.01, 2.0, 4.0, 5.0)}


def _one_step_z1():
    p = bp.walkthrough_params()
    _, cache = bp.forward(WALK_X, p)
    new = bp.sgd_step(p, bp.backward(WALK_Y, p, cache), 0.1)
    changed = sum(int(np.sum(new[k] != p[k])) for k in p)
    total = sum(v.size for v in p.values())
    return bp.forward(WALK_X, new)[1]["z1"][0], changed, total - changed, new


@lru_cache(maxsize=1)
def computed():
    """name -> the value the note should state."""
    v = {}
    right, from_068 = walkthrough_reference(), _chain(0.68)
    torch_right = _chain(0.4 * 0.5 + 0.6 * 0.8 + 0.1)
    for key, value in torch_right.items():
        if key in right:
            assert math.isclose(right[key], value, rel_tol=1e-12), key     # reference == torch
        v[f"s002_{key}"] = value
    for key in ("y_hat", "loss", "delta2", "dl_dw2", "delta1"):
        v[f"s002_from_068_{key}"] = from_068[key]
    for key, value in _texts_torch_code_float32().items():
        v[f"s002_torch32_{key}"] = value
    printed, outputs = _texts_xor_loop()
    for epoch, loss in printed.items():
        v[f"s002_xor_text_loss_{epoch}"] = loss
    v["s002_xor_text_outputs"] = list(outputs)
    first, (_, losses) = _xor_course()
    v["s002_xor_course_first_correct"] = first
    v["s002_xor_course_final_loss"] = losses[-1]

    z_np = (WALK_X @ bp.walkthrough_params()["W1"] + bp.walkthrough_params()["b1"])[0, 0]
    v["s001_z1_0_numpy"] = z_np
    z32, loss0, db1_32, after32 = _torch_layout(torch.float32, text_code=False)
    z64, _, db1_64, after64 = _torch_layout(torch.float64, text_code=False)
    zt32, _, db1_t32, after_t32 = _torch_layout(torch.float32, text_code=True)
    v.update(s001_z1_0_torch32_course_layout=z32, s001_z1_0_torch64_course_layout=z64,
             s001_db1_torch32_course_layout=list(db1_32), s001_loss_after_unit0_alive=after32,
             s001_z1_0_torch32_text_code=zt32,
             s001_db1_torch32_text_code=list(db1_t32), s001_loss_after_text_torch_code=after_t32)
    assert math.isclose(after32, after64, rel_tol=1e-6) and np.allclose(db1_32, db1_64)
    _, losses = bp.train(WALK_X, WALK_Y, bp.walkthrough_params(), 0.1, 1)
    v.update(s001_loss_before=losses[0], s001_loss_after_one_step=losses[1],
             s001_improvement_percent=100 * (1 - losses[1] / losses[0]))
    v["s001_text_code_accuracy"] = _texts_full_dataset_run()
    for h in (1, 2, 3):
        v[f"s001_max_patterns_h{h}"] = sum(math.comb(4, i) for i in range(h + 1))
    runs = _lr_runs()
    v.update(s001_lr001_loss_200=runs[0.01][200], s001_lr2_loss_1=runs[2.0][1], s001_lr2_loss_2=runs[2.0][2],
             s001_lr4_loss_200=runs[4.0][200], s001_lr5_loss_200=runs[5.0][200])
    p = bp.walkthrough_params()
    after_lr2 = bp.sgd_step(p, bp.backward(WALK_Y, p, bp.forward(WALK_X, p)[1]), 2.0)
    v["s001_lr2_z1_2_after_1"] = bp.forward(WALK_X, after_lr2)[1]["z1"][0, 2]

    z1_new, changed, unchanged, new = _one_step_z1()
    v.update(s000_z1_after_one_step=list(z1_new), s000_params_changed=changed, s000_params_unchanged=unchanged,
             s000_y_hat_after_one_step=list(bp.forward(WALK_X, new)[0][0]))
    v["s002_one_over_text_1_4977"] = 1 / 1.4977      # the division the text's step 1.4 gets wrong
    v.update(_neuron())
    v.update(_gradients())
    v.update(_one_weight_descent())
    return v


# -- text 003: one step of learning for a sigmoid neuron ---------------------------------

TEXT_RELU_W = np.array([[0.01, -0.02, 0.03], [0.02, 0.01, -0.01]])     # text 003's layer (an input)
NEURON_LR = 1e-4                                                        # text 003's step (an input)


def _neuron():
    """Text 003's numbers by torch (float64), each checked against the reference solution."""
    X, y = nr.people()
    W, b = nr.text_params()
    v = {"s003_poly_value": og.texts_polynomial(2.0),
         "s003_poly_derivative": og.derivative(og.texts_polynomial_torch, 2.0)}
    Z = on.relu_layer(X, TEXT_RELU_W, np.zeros(2))
    np.testing.assert_allclose(nr.relu_layer(X, TEXT_RELU_W, np.zeros(2)), Z, rtol=1e-12)
    v["s003_relu_layer_z"] = list(Z.ravel())
    z, p = nr.neuron_forward(X, W, b)
    p_torch = on.sigmoid(z)
    np.testing.assert_allclose(p, p_torch, rtol=1e-12)
    loss, dW, db = on.neuron_loss_and_grads(X, y, W, b)
    assert math.isclose(nr.bce_loss(z, y), loss, rel_tol=1e-12)
    np.testing.assert_allclose(nr.bce_grads(X, y, W, b)[0], dW, rtol=1e-12)
    W_after, b_after = on.neuron_step(X, y, W, b, NEURON_LR)
    np.testing.assert_allclose(nr.neuron_step(W, b, nr.bce_grads(X, y, W, b), NEURON_LR)[0], W_after, rtol=1e-12)
    v.update(s003_p=list(p_torch), s003_loss=loss, s003_dl_dw=list(dW[0]), s003_dl_db=db[0],
             s003_w_after=list(W_after[0]), s003_b_after=b_after[0],
             s003_loss_after_one_step=on.neuron_loss_and_grads(X, y, W_after, b_after)[0])
    terms = F.binary_cross_entropy(torch.tensor(p_torch), torch.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose([nr.bce_loss(z[i:i + 1], y[i:i + 1]) for i in range(len(y))], terms, rtol=1e-12)
    true_class = np.round(np.where(y == 1, p_torch, 1 - p_torch), 2)
    v.update(s003_person_losses=list(terms), s003_rounded_p=list(true_class),
             s003_rounded_p_losses=list(-np.log(true_class)), s003_rounded_p_mean=float(np.mean(-np.log(true_class))))
    X32, W32, b32 = (torch.tensor(a, dtype=torch.float32) for a in (X, W, b))
    p32 = torch.sigmoid((X32 @ W32.T + b32).squeeze(1))
    v["s003_loss_float32"] = F.binary_cross_entropy(p32, torch.tensor(y, dtype=torch.float32)).item()
    return v


# -- text 004: gradient descent on the bowl f(x, y) = x**2 + 3 y**2 ---------------------

BOWL_START, BOWL_LR, BOWL_STEPS = np.array([4.0, 3.0]), 0.05, 8         # text 004's run (inputs)


def _accumulating_descent(lr, steps):
    """Text 004's torch loop without `w.grad.zero_()`: losses before each step, and .grad after each."""
    w = torch.tensor(BOWL_START, dtype=torch.float64, requires_grad=True)
    losses, grads = [], []
    for _ in range(steps):
        loss = og.bowl_torch(w)
        losses.append(loss.item())
        loss.backward()
        grads.append(w.grad.numpy().copy())
        with torch.no_grad():
            w -= lr * w.grad
    return losses, grads


def _gradients():
    """Text 004's numbers by the reference and torch autograd (float64), checked against each other."""
    path = gr.gradient_descent(gr.grad_f, BOWL_START, BOWL_LR, BOWL_STEPS)
    np.testing.assert_allclose(path, og.descent_path(og.bowl_torch, BOWL_START, BOWL_LR, BOWL_STEPS), rtol=1e-14)
    grads = [og.gradient(og.bowl_torch, point) for point in path]
    v = {"s004_losses_start": [gr.f_loss(point) for point in path[:3]], "s004_final_loss": gr.f_loss(path[-1]),
         "s004_grad_step_1": list(grads[1]), "s004_grad_step_2": list(grads[2]),
         "s004_grad_norm_step_1": float(np.linalg.norm(grads[1])),
         "s004_grad_norm_step_2": float(np.linalg.norm(grads[2])), "s004_final_point": list(path[-1]),
         "s004_final_point_closed_form": [4 * (1 - 2 * BOWL_LR) ** BOWL_STEPS, 3 * (1 - 6 * BOWL_LR) ** BOWL_STEPS]}
    at, exact = np.array([2.0, 1.0]), og.gradient(og.bowl_torch, np.array([2.0, 1.0]))
    v["s004_central_error_h1e7_dx"] = abs(gr.partial_derivative(gr.f_loss, at, 0, 1e-7) - exact[0])
    v["s004_central_error_h1e7_dy"] = abs(gr.partial_derivative(gr.f_loss, at, 1, 1e-7) - exact[1])
    fast = gr.gradient_descent(gr.grad_f, BOWL_START, 0.1, 50)
    v["s004_y_factor_lr_0_1"] = fast[1, 1] / fast[0, 1]
    v["s004_y_sign_changes_lr_0_1"] = int(np.sum(np.diff(np.sign(fast[:, 1])) != 0))
    losses, accumulated = _accumulating_descent(BOWL_LR, 2000)
    own = og.gradient(og.bowl_torch, path[1])
    v.update(s004_accumulated_grad_step_1=list(accumulated[1]),
             s004_accumulated_ratio_step_1=list(accumulated[1] / own),
             s004_accumulated_losses=losses[:BOWL_STEPS + 1], s004_accumulated_loss_min_2000=min(losses),
             s004_accumulated_loss_max_2000=max(losses))
    return v


def _one_weight_descent():
    """Text 004's descent on (w - 3)**2 + 1 and text 003's learning-rate visualiser on (w - 3)**2 (the
    same gradient), from w = 0: by the reference's gradient_descent, checked against torch autograd."""
    from test_content_gradients_neuron import descent_1d as path
    walk = path(0.1, 10)
    v = {"s004_1d_w_after_10": walk[-1], "s004_1d_loss_after_10": (walk[-1] - 3) ** 2 + 1,
         "s003_lr_0_5_w_after_1": path(0.5, 1)[1]}
    for lr, key in ((0.01, "0_01"), (0.1, "0_1")):
        v[f"s003_lr_{key}_updates_to_within_0_01"] = int(np.flatnonzero(np.abs(path(lr, 1000) - 3) < 0.01)[0])
    return v


# -- reading the note -------------------------------------------------------------------

def _numbers(text):
    text = text.strip()
    items = [s.strip() for s in text[1:-1].split(",")] if text.startswith("[") and text.endswith("]") else [text]
    for item in items:
        if not NUMBER.match(item):
            raise AssertionError(f"not a number in ERRATA.md: {item!r} (in `{text}`)")
    return [item.replace("−", "-") for item in items]


def _matches(stated: str, value) -> bool:
    value = float(value)
    if "e" in stated:
        mantissa, exponent = stated.split("e")
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return abs(value - float(stated)) <= 0.5 * 10.0 ** (int(exponent) - digits) * (1 + 1e-9)
    if "." not in stated:
        return value == int(stated)
    digits = len(stated.split(".")[1])
    return abs(value - float(stated)) <= 0.5 * 10.0 ** -digits * (1 + 1e-9)


def claims():
    return [(m.group(1), m.group(2)) for m in CLAIM.finditer(NOTE.read_text(encoding="utf-8"))]


def test_the_note_states_exactly_the_computed_names():
    stated = {name for name, _ in claims()}
    assert stated == set(computed()), (f"stated but not computed: {sorted(stated - set(computed()))}; "
                                       f"computed but not stated: {sorted(set(computed()) - stated)}")


def _matching_alternatives(name, text) -> list[int]:
    """Indices of the `a | b` alternatives of a claim that the value computed here matches."""
    value = computed()[name]
    values = value if isinstance(value, list) else [value]
    found = []
    for i, alternative in enumerate(text.split(" | ")):
        stated = _numbers(alternative)
        assert len(stated) == len(values), f"{name}: states {len(stated)} numbers, computed {len(values)}"
        if all(_matches(s, x) for s, x in zip(stated, values)):
            found.append(i)
    return found


@pytest.mark.parametrize("name, text", claims())
def test_every_stated_value_is_recomputed(name, text):
    assert _matching_alternatives(name, text), \
        f"ERRATA.md states {name} = {text}, but it computes to {computed()[name]}"


# The texts' set-up inputs the note names in prose (weights, inputs, learning rates, step sizes, the
# agreement tolerance): the only numbers with a decimal point or an exponent it may write without a claim.
INPUTS = {float(x) for x in (*sg.walkthrough_example()[0].ravel(), *np.concatenate(
    [a.ravel() for a in sg.walkthrough_params().values()]), 0.5, BOWL_LR, NEURON_LR, 0.1, 2.0, 0.01, 1e-7, 1e-12)}
PROSE_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+−]?\d+)?(?![\w.]*\d)")


def test_every_other_number_of_the_note_is_a_computed_value_or_an_input():
    """Outside code spans and «quotes», a number with a decimal point or an exponent repeats a
    computed value as the note states it, or is an input of a text's set-up (INPUTS)."""
    text = NOTE.read_text(encoding="utf-8")
    stated = {item for _, value in claims() for alternative in value.split(" | ") for item in _numbers(alternative)}
    prose = re.sub(r"\d+\.\d+\.\d+", "", re.sub(r"«[^»]*»", "", re.sub(r"`[^`]*`", "", text)))  # and versions
    unchecked = []
    for number in PROSE_NUMBER.findall(prose):
        number = number.replace("−", "-")
        if ("." in number or "e" in number) and number not in stated and float(number) not in INPUTS:
            unchecked.append(number)
    assert not unchecked, f"numbers in ERRATA.md that no computation checks: {unchecked}"
    assert "«" in text and len(stated) > 100


def test_the_note_names_no_path_outside_the_repository():
    text = NOTE.read_text(encoding="utf-8")
    assert "DESIGN.md" not in text and not re.search(r"(?<![\w.])/(work|home|tmp|usr|opt)/", text)
    assert not (NOTE.parent / "ERRATA_gradients_neuron.md").exists(), "one errata note, not two"


def test_machine_dependent_values_agree_on_the_machine():
    """The `a | b` claims describe one machine or the other, never a mix."""
    picks = {name: _matching_alternatives(name, text) for name, text in claims() if " | " in text}
    assert picks and len({tuple(p) for p in picks.values()}) == 1, picks


def test_bias_only_gradient_descent_is_stable_below_lr_4():
    """The note's explanation of exercise 1: with every hidden unit dead, only b2 learns, each entry's loss
    is (b2_j + c_j - y_j)^2 / 4 (curvature 1/2), so plain gradient descent converges iff lr < 2 / (1/2) = 4."""
    p = bp.walkthrough_params()
    p["b1"] = np.array([-5.0, -5.0, -5.0])             # every unit dead for this input
    for lr, trend in ((3.9, "down"), (4.0, "flat"), (4.1, "up")):
        _, losses = bp.train(WALK_X, WALK_Y, p, lr, 200)
        if trend == "down":
            assert losses[-1] < 1e-6 * losses[0]
        elif trend == "flat":
            np.testing.assert_allclose(losses, losses[0], rtol=1e-12)
        else:
            assert losses[-1] > 10 * losses[0]
