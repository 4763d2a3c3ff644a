"""Grade a NumPy backpropagation course: release its notebooks, grade students' work, export grades.

Each command is a thin layer over a plain function of the package (argparse here, the work there):

    autograder generate ASSIGNMENT          release with nbgrader into release/ASSIGNMENT/
    autograder grade ASSIGNMENT PATH --json one submission -> results.json on stdout
    autograder grade ASSIGNMENT             every submission in submitted/, into the gradebook, + feedback
    autograder export ASSIGNMENT            nbgrader CSV, Canvas CSV, Gradescope results.json
    autograder demo                         build, release, make a demo class, grade it, report
    autograder codes                        the diagnosis codes as Markdown (docs/diagnosis.md)
    autograder check NOTEBOOK [FUNCTION ...] a student's public checks, with the points at stake
    autograder validate [ASSIGNMENT ...]    pre-release check: reference, release, mutants, correct variants
    autograder prepare-cases [ASSIGNMENT ...] draw and check every hidden case set ahead of grading
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from .course import COURSE_FILE, CourseError, load_course
from .text import MESSAGE_CAP, terminal_text


def _course(args):
    return load_course(args.course_file)


def cmd_generate(args) -> int:
    from .release import ReleaseError, release
    course = _course(args)
    try:
        done = release(course, course.assignment(args.assignment), course_dir=Path(args.course_dir))
    except ReleaseError as err:
        print(f"autograder: {err}", file=sys.stderr)
        return 2
    print(f"Released {args.assignment} to {done.release_dir}")
    for note in done.notes:
        print(f"note: {note}")
    return 0


def cmd_grade(args) -> int:
    """One submission, or every submission in submitted/ then the feedback pages and the class report.

    Exit status of a batch: 0 when every submission was graded and recorded, even if nbgrader could
    not make some student's feedback page (a page is not a grade: the students concerned are named
    on stderr with the reason, everyone else gets theirs, the report is written); 1 when a
    submission could not be graded (the grader's failure, not recorded as a grade); 2 when the batch
    could not start; 130 on Ctrl-C. Every name and message from a submission reaches the console
    through `text.terminal_text` (no control character of theirs is printed)."""
    if not args.path and not args.scheduler:
        from .local_workers import start_fork_server
        start_fork_server()       # it imports the grader while this process reads the course
    course = _course(args)
    assignment = course.assignment(args.assignment)
    if args.path:
        from .grade import GraderError, grade_submission
        from .isolation import isolation_notice
        try:
            result = grade_submission(assignment, args.path, isolation=args.isolation,
                                      hidden=(Path(args.course_dir).resolve(),))
        except GraderError as err:
            print(f"autograder: could not grade {terminal_text(args.path, MESSAGE_CAP)}: "
                  f"{terminal_text(err, MESSAGE_CAP, lines=True)}", file=sys.stderr)
            return 2
        _instructor_notice(isolation_notice(assignment, args.isolation))
        if args.json:
            json.dump(result, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            from .report import print_result
            print_result(result, title=f"{args.assignment}: {args.path}")
        return 0
    from .batch import BatchError, Interrupted, grade_class
    from .isolation import isolation_notice
    from .report import print_batch_summary, print_grade_table
    course_dir = Path(args.course_dir)
    gc.freeze()      # what the imports made lives as long as the command: no collection walks it again
    try:
        summary = grade_class(course, assignment, course_dir=course_dir, isolation=args.isolation,
                              workers=args.workers, scheduler=args.scheduler, regrade=args.regrade,
                              students=args.student)
    except BatchError as err:
        print(f"autograder: {terminal_text(err, MESSAGE_CAP, lines=True)}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"autograder: {stop}", file=sys.stderr)
        _exit_now(130)
    print_grade_table(summary, assignment)
    _instructor_notice(isolation_notice(assignment, args.isolation))
    if args.feedback and (summary.graded or args.student):
        from .feedback import generate_feedback
        unmade: dict[str, str] = {}
        folder = generate_feedback(course, course_dir, assignment, students=args.student, failures=unmade)
        print(f"feedback: {folder}/<student>/{assignment.name}/")
        _no_feedback_notice(unmade)
    if args.report and not args.student:
        from .batch import find_submissions
        from .class_report import write_class_report
        report = write_class_report(course_dir, assignment, summary, {
            s.student: s.path for s in find_submissions(course_dir, assignment) if s.path is not None})
        print(f"class report: {report}")
    print_batch_summary(summary, assignment)
    failed = sorted(student for student, result in summary.items() if "error" in result)
    if failed:       # the grader's failures: reported here, never stored as the students' grades
        print(f"autograder: {len(failed)} submission(s) could not be graded and were not recorded "
              f"({', '.join(map(terminal_text, failed[:20]))}{', ...' if len(failed) > 20 else ''}); the reasons "
              "are in the table above. Fix the cause and run the same command again.", file=sys.stderr)
        return 1
    return 0


def _no_feedback_notice(unmade: dict[str, str]) -> None:
    """The students nbgrader could make no feedback page for, each with the reason (on stderr)."""
    if not unmade:
        return
    print(f"autograder: no feedback page for {len(unmade)} student(s); their grades are recorded all the same, "
          "and every other graded student has their page:", file=sys.stderr)
    for student, reason in sorted(unmade.items()):
        print(f"  {terminal_text(student)}: {terminal_text(reason, MESSAGE_CAP)}", file=sys.stderr)


def cmd_export(args) -> int:
    from .exports import export_all
    course = _course(args)
    for what, where in export_all(course, Path(args.course_dir), course.assignment(args.assignment),
                                  Path(args.to) if args.to else None).items():
        print(f"{what}: {where}")
    return 0


def _exit_now(code: int) -> None:
    """End at once after Ctrl-C: every result is on disk, the workers are killed and the fork
    server dies with this process, so waiting for the interpreter's own shutdown (which a second
    Ctrl-C could leave hanging) buys nothing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _instructor_notice(text) -> None:
    """What the sandbox lacks on this machine: for the instructor's console, never a student."""
    if text:
        print(f"autograder: {text}", file=sys.stderr)


