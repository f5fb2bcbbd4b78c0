"""Every word on screen is true of its trace and readable at talking speed (no video rendered).

For every registered scene, for its declared parameters and for the other parameter sets and seeds it
declares in ``claim_checks`` (at least three), the scene is replayed with animations skipped and
``studio.timing.narration_problems`` must find nothing: every caption, key-frame subtitle, speaker note and
conclusion is a Claim bound from the trace whose predicate holds where it is shown; every cue reads at
<= 17 characters per second; the conclusion stays >= 6 s; no stretch of more than 10 s goes uncaptioned;
every key frame has a speaker prompt of its own; no slide is shorter than a second.
"""

from __future__ import annotations

import shutil

import pytest

from kit.options import RenderOptions
from studio import registry
from studio.timing import narration_problems, timeline

SCENES = registry.scenes()
HAVE_LATEX = shutil.which("latex") is not None and shutil.which("dvisvgm") is not None
MIN_CHECKS = 3


def _cases():
    out = []
    for name, entry in SCENES.items():
        sets = [{}] + [dict(c) for c in getattr(entry.cls, "claim_checks", ())]
        for i, s in enumerate(sets):
            out.append(pytest.param(name, s, id=f"{name}-{i}", marks=[pytest.mark.scene]))
    return out


@pytest.mark.parametrize("name,sets", _cases())
def test_every_claim_holds_and_reads(name, sets):
    if not HAVE_LATEX:
        pytest.skip("LaTeX (latex, dvisvgm) is not installed")
    seed = sets.pop("seed", None)
    tm = timeline(name, RenderOptions(sets={k: str(v) for k, v in sets.items()}, seed=seed))
    assert narration_problems(tm) == []
    assert any(e["what"] == "claim" and e["checked"] for e in tm.events), "no claim with a predicate"


@pytest.mark.parametrize("name", list(SCENES))
def test_claims_are_checked_for_enough_parameter_sets(name):
    checks = getattr(SCENES[name].cls, "claim_checks", ())
    assert len(checks) >= MIN_CHECKS, f"{name}: claim_checks lists {len(checks)} parameter sets, needs {MIN_CHECKS}"
    assert any("seed" in c for c in checks) and any(set(c) - {"seed"} for c in checks), (
        f"{name}: check other seeds and other parameters"
    )


@pytest.mark.parametrize(
    "tex,depth",
    [
        (r"x", 0),
        (r"x_i", 1),
        (r"w_{i}^{t}", 1),
        (r"\tfrac{1}{\eta}", 1),
        (r"\frac{1}{\eta}", 0),
        (r"x_{a_b}", 2),
        (r"\tfrac{1}{x_i}", 2),
        (r"T=\Big\lceil\tfrac{1}{\eta}\ln\tfrac{1}{\tau}\Big\rceil", 1),
    ],
)
def test_formula_size_counts_its_smallest_part(tex, depth):
    """TeX sets subscripts and \\tfrac parts at script size (0.7), scripts of scripts at 0.5: the size check
    measures a formula at its smallest part."""
    from scenes.pieces import tex_script_depth

    assert tex_script_depth(tex) == depth


def test_claims_refuse_typed_numbers_and_check_their_predicate():
    from scenes.claims import Claim, ClaimError, as_claim, first_true

    with pytest.raises(ClaimError, match="typed by hand"):
        Claim("all 3 Byzantine sources fall")
    with pytest.raises(ClaimError, match="no value"):
        Claim("all {k} Byzantine sources fall")
    c = Claim("all {k} Byzantine sources fall below τ", k=3, holds=lambda: False)
    assert c.text == "all 3 Byzantine sources fall below τ" and not c.check()
    fallback = Claim("some Byzantine sources remain", holds=lambda: True)
    assert first_true(c, fallback) is fallback
    assert Claim("no z-score can exceed √(n−1) ≈ {b}", b=2.45).text.endswith("2.45")  # notation, not data
    assert as_claim("typed 3 numbers").legacy and not as_claim("no numbers here").legacy
