"""Algorithm 1 (simplest form, kind mw_sources): invariants and the paper's bounds."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.core.kinds import simulate
from sim.mw.multiplicative_weights import MWConfig, pseudo_loss, run_mw
from sim.mw.mw_engine import rounds_to_blacklist

etas = st.floats(0.01, 0.9)
taus = st.floats(0.001, 0.9)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    eta=etas,
    tau=taus,
    frac=st.floats(0, 0.49),
    blacklist=st.booleans(),
    dist=st.floats(-20, 20),
)
def test_weights_positive_and_never_increase(seed, eta, tau, frac, blacklist, dist):
    t = simulate(
        "mw_sources",
        seed,
        {"eta": eta, "tau": tau, "byz_fraction": frac, "blacklist": blacklist, "byz_distance": dist, "rounds": 15},
    )
    w = t["weights"]
    assert np.all(w > 0)
    assert np.all(np.diff(w, axis=0) <= 0)
    assert np.all(w[0] == 1)
    assert np.all((t["loss"] >= 0) & (t["loss"] <= 1))
    # one round's factor is exactly (1 - eta * loss) for active sources
    act = t["active"]
    ratio = w[1:] / w[:-1]
    np.testing.assert_allclose(ratio[act], (1 - eta * t["loss"])[act], rtol=1e-12)
    np.testing.assert_array_equal(ratio[~act], 1.0)


@settings(max_examples=60, deadline=None)
@given(eta=etas, tau=taus, seed=st.integers(0, 1000))
def test_loss_one_source_blacklisted_exactly_at_theoretical_round(eta, tau, seed):
    ratio = math.log(tau) / math.log(1 - eta)
    assume(abs(ratio - round(ratio)) > 1e-6)  # exact ties depend on rounding of (1 - eta)^t
    T = math.ceil(ratio)
    assert T == rounds_to_blacklist(eta, tau)
    assume(T <= 400)
    t = simulate(
        "mw_sources",
        seed,
        {
            "eta": eta,
            "tau": tau,
            "byz_distance": 1e9,
            "byz_spread": 0.0,
            "rounds": T + 2,
            "n_sources": 7,
            "byz_fraction": 0.3,
        },
    )
    byz = t["is_byzantine"]
    assert np.all(t["loss"][t["active"] & byz[None, :]] == 1.0)
    assert np.all(t["blacklisted_at"][byz] == T)


def test_honest_weights_stay_above_tau_in_default_setting():
    worst = 1.0
    for seed in range(200):
        t = simulate("mw_sources", seed)
        honest = ~t["is_byzantine"]
        assert np.all(t["blacklisted_at"][honest] == -1), f"seed {seed}: honest source blacklisted"
        worst = min(worst, t["weights"][-1, honest].min())
        assert np.all(t["blacklisted_at"][~honest] > 0), f"seed {seed}: Byzantine source survived"
    assert worst > t.params["tau"]


def test_median_guides_losses_not_the_byzantine_cluster():
    """With a Byzantine minority the median sits inside the honest range every round."""
    t = simulate("mw_sources", 3, {"byz_fraction": 0.4, "n_sources": 10, "rounds": 20})
    x, act, honest = t["x"], t["active"], ~t["is_byzantine"]
    for r in range(x.shape[0]):
        hx = x[r, honest & act[r]]
        assert hx.min() <= t["mu_hat"][r] <= hx.max()


def test_nan_and_inf_reports_are_an_attack_not_a_crash():
    cfg = MWConfig(n_sources=7, rounds=12, eta=0.3, tau=0.1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 7))
    x[:, 0] = np.nan
    x[:, 1] = np.inf
    x[::2, 2] = -np.inf
    byz = np.zeros(7, bool)
    byz[:3] = True
    r = run_mw(cfg, x, byz)
    assert np.all(np.isfinite(r.mu_hat))
    assert np.all(r.loss[r.active[:, 0], 0] == 1.0) and np.all(r.loss[r.active[:, 1], 1] == 1.0)
    assert r.blacklisted_at[0] == r.blacklisted_at[1] == rounds_to_blacklist(0.3, 0.1)
    assert np.all(r.blacklisted_at[3:] == -1)


def test_pseudo_loss_is_clipped_linear():
    x = np.array([0.0, 1.0, 2.0, 10.0, np.nan, -np.inf])
    np.testing.assert_allclose(pseudo_loss(x, 0.0, 4.0), [0, 0.25, 0.5, 1, 1, 1])


def test_no_blacklisting_keeps_everyone_active():
    t = simulate("mw_sources", 4, {"blacklist": False, "rounds": 30})
    assert t["active"].all() and np.all(t["blacklisted_at"] == -1)
    byz = t["is_byzantine"]
    assert t["weights"][-1, byz].max() < t["weights"][-1, ~byz].min()
