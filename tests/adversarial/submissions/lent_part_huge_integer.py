"""Asks a lent reference part for unbounded work through a plain integer: train is left out, so
the grader lends the reference's to lr_sweep, which first asks it for a billion training steps
(on the trusted side, where no time limit can stop it: hours), as an int and as a 0-d integer
array. Both are refused before any work (integers at most 4 x the largest the grader passed in);
lr_sweep catches the refusals, goes on honestly and keeps its points, and the grading ends in
seconds."""


def lr_sweep(X, Y, params, lrs, steps):
    try:
        train(X, Y, params, 0.1, 10**9)
    except Exception as err:
        print("REFUSED", str(err)[:120])
    try:                                        # the same number as a 0-d integer array
        train(X, Y, params, 0.1, np.array(10**9))
    except Exception as err:
        print("REFUSED", str(err)[:120])
    return np.array([train(X, Y, params, lr, steps)[1] for lr in lrs], dtype=np.float64)
