"""Target localization (Li et al. 2020): properties of the four rules, over several seeds.

Checked against the reference's list of properties and against a plain
per-agent loop (the authors' structure) on small networks.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.mtl import localization as loc
from sim.mtl.diffusion import run
from sim.mtl.measurements import make_samples
from sim.mtl.rules import METHODS, RuleConfig
from sim.mtl.sweeps import burn_in, tail_summary

NC, AVG, DIST, LOSS = range(4)


def _batch(seed, b, **kw):
    p = loc.defaults(**kw)
    s, r = loc.simulate_batch(p, np.random.default_rng(seed), b, record=kw.pop("record", False) or False)
    return p, s, r


def _recorded(seed, b, **kw):
    p = loc.defaults(**kw)
    return (p, *loc.simulate_batch(p, np.random.default_rng(seed), b, record=True))


def _byz_slots(net):
    b = np.arange(net.batch)[:, None, None]
    return net.byzantine[b, net.neighbours] & net.valid & ~net.byzantine[..., None]


# --------------------------------------------------------------------------- weights
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("deviations", [False, True])
def test_weight_rows_are_stochastic_and_respect_the_filter(seed, deviations):
    kw = dict(n_byzantine=20, iterations=120, n_agents=60)
    if deviations:
        kw.update(neighbour_position=True, self_updates=2)
    p, s, r = _recorded(seed, 3, **kw)
    h, net = r.history, s.net
    normal = ~net.byzantine  # (B, N)
    for m in range(len(METHODS)):
        a = h.weights[m]  # (T, B, N, K)
        assert np.all(a >= 0)
        sums = a.sum(axis=3)
        assert np.allclose(sums[:, normal], 1.0, atol=1e-12), METHODS[m]
        assert np.all(a[:, :, :, 0][:, normal] > 0), f"{METHODS[m]}: self weight must be positive"
        assert np.all(a[..., ~net.valid] == 0), f"{METHODS[m]}: weight outside N_k"
    # the loss rule: zero weight exactly on neighbours with r_kl > r_kk, positive on the admitted set
    r_kk = h.r_loss[..., :1]
    a = h.weights[LOSS]
    rejected = net.valid[None] & (h.r_loss > r_kk)
    assert np.all(a[rejected] == 0)
    assert np.all((a > 0) == (h.admitted & normal[None, :, :, None]))
    assert np.all(h.admitted[..., 0][:, normal])  # k is always in S_k


def test_weights_in_the_trace_sit_on_the_edge_list():
    from sim.core.kinds import simulate

    t = simulate("mtl_localization", 4, {"n_agents": 40, "n_byzantine": 8, "iterations": 60})
    e, w = t["edges"], t["weights"]
    normal = ~t["is_byzantine"]
    for m in range(len(METHODS)):
        dense = np.zeros((60, 40, 40))
        np.add.at(dense, (slice(None), e[:, 0], e[:, 1]), w[m])
        assert np.allclose(dense.sum(axis=2)[:, normal], 1.0, atol=1e-6)
    # the self loop of every agent is an edge; the graph is directed and has no duplicates
    assert {(k, k) for k in range(40)} <= set(map(tuple, e))
    assert len(set(map(tuple, e))) == len(e)
    d = np.linalg.norm(t["positions"][e[:, 0]] - t["positions"][e[:, 1]], axis=1)
    assert np.all(d <= 1.0)
    assert np.all(np.bincount(e[:, 0], minlength=40) <= 10)


# --------------------------------------------------------------------------- against a plain loop
def _loop_reference(net, samples, w0, cfg, T):
    """The authors' per-agent loops (average, distance, loss) on network 0, written plainly."""
    N = net.n_agents
    x, byz, psi_a = net.positions[0], net.byzantine[0], net.psi_a[0]
    neigh = [list(net.neighbours[0, k][net.valid[0, k]]) for k in range(N)]
    w = {m: np.where(byz[:, None], psi_a, w0[0]).copy() for m in ("avg", "dist", "loss")}
    R = {m: np.full((N, N), cfg.r_init) for m in ("dist", "loss")}
    g = cfg.gamma
    for i in range(T):
        u, d, q = samples.u[i, 0], samples.d[i, 0], samples.q[i, 0]
        for m in ("avg", "dist", "loss"):
            psi = np.array([psi_a[k] if byz[k] else w[m][k] + cfg.mu * (q[k] - w[m][k]) for k in range(N)])
            new = w[m].copy()
            for k in range(N):
                if byz[k]:
                    continue
                if m == "avg":
                    new[k] = psi[neigh[k]].mean(axis=0)
                    continue
                wt = np.zeros(N)
                for _rep in range(cfg.self_updates):
                    if m == "dist":
                        lkk = np.sum((w[m][k] - psi[k]) ** 2)
                    else:
                        lkk = (d[k] + x[k] @ u[k] - psi[k] @ u[k]) ** 2
                    R[m][k, k] = (1 - g) * R[m][k, k] + g * lkk
                for l in neigh[k]:
                    if l != k:
                        if m == "dist":
                            lkl = np.sum((w[m][k] - psi[l]) ** 2)
                        else:
                            xl = x[l] if cfg.neighbour_position else x[k]
                            lkl = (d[k] + xl @ u[k] - psi[l] @ u[k]) ** 2
                        R[m][k, l] = (1 - g) * R[m][k, l] + g * lkl
                for l in neigh[k]:
                    if m == "dist" or R[m][k, l] <= R[m][k, k]:
                        wt[l] = 1.0 / R[m][k, l]
                new[k] = (wt / wt.sum()) @ psi
            w[m] = new
    return w


