"""RobustAggregation's words: the classic z-test cannot fire with few clients (issue 19), not "the attack masks it".

With n clients no mean/std z-score can exceed √(n−1) (Samuelson's inequality, numpy's std with ddof=0), so with
7 clients (√6 ≈ 2.45 < 3) the classic test never fires, attack or not: the old conclusion ("the mean ... masks
their z-scores") blamed the attack for what the number of clients does. The scene now concludes with the bound,
and says what the median/MAD test flagged as far as the trace shows it.
"""

from __future__ import annotations

import math
import shutil
import sys

import numpy as np
import pytest

from kit.options import RenderOptions
from kit.paths import REPO
from scenes.aggregation.robust_aggregation import RobustAggregation
from scenes.claims import Claim
from sim.api import simulate

HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def _trace(sets: dict):
    s = dict(sets)
    seed = s.pop("seed", RobustAggregation.trace_spec.seed)
    return simulate("aggregation_demo", seed=seed, params={**RobustAggregation.trace_spec.params, **s})


def old_masking_claim(tr) -> Claim:
    """The old conclusion's claim, with what it asserts: the attack keeps the classic scores below the flag, i.e.
    an attacker is unflagged although its classic score could reach the threshold among n clients."""
    n = len(tr["is_byzantine"])
    byz = np.asarray(tr["is_byzantine"], bool)
    thr = float(tr.meta["threshold_classic"])
    return Claim(
        "The mean follows the attackers and masks their z-scores",
        holds=lambda: math.sqrt(n - 1) >= thr and not bool(np.asarray(tr["flag_classic"])[:, byz].any()),
        says="an attacker unflagged by the classic test although its score could reach the threshold",
    )


@pytest.mark.parametrize("sets", [{}] + [dict(c) for c in RobustAggregation.claim_checks])
def test_no_classic_z_score_exceeds_the_bound(sets):
    """Samuelson: every classic z-score of n clients is at most √(n−1), at every step, attack or not."""
    tr = _trace(sets)
    n = len(tr["is_byzantine"])
    assert np.isclose(tr.meta["z_bound"], math.sqrt(n - 1))
    assert (np.asarray(tr["z_classic"]) <= math.sqrt(n - 1) + 1e-9).all()
    if math.sqrt(n - 1) < tr.meta["threshold_classic"]:
        assert not np.asarray(tr["flag_classic"]).any()


def test_the_old_conclusion_is_rejected_on_the_default_trace():
    """With 7 clients the bound (2.45) is below the flag (3): 'the attack masks the z-scores' is false there,
    and the scene's conclusion states the bound instead."""
    tr = _trace({})
    assert not old_masking_claim(tr).check()
    end = RobustAggregation.conclusion(RobustAggregation.__new__(RobustAggregation), tr)
    assert end.check()
    assert "√(n−1) = 2.45 < 3" in end.text and "never fire" in end.text and "mask" not in end.text


@pytest.mark.scene
def test_the_conclusion_on_screen_is_the_bound():
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    from studio.timing import timeline

    tm = timeline("RobustAggregation")
    (conc,) = [e for e in tm.events if e["what"] == "conclude"]
    assert "√(n−1)" in conc["text"] and "mask" not in conc["text"]
    # the ruler of the conclusion (the bound's line) is lit before the conclusion appears
    claims = [e for e in tm.events if e["what"] == "claim" and e["where"] == "caption"]
    assert any("no mean/std z-score can exceed" in e["text"] and e["holds"] for e in claims)


@pytest.mark.scene
def test_a_plugin_rule_is_named_in_the_words(monkeypatch):
    """SET="aggregators=mean,median,phocas" with the example plugin: every claim still holds."""
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    import sim
    from sim.aggregation import registry, rules
    from studio.timing import narration_problems, timeline

    monkeypatch.syspath_prepend(str(REPO / "examples" / "plugin"))
    saved = [(d, dict(d)) for d in (rules.PLUGIN_RULES, registry._AGGREGATORS)]
    try:
        if "phocas" not in sim.aggregators():
            import byzmw_example_plugin

            sim.register_aggregator("phocas", byzmw_example_plugin.Phocas(), label="Phocas", needs_f=True)
        tm = timeline("RobustAggregation", RenderOptions(sets={"aggregators": "mean,median,phocas"}))
        assert narration_problems(tm) == []
        words = " ".join(e["text"] for e in tm.events if e["what"] == "claim")
        assert "Phocas" in words or "phocas" in words.lower()
    finally:
        for d, old in saved:
            d.clear()
            d.update(old)
        sys.modules.pop("byzmw_example_plugin", None)
