"""Parameters the kinds accept at the edges of their ranges give a trace (issue 24): they crashed with an
IndexError (coin_run max_rounds=1, tests/test_coin_mwu.py), a zero-size reduction (robust_study_paper when
blacklisting removed every source) or NaN (fewer than 5 sources left, a zero loss scale)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.kinds import simulate
from sim.mw.paper_compat import _per_scale

NEVER = -1


def _check_study(t):
    n_active, est, black = t.arrays["n_active"], t.arrays["estimates"], t.arrays["blacklisted_at"]
    n = t.params["n_sources"]
    assert (np.diff(n_active, axis=1) <= 0).all() and (n_active[:, 0] == n).all()
    for run in range(n_active.shape[0]):
        for r, k in enumerate(n_active[run]):
            # sources queried in round r+1: those not blacklisted in an earlier round
            assert k == ((black[run] == NEVER) | (black[run] > r)).sum()
            assert np.isfinite(est[run, r]).all() == (k > 0)


@pytest.mark.parametrize(
    "sets",
    [
        {"eta": 10.0, "n_sources": 30},  # every source removed in round 1
        {"tau": 0.999, "n_sources": 30},
        {"rounds": 1000, "n_sources": 10, "runs": 2},  # down to one source, which keeps loss 0
        {"eta": 10.0, "n_sources": 10, "rounds": 50, "runs": 2},
    ],
)
def test_robust_study_paper_at_the_edges(sets):
    with np.errstate(all="raise"):  # no NaN made by 0/0 or an empty mean
        t = simulate("robust_study_paper", 0, sets)
    _check_study(t)


def test_a_zero_scale_gives_a_report_at_the_centre_no_loss():
    assert _per_scale(np.array([0.0, 0.5]), 0.0).tolist() == [0.0, np.inf]
    assert _per_scale(np.array([0.0, 0.5]), 2.0).tolist() == [0.0, 0.25]


def test_robust_sweep_with_scale_bad_zero():
    """scale_bad = 0: the strategy's Byzantine sources report the centre exactly; every error is finite."""
    t = simulate("robust_sweep", 0, {"scale_bad": 0, "trials": 5, "rounds": 3})
    i = t.meta["strategies"].index("scale_bad")
    assert np.isfinite(t.arrays["final_error"][i]).all()