@pytest.mark.parametrize("seed,deviations", [(11, False), (12, True), (13, False)])
def test_vectorised_rules_equal_a_plain_loop(seed, deviations):
    p = loc.defaults(n_agents=24, n_byzantine=5, iterations=25, radius=1.2, max_neighbours=6)
    s = loc.make_setup(p, np.random.default_rng(seed), 1)
    cfg = RuleConfig(neighbour_position=deviations, self_updates=2 if deviations else 1)
    samples = make_samples(s.net, s.noise.v_d, s.noise.v_u)
    res = run(s.net, samples, s.w0, cfg)
    ref = _loop_reference(s.net, samples, s.w0, cfg, 25)
    for m, j in (("avg", AVG), ("dist", DIST), ("loss", LOSS)):
        assert np.allclose(res.final[j, 0], ref[m], rtol=1e-10, atol=1e-10), m


# --------------------------------------------------------------------------- the reference's properties
@pytest.mark.parametrize("seed", [5, 6, 7])
def test_noncooperative_does_not_depend_on_the_attack(seed):
    p = loc.defaults(n_byzantine=30, iterations=80)
    s = loc.make_setup(p, np.random.default_rng(seed), 2)
    runs = [
        loc.run_setup(loc.with_attack(s, a), p)
        for a in (np.zeros(2), np.array([15.5, 15.5]), np.array([1e6, -1e6]), np.array([np.inf, np.nan]))
    ]
    for r in runs[1:]:
        assert np.array_equal(r.loss[NC], runs[0].loss[NC], equal_nan=True)
        assert np.array_equal(r.msd[NC], runs[0].msd[NC], equal_nan=True)


