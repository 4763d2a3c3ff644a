"""The adversarial corpus: what each submission in `submissions/` must score, and why.

Each submission tries to raise its score or to break grading. `EXPECTED[name]` lists, for the
functions it defines, the exact (score, tags) it must get: what its honest work earns and not a
point more. Every function not listed must score 0 with `not_defined`. Placeholders in the
sources are filled in by the test: __PROJECT_ROOT__ (the grader's own folder, as an attacker
who knows the layout would write it) and __PORT__ (a TCP listener the test runs on the grader's
machine).

A function whose values are garbage (objects, NaN, constants) scores exactly 0: its core check
(the randomized comparison with the reference) fails, and without it no other check counts
(autograder/results.py), so properties garbage can fake ("keeps its input") earn nothing.
"""
from dataclasses import dataclass, field



@dataclass(frozen=True)
class Expect:
    functions: dict                      # function -> (score, [tags])
    modes: tuple = ("bwrap", "none")     # isolation modes in which this outcome is promised
    output_has: tuple = ()               # substrings the results' output must contain
    output_lacks: tuple = ()             # substrings it must not contain (leaks, forged text)
    note: str = ""
    checks: tuple = field(default=())    # names of extra checks in test_corpus.py


HIDDEN_TEXT = ("@graded(", "def test_", "assert_close(")
SOLUTION_TEXT = ("walkthrough_params", "def init_params", "STOLE")

