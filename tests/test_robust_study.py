"""The robust-estimation study: MW invariants, the paper's weight bounds, adversaries, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.core.errors import ParamError
from sim.core.kinds import simulate
from sim.core.rng import make_rng
from sim.core.trace import to_bytes
from sim.mw.mw_engine import honest_weight_floor, rounds_to_blacklist, run_mw_batch
from sim.mw.robust_study import ESTIMATES, StudyConfig, run_study

SMALL = {"n_sources": 12, "rounds": 6, "trials": 3}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    strategy=st.sampled_from(["cluster", "scattered", "scale_bad", "sign_flip", "adaptive", "nonfinite"]),
    update=st.sampled_from(["linear", "exp"]),
    loss=st.sampled_from(["clipped", "softmin", "softmin_exp", "huber", "logistic"]),
    blacklist=st.booleans(),
    frac=st.floats(0, 0.45),
    eta=st.floats(0.05, 0.9),
)
def test_mw_invariants(seed, strategy, update, loss, blacklist, frac, eta):
    t = simulate(
        "robust_study",
        seed,
        {
            **SMALL,
            "strategy": strategy,
            "update": update,
            "loss": loss,
            "blacklist": blacklist,
            "byz_fraction": frac,
            "eta": eta,
        },
    )
    for sfx in ("", "_mw"):
        w, lo, act, bl = t["weights" + sfx], t["loss" + sfx], t["active" + sfx], t["blacklisted_at" + sfx]
        assert np.all(w[:, 0] == 1) and np.all(w > 0)
        assert np.all(np.diff(w, axis=1) <= 0)
        assert np.all((lo >= 0) & (lo <= 1)) and np.all(lo[~act] == 0)
        factor = np.where(act, (1 - eta * lo) if update == "linear" else np.exp(-eta * lo), 1.0)
        np.testing.assert_allclose(w[:, 1:], w[:, :-1] * factor, rtol=1e-12)
        # a blacklisted source never comes back, and is blacklisted exactly when its weight fell below tau
        assert np.all(np.diff(act.astype(int), axis=1) <= 0)
        if not blacklist:
            assert np.all(act) and np.all(bl == -1)
        tr, src = np.nonzero(bl > 0)
        for i, j in zip(tr, src):
            r = bl[i, j]
            assert w[i, r, j] < t.params["tau"] <= w[i, r - 1, j]
            assert act[i, r - 1, j] and not act[i, r:, j].any()
    assert t["error"].shape == (3, 6, len(ESTIMATES))


@settings(max_examples=60, deadline=None)
@given(eta=st.floats(0.01, 0.95), tau=st.floats(0.0005, 0.95))
def test_loss_one_source_is_blacklisted_after_ceil_log_tau_over_log_one_minus_eta(eta, tau):
    ratio = math.log(tau) / math.log(1 - eta)
    assume(abs(ratio - round(ratio)) > 1e-6)
    T = math.ceil(ratio)
    rounds = T + 2
    x = np.zeros((2, rounds, 7, 2))
    x[:, :, -1] = [np.nan, 1.0]  # non-finite: loss 1 every round
    x[1, :, -2] = 1e9  # far away: loss 1 too
    b = run_mw_batch(x, eta=eta, tau=tau, c=1.0, center="median")
    assert rounds_to_blacklist(eta, tau) == T
    assert b.blacklisted_at[0, -1] == T and b.blacklisted_at[1, -2] == T and b.blacklisted_at[1, -1] == T
    assert np.all(b.blacklisted_at[:, :5] == -1)


def test_exponential_update_blacklisting_round():
    eta, tau = 0.4, 0.01
    T = rounds_to_blacklist(eta, tau, "exp")
    assert math.exp(-eta * T) < tau <= math.exp(-eta * (T - 1))
    x = np.zeros((1, T + 1, 5, 1))
    x[:, :, -1] = np.inf
    b = run_mw_batch(x, eta=eta, tau=tau, c=1.0, update="exp")
    assert b.blacklisted_at[0, -1] == T


def test_honest_weight_bound_of_the_paper():
    """w_i(T) >= (1 - eta)^S_i(T) >= exp(-2 eta S_i(T)); and with E[l] <= eps, exp(-4 eta eps T) > tau
    keeps every honest source above tau (Sec. III-C.6/7)."""
    eta, tau, T = 0.05, 0.1, 20
    cfg = StudyConfig(
        n_sources=30,
        byz_fraction=0.0,
        rounds=T,
        trials=200,
        eta=eta,
        tau=tau,
        c_mode="sigma",
        c_k=4.0,
        source_spread=0.0,
    )
    r = run_study(cfg, make_rng(3), extra_estimators=False)
    g = r.guided
    S = g.loss.sum(1)
    w = g.weights[:, -1]
    assert np.all(w >= (1 - eta) ** S * (1 - 1e-12))
    assert np.all(w >= np.exp(-2 * eta * S))
    eps = g.loss.mean()
    assert honest_weight_floor(eta, eps, T) > tau  # the paper's condition holds here ...
    assert np.all(S <= 2 * eps * T) or np.mean(S > 2 * eps * T) < 0.01
    assert np.all(g.blacklisted_at == -1)  # ... and no honest source is blacklisted


def test_byzantine_cluster_is_blacklisted_by_the_theoretical_round():
    cfg = StudyConfig(
        n_sources=40,
        byz_fraction=0.2,
        rounds=10,
        trials=50,
        c_mode="sigma",
        c_k=6.0,
        distance=20,
        source_spread=0.0,
        buckets=15,
    )
    r = run_study(cfg, make_rng(4), extra_estimators=False)
    T = rounds_to_blacklist(cfg.eta, cfg.tau)
    byz = r.is_byzantine
    assert np.all(r.guided.blacklisted_at[byz] == T)
    assert np.all(r.guided.blacklisted_at[~byz] == -1)
    err = r.error[:, -1]
    assert err[:, ESTIMATES.index("mean")].mean() < 0.4  # after blacklisting the straight mean recovers


def test_adaptive_adversary_keeps_its_clipped_loss_below_one():
    cfg = StudyConfig(
        n_sources=30, byz_fraction=0.3, rounds=10, trials=20, strategy="adaptive", radius=0.9, c_mode="sigma", c_k=3.0
    )
    r = run_study(cfg, make_rng(5), extra_estimators=False)
    byz = r.is_byzantine[0]
    lb = r.plain.loss[:, :, byz]  # deterministic centre (MW mean): always inside the radius
    assert lb.max() < 1.0 and lb.mean() > 0.5
    # median of means draws a fresh partition after the adversary has probed: it is only mostly right
    lg = r.guided.loss[:, :, byz][r.guided.active[:, :, byz]]
    assert np.mean(lg < 1.0) > 0.8
    # with the deterministic coordinate median as centre it is always right
    x = np.random.default_rng(1).normal(size=(5, 8, 30, 2))
    from sim.mw.adversaries import Adversary, byzantine_mask, corrupt

    isb = byzantine_mask(5, 30, 9)
    xa, hook = corrupt(Adversary("adaptive", radius=0.9), x, isb, 0.0, 1.0, 0.5, np.random.default_rng(2))
    b = run_mw_batch(xa, eta=0.5, tau=0.01, c="mad", c_k=1.5, center="median", reports=hook)
    lm = b.loss[:, :, 21:][b.active[:, :, 21:]]
    assert lm.max() < 1.0 and lm.min() > 0.5  # c = k MAD moves with it, so it lands a bit inside
    # ... so it outlives a loss-1 source, which is gone after rounds_to_blacklist(eta, tau) rounds
    bl = r.plain.blacklisted_at[:, byz]
    assert np.all((bl == -1) | (bl > rounds_to_blacklist(cfg.eta, cfg.tau)))


def test_nonfinite_reports_break_only_the_plain_mean():
    cfg = StudyConfig(n_sources=40, byz_fraction=0.1, trials=10, strategy="nonfinite", blacklist=False, buckets=9)
    r = run_study(cfg, make_rng(6))
    e = r.error
    assert np.all(np.isinf(e[:, :, ESTIMATES.index("mean")]))
    # every weighted mean keeps the NaN rows (small weight is not zero weight) without blacklisting
    assert np.all(np.isinf(e[:, :, ESTIMATES.index("mw_mean")]))
    assert np.all(np.isinf(e[:, :, ESTIMATES.index("mom_mw_mean")]))
    for name in ("mom", "median", "trimmed_mean", "geometric_median"):
        assert np.all(np.isfinite(e[:, :, ESTIMATES.index(name)])), name


def test_nonfinite_reports_do_not_blacklist_the_honest_sources():
    """Issue 24: with blacklisting, NaN/±inf sources used to take 20 of 21 honest ones with them (the NaN made the
    MW-mean centre NaN, every loss 1, every weight (1 - eta)^t). The engine now measures losses against a centre
    and scale of the finite reports: the honest sources are blacklisted exactly as often as with no attack at
    all (c = c_k MAD with c_k = 1.5 clips the honest tail: about 28 % of them in 10 rounds, by design), and
    every non-finite source is gone after rounds_to_blacklist(eta, tau) rounds."""
    base = {"n_sources": 30, "trials": 40}
    rate = {}
    for strategy, frac in (("nonfinite", 0.3), ("cluster", 0.0)):
        t = simulate("robust_study", 3, {**base, "strategy": strategy, "byz_fraction": frac})
        byz = t["is_byzantine"]
        for key in ("blacklisted_at", "blacklisted_at_mw"):
            bl = t[key]
            rate[strategy, key] = ((bl >= 0) & ~byz).sum() / (~byz).sum()
            if strategy == "nonfinite":
                assert np.all(bl[byz] == rounds_to_blacklist(0.5, 0.01)), key  # caught on the first possible round
    for key in ("blacklisted_at", "blacklisted_at_mw"):
        assert rate["nonfinite", key] < 0.4  # was 20/21 = 0.95
        assert abs(rate["nonfinite", key] - rate["cluster", key]) < 0.1  # the no-attack rate
    t = simulate("robust_study", 3, {**base, "strategy": "nonfinite"})
    assert np.isfinite(t["c"]).all() and np.isfinite(t["c_mw"]).all()  # the scale never sees the NaNs


@pytest.mark.parametrize(
    "kind,params",
    [
        ("robust_study", {**SMALL, "strategy": "adaptive"}),
        ("robust_study", {**SMALL, "strategy": "sign_flip", "law": "student_t"}),
        ("robust_sweep", {"n_sources": 10, "rounds": 3, "trials": 2}),
        ("wisdom_crowd", {}),
    ],
)
def test_traces_are_deterministic(kind, params):
    a, b = simulate(kind, 9, params), simulate(kind, 9, params)
    assert a.content_hash == b.content_hash and to_bytes(a) == to_bytes(b)
    assert simulate(kind, 10, params).content_hash != a.content_hash


def test_wisdom_of_the_crowd_running_estimates():
    t = simulate("wisdom_crowd", 2, {"n_guesses": 21})
    g = t["guesses"]
    np.testing.assert_allclose(t["running"][:, 0], np.cumsum(g) / np.arange(1, 22))
    np.testing.assert_allclose(t["running"][-1, 1], np.median(g))
    assert t["is_byzantine"].sum() == t.meta["n_byzantine"] == 4
    assert t["final_error"][1] < t["final_error"][0]  # the median beats the mean against extremes


def test_bad_parameters_name_themselves():
    with pytest.raises(ParamError, match="buckets"):
        simulate("robust_study", 0, {"n_sources": 4, "buckets": 5})
    with pytest.raises(ParamError, match="strategy"):
        simulate("robust_study", 0, {"strategy": "bribe"})
    with pytest.raises(ParamError, match="byz_fraction"):
        simulate("robust_study", 0, {"byz_fraction": 0.5})
