"""Paper-compatible mode of the MW prototype: Table I, Figs. 2-3 shapes, the scripts' draw order, determinism."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from sim.core.kinds import simulate
from sim.core.rng import make_rng
from sim.core.sweeps import run_serial
from sim.core.trace import to_bytes
from sim.mw import paper_compat as pc
from sim.mw.mw_engine import NEVER
from sim.mw.table1 import exact_T
from sim.mw.verification import SWEEP, cell_results

GRID_ETA_TAU = [(e, t) for e in pc.GRID_ETA for t in pc.GRID_TAU]  # verification.py's loop order

IDX = {e: i for i, e in enumerate(pc.STUDY_ESTIMATES)}


def _result(index: int, p: dict, counts: dict, arrays: dict):
    from sim.mw.verification import CellResult

    full = {
        "byz_fraction": 0.3,
        "byz_distance": 5.0,
        "n_sources": 20,
        "loss": "clipped",
        "estimator": "median",
        "rounds": 50,
        "delta": 0.01,
        **p,
        "trials": counts["trials"],
    }
    return CellResult.from_record(index, full, {**counts, **arrays})


@pytest.fixture(scope="module")
def one_trial_cells():
    """The scripts' 100 cells, one trial each, from our own loop (what verification.py runs)."""
    out = []
    for i, (eta, tau) in enumerate(GRID_ETA_TAU):
        counts, arrays = pc.run_paper_cell({"eta": eta, "tau": tau}, 1, make_rng(i))
        out.append(_result(i, {"eta": eta, "tau": tau}, counts, arrays))
    return out


@pytest.fixture(scope="module")
def studies():
    return {bl: pc.run_paper_study(pc.PaperStudyConfig(blacklist=bl)) for bl in (True, False)}


# --------------------------------------------------------------------------- Table I
def test_table1_equals_the_published_one_to_four_decimals(one_trial_cells):
    f = pc.paper_fit(one_trial_cells)
    assert round(f.slope, 4) == pc.PAPER_TABLE1["slope"]
    assert round(f.intercept, 4) == pc.PAPER_TABLE1["intercept"]
    assert round(f.r2, 4) == pc.PAPER_TABLE1["r2"]
    # no cell is left out for any reason but censoring (the cells that never reach tau in 50 rounds)
    assert all(why.startswith("censored") for _, why in f.excluded)


def test_every_fitted_cell_has_the_exact_T_of_loss_one(one_trial_cells):
    """Why the fit is tight: every Byzantine loss is 1, so T_emp = floor(ln tau / ln(1 - eta)) + 1."""
    f = pc.paper_fit(one_trial_cells)
    by = {r.cell.index: r for r in one_trial_cells}
    for i in f.included:
        r = by[i]
        assert int(r.T_emp[0]) == exact_T(r.cell.eta, r.cell.tau)
        assert r.p_byz == 1.0
    for i, _ in f.excluded:  # censored exactly when the exact T lies beyond 50 rounds
        assert exact_T(by[i].cell.eta, by[i].cell.tau) > 50


def test_honest_filter_only_when_asked(one_trial_cells):
    plain, filt = pc.paper_fit(one_trial_cells), pc.paper_fit(one_trial_cells, honest_filter=True)
    assert set(filt.included) <= set(plain.included)
    dropped = set(plain.included) - set(filt.included)
    by = {r.cell.index: r for r in one_trial_cells}
    assert dropped and all(not by[i].meets_honest for i in dropped)


def test_more_trials_keep_the_scripts_trial_first():
    eta, tau = GRID_ETA_TAU[57]
    c1, a1 = pc.run_paper_cell({"eta": eta, "tau": tau}, 1, make_rng(1))
    c5, a5 = pc.run_paper_cell({"eta": eta, "tau": tau}, 5, make_rng(1))
    assert np.array_equal(a1["example_w"], a5["example_w"]) and a5["T_emp"][0] == a1["T_emp"][0]
    assert c5["trials"] == 5 and a5["T_emp"].shape == (5,) and bool(a5["replayed"])
    # off the scripts' grid: every trial from the Generator, still valid
    c, a = pc.run_paper_cell({"eta": 0.033, "tau": 0.02}, 4, make_rng(2))
    assert not bool(a["replayed"]) and c["trials"] == 4


# --------------------------------------------------------------------------- the scripts' draw order
def _scripts_cells(k: int, n=20, nb=6, rounds=50):
    """verification.py's loop drawn literally from one RandomState(42): per round one randn(n, 1)."""
    rs = np.random.RandomState(42)
    out = []
    for _ in range(k):
        mu = rs.randn(1) * 2
        hm = mu + 0.5 * rs.randn(n - nb, 1)
        bm = mu + 5 + 0.5 * rs.randn(nb, 1)
        perm = rs.permutation(n)
        means, lab = np.vstack([hm, bm])[perm], (np.arange(n) >= n - nb)[perm]
        q = np.stack([(means + rs.randn(n, 1) * 0.1)[:, 0] for _ in range(rounds)])
        out.append((q, lab))
    return out