@pytest.mark.parametrize("F,seed", [(20, 21), (40, 41)])
def test_correct_rule_beats_noncooperative_and_filters_attackers(F, seed):
    p, s, r = _recorded(seed, 6, n_byzantine=F)
    t0 = burn_in(p["iterations"])
    summ = tail_summary(r, s.net, p["iterations"])
    assert np.all(summ["loss_tail"][:, LOSS] < summ["loss_tail"][:, NC])  # the paper's guarantee, every network
    # no ordinary agent ends nearer a Byzantine message than its own target
    final = r.final[LOSS]
    own = np.sum((final - s.net.w_true) ** 2, axis=-1)
    to_byz = np.sum((final[:, :, None] - s.net.psi_a[:, None]) ** 2, axis=-1)
    to_byz = np.where(s.net.byzantine[:, None, :], to_byz, np.inf).min(axis=2)
    quiet_agents = (s.noise.sd_u <= 0.02) & ~s.net.byzantine
    assert not np.any((to_byz < own) & quiet_agents)
    assert np.all(summ["captured"] <= (s.noise.sd_u > 0.02).sum(axis=1))
    # MSD: below non-cooperative over the agents of ordinary regressor noise (sd_u <= 0.02) of every network;
    # a high-noise agent (sd_u = 0.1) may admit a Byzantine message lying along its blind direction (docs/mtl.md)
    quiet = (s.noise.sd_u <= 0.02) & ~s.net.byzantine  # (B, N)
    agent_msd = r.msd[:, t0:].mean(axis=1)  # (method, B, N)
    for b in range(s.net.batch):
        assert agent_msd[LOSS, b, quiet[b]].mean() < agent_msd[NC, b, quiet[b]].mean()
    assert np.median(summ["msd_tail"][:, LOSS] / summ["msd_tail"][:, NC]) < 0.8
    # after the transient no normal agent of ordinary regressor noise gives a Byzantine neighbour any weight
    w_byz = np.sum(r.history.weights[LOSS] * _byz_slots(s.net), axis=3)  # (T, B, N)
    assert np.all(w_byz[t0:][:, quiet] == 0)
    # the average baseline never localizes: it is pulled far from the targets
    assert np.all(summ["msd_tail"][:, AVG] > 100 * summ["msd_tail"][:, LOSS])


@pytest.mark.parametrize("seed", [31, 32])
def test_99_attackers_loss_based_falls_back_to_noncooperative(seed):
    p, s, r = _batch(seed, 6, n_byzantine=99)
    lone = ~s.net.byzantine  # one normal agent per network
    assert np.all(lone.sum(axis=1) == 1)
    t0 = burn_in(p["iterations"])
    assert np.all(r.byz_weight[LOSS, t0:] == 0)
    gap = np.linalg.norm(r.final[LOSS] - r.final[NC], axis=-1)[lone]
    assert np.all(gap < 1e-8)


@pytest.mark.parametrize("seed", [51, 52])
def test_zero_attack_hurts_average_and_not_loss_based(seed):
    p = loc.defaults(n_byzantine=20)
    s = loc.make_setup(p, np.random.default_rng(seed), 4)
    s0 = loc.with_attack(s, np.zeros(2))
    r_const = tail_summary(loc.run_setup(s, p), s.net, 500)
    r_zero = tail_summary(loc.run_setup(s0, p), s0.net, 500)
    assert np.all(r_zero["msd_tail"][:, AVG] > 3 * r_const["msd_tail"][:, AVG])
    assert np.all(r_zero["msd_tail"][:, AVG] > 100)
    # loss-based: within a few per cent of the constant attack, far below non-cooperative
    rel = np.abs(r_zero["msd_tail"][:, LOSS] - r_const["msd_tail"][:, LOSS]) / r_const["msd_tail"][:, LOSS]
    assert np.median(rel) < 0.05
    assert np.all(r_zero["msd_tail"][:, LOSS] < r_zero["msd_tail"][:, NC])


def test_no_attackers_everyone_is_normal_and_loss_rule_still_beats_noncooperative():
    p, s, r = _batch(61, 4, n_byzantine=0)
    assert not np.isnan(r.loss).any()
    summ = tail_summary(r, s.net, p["iterations"])
    assert np.all(summ["msd_tail"][:, LOSS] < summ["msd_tail"][:, NC])
    assert np.all(r.byz_weight == 0)


@pytest.mark.parametrize("message", [(np.inf, 0.0), (np.nan, np.nan), (-np.inf, np.inf), (1e300, -1e300)])
def test_non_finite_messages_are_filtered_not_a_crash(message):
    p = loc.defaults(n_byzantine=20, iterations=150, n_agents=60)
    s = loc.make_setup(p, np.random.default_rng(71), 2)
    r = loc.run_setup(loc.with_attack(s, np.array(message)), p)
    normal = ~s.net.byzantine
    assert np.all(np.isfinite(r.final[LOSS][normal]))
    assert np.all(np.isfinite(r.msd[LOSS][:, normal]))
    assert np.all(r.byz_weight[LOSS] == 0)  # an infinite loss is never admitted
    ok = loc.run_setup(loc.with_attack(s, np.zeros(2)), p)
    assert np.all(np.isfinite(ok.final[AVG][normal]))
