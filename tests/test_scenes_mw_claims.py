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