EXPECTED = {
    "patch_numpy_checks": Expect(
        {"relu": (0.0, ["mutates_input"]), "relu_grad": (1.0, [])},
        note="np.allclose, np.testing, np.shares_memory replaced in the child: verdicts are made on the "
             "trusted side, and mutation is judged from the arrays sent back"),
    "patch_builtins": Expect(
        {"relu": (0.0, ["wrong_values"]), "dL_dy": (1.0, [])},
        note="builtins replaced; the child restores them after loading, so it still answers"),
    "always_equal_object": Expect(
        {"relu": (0.0, ["not_array"]), "relu_grad": (0.0, ["not_array"]), "mse_loss": (0.0, ["not_array"]),
         "dL_db2": (1.0, [])},
        note="objects with __eq__ -> True and __array__, an ndarray subclass: they cross as Opaque"),
    "object_and_odd_arrays": Expect(
        {"relu": (0.0, ["not_array"]), "relu_grad": (0.0, ["not_array"]), "dL_dy": (0.0, ["not_array"]),
         "sgd_step": (1.0, []), "dL_db2": (1.0, [])},
        note="object, structured and string arrays; a dict subclass whose items() raises, read by dict's "
             "own methods on the wire (its right values: full marks)"),
    "nan_and_inf": Expect(
        {"relu": (0.0, ["not_finite"]), "relu_grad": (0.0, ["not_finite"]), "mse_loss": (0.0, ["not_finite"]),
         "rel_error": (0.0, ["rel_error_zero_guard"]), "dL_db2": (1.0, [])}),
    "read_solutions": Expect(
        {}, output_lacks=SOLUTION_TEXT,
        note="relative and absolute paths to solutions/; without bwrap this holds because solutions/ is "
             "not readable by 'nobody' (the warning says so when it is)"),
    "scan_filesystem": Expect(
        {}, modes=("bwrap",), output_lacks=SOLUTION_TEXT,
        note="globs the whole filesystem for any copy of the solutions; only bubblewrap hides files that "
             "are world-readable, so this is promised with bwrap only (the no-bwrap warning says so)"),
    "read_hidden_tests": Expect(
        {"dL_dy": (1.0, [])}, output_lacks=HIDDEN_TEXT + ("ENVIRON PATH=/root", "ENVIRON HOME=/root")),
    "read_other_students": Expect(
        {"relu": (1.0, [])}, checks=("victim_unseen",),
        note="another student's sandbox runs at the same time; its submission must stay unreadable"),
    "slow_load": Expect(
        {"relu": (0.0, ["timeout"])},
        note="a file that never finishes loading is skipped after the load time limit, once, not once per "
             "function; what it defines scores 0 with `timeout`, the rest is not defined"),
    "write_outside": Expect(
        {"relu_grad": (1.0, [])}, checks=("project_unchanged",)),
    "sockets": Expect(
        {"relu": (1.0, [])}, checks=("listener_untouched",)),
    "fork_bomb": Expect(
        {"relu": (1.0, []), "relu_grad": (0.0, ["crashed"])},
        note="seccomp refuses fork/clone: PermissionError, not a fork bomb"),
    "infinite_loop": Expect(
        {"relu": (0.0, ["timeout"]), "relu_grad": (1.0, [])}),
    "huge_allocation": Expect(
        {"relu": (0.0, ["memory_limit"]), "relu_grad": (0.0, ["memory_limit"]), "dL_dy": (1.0, [])}),
    "huge_output": Expect(
        {"relu": (1.0, [])}, checks=("output_capped",)),
    "signal_handlers": Expect(
        {"relu": (0.0, ["timeout"]), "dL_dy": (1.0, [])},
        note="SIGTERM/SIGALRM/SIGXCPU ignored: the grader uses SIGKILL; kill() of others is refused"),
    "threads_left_running": Expect(
        {"relu_grad": (1.0, [])},
        note="threads cannot start in the child (seccomp), so none scribble on the channel"),
    "exits_and_crashes": Expect(
        {"relu": (0.0, ["crashed"]), "relu_grad": (0.0, ["crashed"]), "mse_loss": (0.0, ["crashed"]),
         "dL_dy": (0.0, ["crashed"]), "dL_dW2": (0.0, ["crashed"]), "dL_db2": (0.0, ["crashed"]),
         "dL_dh": (1.0, [])},
        note="os._exit(0), sys.exit, segfault, RecursionError, C-stack overflow, abort: one restart each"),
    "forged_stdout": Expect(
        {"relu": (0.0, ["mutates_input"]), "relu_grad": (1.0, [])},
        output_has=('"score": 25.0',), checks=("json_intact",),
        note="a fake results.json on stdout lands, quoted, in the output field and nowhere else"),
    "forged_frames": Expect(
        {"relu": (0.0, ["crashed"]), "relu_grad": (0.0, ["crashed"]), "dL_dy": (0.0, ["crashed"])},
        note="frames without the request's nonce, a non-message, a 2**62-byte length: all refused"),
    "hardcoded_walkthrough": Expect(
        {"mse_loss": (0.0, ["wrong_values"]), "dL_dW2": (0.0, ["shape"]), "dL_dW1": (0.0, ["shape"]),
         "dL_db2": (1.0, [])},
        note="constant walk-through answers; mse_loss's one fixed-input check a constant happens to "
             "answer earns nothing once the randomized core check fails"),
    "torch_import": Expect(
        {"relu": (0.0, ["forbidden_import"]), "relu_grad": (0.0, ["forbidden_import"]),
         "dL_dy": (0.0, ["crashed"]), "dL_db2": (1.0, [])},
        note="plain, obfuscated, and after removing the import blocker: the child's runtime has no torch"),
    "unix_sockets": Expect(
        {"relu": (1.0, [])}, checks=("listener_untouched",),
        note="abstract and filesystem UNIX sockets of the host: seccomp refuses socket() itself"),
    "hostile_strings": Expect(
        {"relu": (0.0, ["crashed"]), "relu_grad": (0.0, ["not_array"]), "mse_loss": (0.0, ["crashed"]),
         "dL_dy": (1.0, [])},
        output_has=("[bold green]graded: 31/31[/]",), checks=("results_small",),
        note="a lone surrogate, rich markup, a Markdown fence with <script>, 16 MiB messages: capped, "
             "valid UTF-8, shown as the characters they hold"),
    "deep_ast": Expect(
        {"relu": (0.0, ["syntax_error"])},
        note="200,000 nested additions: the grader's import scan and the child's compiler both survive"),
    "broadcast_bomb": Expect(
        {"relu": (1.0, []), "dL_dW2": (0.0, ["shape"]), "dL_db2": (0.0, ["shape"]),
         "mse_loss": (0.0, ["not_array"]), "backward": (2.0, ["calls_wrong_part"])},
        note="(M, 1, 1) arrays are refused by shape before any arithmetic; backward is right (graded with the "
             "reference parts lent) and its note's run with its own parts compares shapes first"),
    "memory_outside_limit": Expect(
        {"relu": (1.0, []), "relu_grad": (1.0, [])},
        output_has=("MEMFD REFUSED", "SHM REFUSED", "MSGGET REFUSED", "SEMGET REFUSED"),
        output_lacks=("HELD", "MADE"),
        note="memfds and SysV shared memory (message queues and semaphores too) hold memory the "
             "address-space limit does not count, and a SysV segment outlives its process without "
             "bubblewrap's IPC namespace: seccomp refuses to create any"),
    "fill_disk": Expect(
        {"relu": (1.0, [])}, checks=("nothing_left",),
        note="the child's folder and temporary folders are size-limited tmpfs that end with the child"),
    "read_course_files": Expect(
        {"relu": (1.0, [])}, checks=("course_unseen",),
        note="world-readable course files (submitted/, autograded/, gradebook.db, source/) and the "
             "project: hidden by bubblewrap, and by the fallback's own mount namespace"),
    "honest_thread": Expect(
        {"relu": (0.0, ["crashed"]), "relu_grad": (1.0, [])},
        output_has=("[... more output not shown]",), checks=("thread_rule_named",),
        note="honest habits: output past the cap is dropped and noted; a thread cannot start and the "
             "message names the rule"),
    "keeps_reference_part": Expect(
        {**{name: (1.0, []) for name in ("relu", "relu_grad", "mse_loss", "dL_dy", "dL_db2", "dL_dh", "dL_dz1",
                                         "dL_dW1", "dL_db1", "sgd_step")},
         "forward": (2.0, []), "dL_dW2": (0.0, ["wrong_values"]), "backward": (2.0, ["calls_wrong_part"]),
         "train": (0.0, ["reference_part_misused"])},
        note="a stand-in the grader lent backward, kept and called during train: refused and named"),
    "lent_part_huge_integer": Expect(
        {"lr_sweep": (2.0, [])}, output_has=("REFUSED", "an integer of 1000000000"),
        note="a billion training steps asked of the lent train: refused before any work"),
    "floods_lent_part": Expect(
        {**{name: (1.0, []) for name in ("relu", "relu_grad", "mse_loss", "dL_dy", "dL_db2", "dL_dh", "dL_dz1",
                                         "dL_dW1", "dL_db1", "rel_error")},
         "forward": (2.0, []), "dL_dW2": (0.0, ["wrong_values"]), "backward": (2.0, ["calls_wrong_part"]),
         "numerical_gradient": (0.0, ["wrong_values"]), "gradient_check": (0.0, ["crashed"])},
        note="arrays far larger than the grader sent, refused before any arithmetic; invocations nested "
             "without end, cut at a fixed depth"),
    "tamper_child": Expect(
        {"relu": (0.75, ["mutates_input"]), "relu_grad": (0.0, ["crashed"]), "dL_db2": (1.0, [])},
        note="rewrites the child's reply encoder to turn exceptions into results: refused by the trusted "
             "side's checks of the reply"),
}