def test_replay_of_cell_i_equals_the_continuing_stream():
    ref = _scripts_cells(4)
    for i in (0, 1, 3):
        q, lab = pc.stream_cell(i)
        order = np.argsort(ref[i][1], kind="stable")
        assert np.array_equal(q, ref[i][0][:, order]) and np.array_equal(lab, ref[i][1][order])


def test_paper_weights_match_the_scripts_loop():
    q, lab = pc.stream_cell(5)
    eta, _tau = pc.GRID_ETA[0], pc.GRID_TAU[5]
    w = np.ones(q.shape[1])
    for t in range(q.shape[0]):
        mu_hat = np.median(q[t])
        w *= 1 - eta * np.minimum(1, np.abs(q[t] - mu_hat) / 1.0)
    assert np.array_equal(pc.paper_weights(q[None], eta)[0, -1], w)
    assert (np.abs(q[:, lab] - np.median(q, axis=1, keepdims=True)) >= 1).all()  # Byzantine loss 1


# --------------------------------------------------------------------------- Figs. 2-3
def test_fig3_end_values_in_the_published_order_and_ranges(studies):
    end = studies[True].curve[-1]
    mean, mom, mw, momg = (end[IDX[e]] for e in ("mean", "mom", "mw_mean", "mom_mw_mean"))
    assert max(mean, mom) < mw < momg
    assert 0.02 <= mean <= 0.11 and 0.02 <= mom <= 0.11  # paper ~0.07
    assert 0.15 <= mw <= 0.23  # paper ~0.19
    assert 0.21 <= momg <= 0.30  # paper ~0.25


def test_fig3_shape_gradual_fall_and_early_mw(studies):
    c = studies[True].curve
    mean, mw = c[:, IDX["mean"]], c[:, IDX["mw_mean"]]
    assert mw[1] < 0.8 * mw[0] and mw[3] < 0.4 * mw[0]  # MW drops fast and early
    assert mean[2] > 1.4 and mean[-1] < 0.1  # mean: flat first ...
    drops = -np.diff(mean)
    assert (drops > 0.2).sum() >= 3  # ... then falls over several rounds


def test_fig2_shapes(studies):
    c = studies[False].curve
    assert (c[:, IDX["mean"]] > 1.5).all() and (c[:, IDX["mom"]] > 1.5).all()  # non-robust: stay off
    mw = c[:, IDX["mw_mean"]]
    assert (np.diff(mw) < 0).all() and mw[-1] < 0.25 and mw[2] < 0.5 * mw[0]  # exponential-like fall
    g = c[:, IDX["mom_mw_mean"]]
    assert g.argmin() < len(g) - 1 and g[-1] > g.min() + 0.02 and g[-1] > mw[-1]  # plateau, then rises


def test_blacklisting_leaves_no_byzantine_source(studies):
    s = studies[True]
    for run in range(4):  # the four clipped-loss runs
        assert (s.blacklisted_at[run][s.is_byz] != NEVER).all()
    assert (studies[False].blacklisted_at == NEVER).all()


def test_seed_bugs_switch():
    s = pc.run_paper_study(pc.PaperStudyConfig(blacklist=True, seed_bugs=True))
    m = IDX["mom"]
    assert np.array_equal(s.curve[:, m], s.error[list(pc.MOM_RUNS_BUGGY), :, m].mean(0))
    assert np.array_equal(s.curve[:, IDX["mean"]], s.error[:, :, IDX["mean"]].mean(0))
    # the labels bug needs a removal to act: without blacklisting the runs are unchanged
    a = pc.run_paper_study(pc.PaperStudyConfig(blacklist=False, seed_bugs=True))
    b = pc.run_paper_study(pc.PaperStudyConfig(blacklist=False, seed_bugs=False))
    assert np.array_equal(a.error, b.error)


# --------------------------------------------------------------------------- determinism, global state
def test_both_modes_deterministic_and_global_rng_untouched():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    small = {"n_sources": 300, "rounds": 4, "runs": 2}
    t = [simulate("robust_study_paper", s, small) for s in (1, 1, 2)]
    assert to_bytes(t[0]) == to_bytes(t[1])
    assert all(np.array_equal(t[0][k], t[2][k]) for k in t[0].arrays)  # the Generator seed is unused
    d = [
        hashlib.sha256(to_bytes(simulate("robust_study", 3, {"n_sources": 30, "trials": 2}))).hexdigest()
        for _ in range(2)
    ]
    assert d[0] == d[1]
    c1 = pc.run_paper_cell({"eta": 0.04, "tau": 0.05}, 20, make_rng(9))
    c2 = pc.run_paper_cell({"eta": 0.04, "tau": 0.05}, 20, make_rng(9))
    assert c1[0] == c2[0] and all(np.array_equal(c1[1][k], c2[1][k]) for k in c1[1])
    assert np.array_equal(np.random.get_state()[1], before)


def test_every_difference_has_a_reason():
    assert len(pc.DIFFERENCES) >= 10
    for d, why in pc.DIFFERENCES:
        assert d and why and "\n" not in d + why
        assert d in pc.__doc__
    assert math.isclose(exact_T(0.1, 0.01), 44)


