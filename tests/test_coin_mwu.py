"""The global-coin MWU (Aggarwal et al. 2017, Sec. 1.1) and its adversaries: known results and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.coin.adaptive import max_volatile
from sim.coin.coin_mwu import check_params, default_eta, run_coin
from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.core.sweeps import get_sweep, run_serial


@pytest.mark.parametrize("n", [10, 11])
def test_without_corruption_expected_rounds_is_two(n):
    """z does not depend on d, so P(z = d) = 1/2 each round: rounds ~ Geometric(1/2), mean 2, variance 2.
    With R runs the sample mean has standard error sqrt(2 / R); 5 standard errors is the tolerance."""
    R = 4000
    res = run_coin(n, 0, default_eta(n), R, np.random.default_rng(n), adversary="none")
    tol = 5 * math.sqrt(2 / R)
    assert abs(res.rounds.mean() - 2) < tol
    assert abs(np.mean(res.rounds == 1) - 0.5) < 5 * math.sqrt(0.25 / R)
    assert not res.censored.any()


def _check_trace(tr, eta):
    w, a, d, z = tr["weights"], tr["advice"].astype(float), tr["d"].astype(int), tr["z"].astype(int)
    R = len(d)
    assert np.all(w > 0) and np.all(np.isfinite(w))  # weights positive
    np.testing.assert_allclose(w[0], 1.0)
    S = np.einsum("rn,rn->r", w, a)
    assert np.all(np.where(S >= 0, 1, -1)[np.abs(S) > 1e-9 * w.sum(1)] == z[np.abs(S) > 1e-9 * w.sum(1)])
    # the run ends in the first round with z = d
    assert np.all(z[:-1] != d[:-1])
    if not tr.meta["censored"]:
        assert z[-1] == d[-1] and tr.meta["rounds"] == R
    # the update rule w <- w (1 + eta m), m = +1 if a = d else -1
    m = np.where(a[:-1] == d[:-1, None], 1.0, -1.0)
    np.testing.assert_allclose(w[1:], w[:-1] * (1 + eta * m), rtol=1e-9)
    # J: the adversary's experts advising d; the rest of them advise -d
    ctrl = tr["corrupted"] | tr["volatile"]
    assert not (tr["J"] & ~ctrl).any()
    assert np.all(a[tr["J"]] == np.broadcast_to(d[:, None], a.shape)[tr["J"]])
    rest = ctrl & ~tr["J"]
    assert np.all(a[rest] == -np.broadcast_to(d[:, None], a.shape)[rest])
    # the corrupted weight and share recorded are those of K
    np.testing.assert_allclose(tr["corrupted_weight"], np.where(tr["corrupted"], w, 0).sum(1), rtol=1e-12)
    np.testing.assert_allclose(tr["corrupted_share"], tr["corrupted_weight"] / w.sum(1), rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_nonadaptive_trace_invariants(seed):
    tr = simulate("coin_run", seed, {"n": 60, "tau": 6, "max_rounds": 300})
    _check_trace(tr, tr.meta["eta"])
    assert tr["corrupted"].sum(1).tolist() == [6] * len(tr["d"])  # K fixed a priori
    assert (tr["corrupted"] == tr["corrupted"][0]).all()
    # the adversary's choice satisfies its constraint in every round it played (X within its bound)
    played = tr["solver"] >= 0
    assert np.all(tr["X"][played][:-1] <= tr["bound"][played][:-1] * (1 + 1e-12))


@pytest.mark.parametrize("seed", range(4))
def test_adaptive_trace_invariants(seed):
    n, tau = 14, 2
    tr = simulate("coin_run", seed, {"n": n, "tau": tau, "adversary": "adaptive", "volatile": 1, "max_rounds": 60})
    _check_trace(tr, tr.meta["eta"])
    K = tr["corrupted"]
    assert np.all(K[1:] >= K[:-1])  # captures are permanent
    assert K.sum(1).max() <= tau  # at most tau captures
    assert tr["volatile"].sum(1).max() <= 1
    assert not (tr["volatile"] & K).any()  # volatile experts are good ones


def test_adaptive_without_any_power_is_the_honest_coin():
    """tau = 0 and no volatile flips: the adaptive adversary can do nothing; E[rounds] = 2."""
    R = 1500
    res = run_coin(
        12, 0, default_eta(12), R, np.random.default_rng(1), adversary="adaptive", adaptive_kw={"volatile": 0}
    )
    assert abs(res.rounds.mean() - 2) < 5 * math.sqrt(2 / R)


def test_adversary_delays_the_coin():
    res = run_coin(200, 20, default_eta(200), 20, np.random.default_rng(0), adversary="nonadaptive")
    assert res.rounds.mean() > 6  # vs 2 without adversary


def test_determinism():
    a = simulate("coin_run", 3, {"n": 50, "tau": 5})
    b = simulate("coin_run", 3, {"n": 50, "tau": 5})
    assert a.content_hash == b.content_hash
    sw = get_sweep("coin_rounds")
    r1, r2 = run_serial("coin_rounds", **sw.smoke), run_serial("coin_rounds", **sw.smoke)
    for x, y in zip(r1.records, r2.records):
        np.testing.assert_array_equal(x["rounds"], y["rounds"])


@pytest.mark.parametrize(
    "args, name",
    [
        ((1, 0, 0.1), "n"),
        ((10, 10, 0.1), "tau"),
        ((10, -1, 0.1), "tau"),
        ((10, 1, 0.5), "eta"),
        ((10, 1, 0.0), "eta"),
        ((10, 1, float("nan")), "eta"),
        ((2.5, 0, 0.1), "n"),
    ],
)
def test_validation(args, name):
    with pytest.raises(ParamError, match=rf"^{name}: must be"):
        check_params(*args)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"n": 1}, "n"),
        ({"n": 10, "tau": 10}, "tau"),
        ({"eta": 0.5}, "eta"),
        ({"n": 40, "tau": 20, "solver": "brute"}, "solver"),
        ({"adversary": "sneaky"}, "adversary"),
    ],
)
def test_kind_validation(params, name):
    with pytest.raises(ParamError, match=rf"^{name}:"):
        simulate("coin_run", 0, params)


def test_default_eta_is_the_reports_below_one_half():
    assert default_eta(1000) == pytest.approx(math.sqrt(math.log(1000) / 1000))
    assert all(0 < default_eta(n) < 0.5 for n in range(2, 50))
    assert max_volatile(16) == 4 and max_volatile(15) == 3


@pytest.mark.parametrize("max_rounds", [1, 2, 5])
@pytest.mark.parametrize("adversary", ["none", "nonadaptive", "adaptive"])
def test_final_weights_of_a_censored_run_are_one_more_update(max_rounds, adversary):
    """A run censored after max_rounds rounds ends with the weights of round max_rounds: the recorded start
    weights of its last round times (1 + eta) for the experts that advised d, (1 - eta) for the others.
    (max_rounds=1 raised IndexError: the table of the last round's start has one entry too few.)"""
    eta = 0.3
    res = run_coin(8, 2, eta, 40, np.random.default_rng(5), adversary=adversary, max_rounds=max_rounds, record=True)
    censored = np.flatnonzero(res.censored)
    assert censored.size  # with 1 to 5 rounds some of 40 runs do not end
    for i in censored:
        rec = res.records[i]
        assert len(rec["weights"]) == max_rounds
        w, a, d = rec["weights"][-1], rec["advice"][-1], rec["d"][-1]
        np.testing.assert_allclose(rec["final_weights"], w * np.where(a == d, 1 + eta, 1 - eta), rtol=1e-12)
    for i in np.flatnonzero(~res.censored):
        assert res.records[i]["final_weights"] is None


def test_coin_run_traces_a_single_round():
    t = simulate("coin_run", 0, {"max_rounds": 1, "n": 10, "tau": 2})
    assert t.arrays["weights"].shape == (1, 10) and t.meta["rounds"] in (1, 2)
