"""The MW scenes' words reject what the old scenes said at the moments they said it (issue 19's examples).

BlacklistingRace once showed "Byzantine caught" when the *average* Byzantine weight crossed τ, while the panel
still read "Byzantine left: 1"; MWTrajectories praised the MoM-guided MW mean at a round where other estimates
on screen were closer, and called the straight mean the one pulled away while median of means was farthest.
"""

from __future__ import annotations

import numpy as np
import pytest

from kit.options import RenderOptions
from kit.traces import ensure_trace
from scenes.claims import ClaimError
from scenes.mw import blacklisting_race as race


def _trace(cls, tmp_path, sets=None, seed=None):
    spec, _ = cls.trace_spec_for(RenderOptions(sets=sets or {}, seed=seed))
    return ensure_trace(spec, str(tmp_path / cls.__name__))


def test_race_caught_needs_every_byzantine_weight_below_tau(tmp_path):
    tr = _trace(race.BlacklistingRace, tmp_path)
    w, byz, tau = tr["weights"], tr["is_byzantine"].astype(bool), tr.params["tau"]
    old = int(tr.meta["T_emp_trial"])  # the old trigger: the average Byzantine weight below tau
    assert w[byz, old].mean() < tau and (w[byz, old] >= tau).any(), "the default run shows the old mistake"
    said = race.caught_claim(tr, old, byz_left=int((w[byz, old] >= tau).sum()))
    assert "caught" not in said.text and "still at or above" in said.text
    # the panel at the old trigger read one Byzantine left: the "caught" wording is refused even if forced
    caught_words = [c for c in (race.caught_claim(tr, race.caught_round(tr), 0),) if "caught" in c.text]
    assert caught_words and caught_words[0].check()
    r = race.caught_round(tr)
    assert r > old and (w[byz, r] < tau).all() and not (w[byz, r - 1] < tau).all()
    with pytest.raises(ClaimError):  # (a panel that still counts a Byzantine source: no claim holds)
        race.caught_claim(tr, r, byz_left=1)


def test_race_states_its_honest_false_positives(tmp_path):
    tr = _trace(race.BlacklistingRace, tmp_path)
    byz = tr["is_byzantine"].astype(bool)
    h = int(np.sum((tr["blacklisted_at"] > 0) & ~byz))
    assert h > 0  # the default run has false positives: the final frame and the conclusion say so
    assert f"{h} of {int((~byz).sum())} honest" in race.final_claim(tr).text
    assert f"{h} of {int((~byz).sum())} honest" in race.conclusion_claim(tr).text
    with pytest.raises(ClaimError):  # (a panel that disagrees with the trace: no claim holds)
        race.final_claim(tr, honest_left=int((~byz).sum()))


def test_trajectories_refuse_the_old_round_three_and_round_seven_words(tmp_path):
    from scenes.mw import mw_trajectories as traj

    tr = _trace(traj.MWTrajectories, tmp_path)
    d3 = traj.distances(tr, 3)
    assert max(d3, key=d3.get) == "mom"  # median of means was the farthest estimate on screen in round 3
    assert not traj.pulled_claim(tr, 3, "mean").check()  # the old "straight mean pulled toward the cluster"
    assert "median of means" in traj.round_claim(tr, 3).text
    k = traj.key_round(tr)
    assert k == 7 and bool(tr["active"][0, k - 1].all()) and not bool(tr["active"][0, k].all())
    d7 = traj.distances(tr, k)
    # the old conclusion praised the MoM-guided MW mean; the MW mean and the coordinate median were closer
    assert d7["mw_mean"] < d7["mom_mw_mean"] and d7["median"] < d7["mom_mw_mean"] < d7["mean"]
    said = traj.compare_claim(tr, k)
    assert said.check() and "no better than" in said.text
    assert "coordinate median" in said.text and "MW mean (" in said.text
    assert "closest" not in said.text


def test_weight_bars_refuse_the_old_honest_keep_their_weight(tmp_path):
    """MWWeightBars' old final words, "the honest ones keep their weight", were false: the honest weights shrink
    too. The final claim says the range the bars show, or the honest sources that fell (false positives)."""
    from scenes.mw import mw_weight_bars as bars

    tr = _trace(bars.MWWeightBars, tmp_path)
    w, byz, tau = tr["weights"], tr["is_byzantine"].astype(bool), tr.params["tau"]
    R = tr.params["rounds"]
    assert (w[R, ~byz] < w[0, ~byz]).all()  # every honest weight lost something: "keep their weight" is false
    said = bars.final_claim(tr)
    assert said.check() and "keep" not in said.text
    assert f"{w[R, ~byz].min():.2f} to {w[R, ~byz].max():.2f}" in said.text
    r = bars.caught_round(tr)
    assert (w[r, byz] < tau).all() and not (w[r - 1, byz] < tau).all()
    assert f"round {r}, the earliest possible" in bars.conclusion_claim(tr).text
    # a high threshold: honest sources fall too, and the words say so
    high = _trace(bars.MWWeightBars, tmp_path / "high", sets={"tau": "0.7"}, seed=2)
    h = int(((high["blacklisted_at"] > 0) & ~high["is_byzantine"].astype(bool)).sum())
    assert h > 0 and "false positives" in bars.final_claim(high).text
    assert f"{h} of" in bars.conclusion_claim(high).text


def test_weight_bars_state_the_earliest_round_only_when_met(tmp_path):
    """The earliest possible round (loss 1 every round) bounds every weight from below; the conclusion says the
    Byzantine fell *at* it only when they did, else by which later round."""
    from scenes.mw import mw_weight_bars as bars

    tr = _trace(bars.MWWeightBars, tmp_path, sets={"eta": "0.1", "rounds": "25"}, seed=3)
    rs, rc = bars.fastest_round(tr), bars.caught_round(tr)
    w = tr["weights"]
    assert (w[:rs].min() >= tr.params["tau"]) and rc > rs  # nothing falls before rs; here they fall later
    text = bars.conclusion_claim(tr).text
    assert "earliest possible" not in text and f"by round {rc} (at the earliest: {rs})" in text
    none = _trace(bars.MWWeightBars, tmp_path / "none", sets={"byz_distance": "2.0", "tau": "0.2"})
    assert bars.caught_round(none) is None and "still at or above" in bars.conclusion_claim(none).text