# --------------------------------------------------------------------------- default mode: the paper's cell rule
def test_default_fit_uses_the_paper_cell_rule_and_filters_only_when_asked():
    from sim.mw.verification import fit_line

    res = cell_results(run_serial(SWEEP, eta="0.06:0.1:3", tau="0.05:0.1:3", trials=20))
    plain, filt = fit_line(res), fit_line(res, honest_filter=True)
    for _i, why in plain.excluded:  # only censoring (or nothing caught) excludes a cell
        assert why.startswith("censored") or "p_byz = 0" in why
    assert set(filt.included) <= set(plain.included)
    assert all(not res[i].meets_honest for i in set(plain.included) - set(filt.included))
    assert any(not res[i].meets_honest for i in plain.included)  # the filter is what would drop them


# --------------------------------------------------------------------------- the declared sweep, variant=paper
def test_declared_sweep_variant_paper_gives_table1_and_the_scripts_cells(one_trial_cells):
    out = run_serial(SWEEP, variant="paper", delta=0.01, trials=1)
    res = cell_results(out)
    f = pc.paper_fit(res)
    assert (round(f.slope, 4), round(f.intercept, 4), round(f.r2, 4)) == (0.9844, -0.4758, 0.9981)
    for a, b in zip(res, one_trial_cells):  # trial 0 is the scripts' trial, whatever the cell's Generator
        assert (a.cell.eta, a.cell.tau) == (b.cell.eta, b.cell.tau)
        assert np.array_equal(a.example_w, b.example_w) and a.honest_blacklisted == b.honest_blacklisted
    assert pc.paper_best(res).T_theory == 51 and int(pc.paper_best(res).T_emp[0]) == 50  # Fig. 5's legend
    worst = max(res, key=lambda r: r.p_honest)
    assert worst.p_honest == pytest.approx(9 / 14)  # the paper reads 0.6 off Fig. 4


def test_variant_paper_serial_equals_engine_rows():
    """The record passes the engine's checks; rows are the same computed twice (deterministic)."""
    a = run_serial(SWEEP, variant="paper", eta="0.05,0.1", tau="0.05,0.1", trials=30)
    b = run_serial(SWEEP, variant="paper", eta="0.05,0.1", tau="0.05,0.1", trials=30)
    assert a.rows() == b.rows()
    d = run_serial(SWEEP, eta="0.05,0.1", tau="0.05,0.1", trials=30)
    assert a.rows() != d.rows()


def test_paper_cell_counts_add_up():
    """Weights only fall (0 < 1 - eta l <= 1), so 'below tau at the end' = 'below tau once'; counts agree."""
    eta, tau = GRID_ETA_TAU[97]
    counts, a = pc.run_paper_cell({"eta": eta, "tau": tau}, 50, make_rng(3))
    w, black, nh = a["example_w"], a["example_black"], counts["n_honest"]
    assert np.all(np.diff(w, axis=1) <= 0) and np.all(w[:, 0] == 1)
    for i in np.flatnonzero(black != NEVER):
        assert w[i, black[i]] < tau <= w[i, black[i] - 1]
    assert np.array_equal(black != NEVER, w[:, -1] < tau)
    assert counts["honest_any"] <= counts["honest_blacklisted"] <= counts["honest_any"] * nh
    assert np.array_equal(a["is_byz"], np.arange(20) >= nh)
    assert a["mean_honest"][0] == 1 and (a["T_emp"] != 0).all()


# --------------------------------------------------------------------------- figures: file names say the mode
def test_figure_files_say_their_mode(tmp_path):
    from studio.figures import FigureContext, all_figures

    figs = all_figures()
    for name in ("knowlson_fig1_paper", "knowlson_fig3_paper"):
        ctx = FigureContext(tmp_path / name)
        figs[name].build(ctx)
        stems = {p.stem for p in ctx.written}
        mode = "_paper" if name.endswith("_paper") else "_default"
        assert stems and all(s.endswith(mode) or s.endswith(mode + "_trace") for s in stems), stems
    knowlson = [n for n, e in figs.items() if n.startswith("knowlson_") and e.paper_ref.startswith("Knowlson")]
    assert {n for n in knowlson if n.endswith("_paper")} == {f"{n}_paper" for n in knowlson if not n.endswith("_paper")}


def test_paper_cell_in_chunks():
    """More trials than one chunk (2,000 at 50 rounds x 20 sources): same trial 0, counts over every trial."""
    eta, tau = GRID_ETA_TAU[99]
    c1, a1 = pc.run_paper_cell({"eta": eta, "tau": tau}, 1, make_rng(5))
    c, a = pc.run_paper_cell({"eta": eta, "tau": tau}, 2500, make_rng(5))
    assert a["T_emp"].shape == (2500,) and np.array_equal(a["example_w"], a1["example_w"])
    assert (a["T_emp"] == exact_T(eta, tau)).all()  # every Byzantine loss is 1 in every trial
    assert c["byz_blacklisted"] == 2500 * c["n_byzantine"] and c["byz_all"] == 2500
    assert 0 < c["honest_blacklisted"] < 2500 * c["n_honest"]