def cmd_demo(args) -> int:
    from .batch import BatchError
    from .demo import run_demo
    try:
        return run_demo(load_course(args.course_file), course_dir=Path(args.course_dir), isolation=args.isolation,
                        workers=args.workers, assignments=args.assignment)
    except BatchError as err:
        print(f"autograder: {err}", file=sys.stderr)
        return 2


def cmd_codes(args) -> int:
    from .diagnosis import markdown_doc
    sys.stdout.write(markdown_doc())
    return 0


def cmd_check(args) -> int:
    from .check import check
    return check(_course(args), Path(args.notebook), args.function, assignment=args.assignment)


def cmd_validate(args) -> int:
    from .validate import main as validate_main
    return validate_main(_course(args), assignments=args.assignment, functions=args.function,
                         per_function=args.per_function, release=not args.no_release, isolation=args.isolation)


def cmd_prepare_cases(args) -> int:
    import time

    from .case_pool import SLOTS, PoolError, prepare
    from .cases import SecretError, course_secret
    course = _course(args)
    names = args.assignment or list(course.assignments)
    for name in names:
        assignment = course.assignment(name)
        started = time.monotonic()
        try:
            prepare(assignment, course_secret(assignment.root))
        except (PoolError, SecretError) as err:
            print(f"autograder: {name}: {err}", file=sys.stderr)
            return 2
        print(f"{name}: {SLOTS} case sets ready, each checked against the reference "
              f"({time.monotonic() - started:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder", description=__doc__.split("\n\n")[0],
        epilog="Instructors: `autograder validate ASSIGNMENT` says what a graded function still needs "
               "(docs/authoring.md); `autograder generate ASSIGNMENT` releases it. Graders: `autograder grade "
               "ASSIGNMENT` grades every submission in submitted/.")
    parser.add_argument("--course-file", default=str(COURSE_FILE), help="course.toml to read")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_course_dir(p, default="."):
        p.add_argument("--course-dir", default=default,
                       help="nbgrader course directory (release/, submitted/, gradebook.db)")

    def with_isolation(p):
        p.add_argument("--isolation", choices=["auto", "bwrap", "none"], default="auto",
                       help="sandbox for student code: bubblewrap (auto: required by a batch, used when "
                            "available for one file), required (bwrap), or the weaker fallback (none)")

    p = sub.add_parser("generate", help="release an assignment to students with nbgrader (refused, with what to "
                                        "add, while a graded function lacks a piece)")
    p.add_argument("assignment", help="an assignment of course.toml (e.g. backprop)")
    with_course_dir(p)
    p.set_defaults(run=cmd_generate)

    p = sub.add_parser("grade", help="grade one submission (PATH) or every submitted one")
    p.add_argument("assignment", help="an assignment of course.toml (e.g. backprop)")
    p.add_argument("path", nargs="?", help="a .ipynb or .py submission; omit to grade submitted/")
    p.add_argument("--json", action="store_true", help="print results.json to stdout")
    p.add_argument("--workers", type=int, default=None, help="parallel workers for a batch (default: cores)")
    p.add_argument("--scheduler", default=None, help="a Dask scheduler address to grade the batch on")
    p.add_argument("--regrade", action="store_true", help="grade again what is already graded")
    p.add_argument("--student", action="append", default=None,
                   help="grade (again) only this student's submission (repeatable)")
    p.add_argument("--no-feedback", dest="feedback", action="store_false",
                   help="skip nbgrader generate_feedback after the batch (feedback/<student>/<assignment>/)")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="skip the class report after the batch (reports/<assignment>/index.html)")
    with_course_dir(p)
    with_isolation(p)
    p.set_defaults(run=cmd_grade)

    p = sub.add_parser("export", help="grades for the LMS: nbgrader's CSV, a Canvas gradebook CSV, "
                                      "Gradescope results.json per student")
    p.add_argument("assignment", help="an assignment of course.toml (e.g. backprop)")
    p.add_argument("--to", default=None, help="folder for the exports (default: COURSE_DIR/exports)")
    with_course_dir(p)
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("demo", help="build, release, grade a demo class and show the grade table")
    with_course_dir(p, default="demo")
    with_isolation(p)
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument("--assignment", action="append", default=None, help="only this assignment (repeatable)")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("codes", help="print the diagnosis codes")
    p.set_defaults(run=cmd_codes)

    p = sub.add_parser("check", help="run the public checks on your notebook (or .py module) and show the "
                                     "points they cover: a first signal, not the grade")
    p.add_argument("notebook", help="your .ipynb (or a .py module of the same functions)")
    p.add_argument("function", nargs="*", help="only these functions (default: every graded function)")
    p.add_argument("--assignment", default=None, help="the assignment, when the file is named otherwise")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("validate", help="check an assignment before release: what each graded function still "
                                        "needs (one line each), then the reference scores full marks, the release "
                                        "zero, every known mistake is caught and named, every correct variant "
                                        "scores full marks")
    p.add_argument("assignment", nargs="*", help="assignments to validate (default: all in course.toml)")
    p.add_argument("--function", action="append",
                   help="only the mutants and correct variants of this function (repeatable)")
    p.add_argument("--per-function", type=int, metavar="N",
                   help="a quick check: only the first N catalogued mutants and correct variants of each function")
    p.add_argument("--no-release", action="store_true", help="skip releasing and grading the untouched release")
    with_isolation(p)
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("prepare-cases", help="draw every set of hidden cases ahead of a grading day and check each "
                                             "against the reference (else the first submission to meet a set does)")
    p.add_argument("assignment", nargs="*", help="assignments (default: all in course.toml)")
    p.set_defaults(run=cmd_prepare_cases)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as err:
        print(f"autograder: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograder: interrupted", file=sys.stderr)
        return 130
    finally:
        # Nothing is left to collect that the interpreter's shutdown must find: its last collections
        # would walk every object the imports made (nbgrader, Dask, NumPy), about 0.3 s per command.
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
