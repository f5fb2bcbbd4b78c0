"""The consensus scenes' words: the examples of issue 19 that the claim predicates must reject.

BlacklistingProtocol once showed three different "bias" numbers from two formulas (0.067 measured from mu,
f/|S| (2 eps/3 - margin) = 0.054 on the label, f/k 2 eps/3 = 0.056 in the conclusion). Now one quantity, the
error of the first honest observer's average (its average minus mu), is written in one format wherever the
scene shows it, and its claims check the number they show.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from scenes.base import RenderObserver
from studio.timing import on_screen, timeline

HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None
pytestmark = [pytest.mark.scene, pytest.mark.skipif(not HAVE_LATEX, reason="LaTeX (latex, dvisvgm) is not installed")]
ERROR = re.compile(r"([+−]\d+\.\d{3}) (?:from|off) (?:μ|\$\\mu\$)")


class _Keep(RenderObserver):
    """The scene itself, and the texts on screen at each key frame."""

    def __init__(self):
        self.scene, self.texts = None, {}

    def on_key_frame(self, scene, name):
        self.scene = scene
        self.texts[name] = [m.text for m in on_screen(scene) if isinstance(getattr(m, "text", None), str)]


@pytest.fixture(scope="module")
def protocol():
    keep = _Keep()
    tm = timeline("BlacklistingProtocol", observers=[keep])
    return tm, keep


def test_blacklisting_protocol_shows_one_number_per_quantity(protocol):
    tm, keep = protocol
    sc, tr = keep.scene, keep.scene.trace
    fin, mu = np.asarray(tr["final"]), float(np.asarray(tr["mu"])[sc.i])
    e0, e1 = (f"{fin[a, sc.o, sc.i] - mu:+.3f}".replace("-", "−") for a in (sc.a0, sc.a1))
    claims = [e["text"] for e in tm.events if e["what"] == "claim"]
    shown = claims + keep.texts["bias"] + keep.texts["conclusion"]
    found = {m for t in shown for m in ERROR.findall(t) + re.findall(r"from ([+−]\d+\.\d{3}) to", t)}
    assert found == {e0, e1}, f"the errors on screen {found} are not the trace's {e0} (loud) and {e1} (quiet)"
    # the quiet liar's error is the same number in the bias key frame's caption, on its label and in the conclusion
    bias = next(e["text"] for e in tm.events if e["what"] == "claim" and e["where"] == "key frame 'bias'")
    assert e1 in ERROR.findall(bias)
    assert any(e1 in ERROR.findall(t) for t in keep.texts["bias"]), "the label of the quiet liar's average"
    assert re.findall(r"[+−]\d+\.\d{3}", tm.conclusion) == [e0, e1]  # "from e0 to e1 off μ"
    # no other decimal on screen at the bias key frame claims to be a bias (the old f/|S| and f/k formulas)
    assert not any("f/" in t or "margin" in t for t in shown)


def test_blacklisting_protocol_rejects_the_old_bias_numbers(protocol):
    """The old label (f/|S| (2 eps/3 - margin)) and conclusion (f/k 2 eps/3) as the error of P1's average: false."""
    _, keep = protocol
    sc, tr = keep.scene, keep.scene.trace
    f, k, eps, margin = sc.f, sc.k, sc.eps, float(tr.params["margin"])
    S = int((~np.asarray(tr["blacklist"])[sc.a1, sc.o]).sum())
    old_label = f"{f / S * (2 * eps / 3 - margin):+.3f}"
    old_conclusion = f"{f / k * 2 * eps / 3:+.3f}"
    assert (old_label, old_conclusion) == ("+0.054", "+0.056")  # the numbers the issue saw, on the same trace
    assert not sc.says_error(tr, sc.a1, old_label)
    assert not sc.says_error(tr, sc.a1, old_conclusion)
    assert sc.says_error(tr, sc.a1, "+0.067")  # what the trace measures: the arrow from mu
