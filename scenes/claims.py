"""Claims: the words on screen, bound from the trace, each with the predicate it asserts.

A caption, a key frame's subtitle, a speaker note or a conclusion line is a :class:`Claim`: a template whose
values come from the trace at that moment, and a predicate over the trace that says what the sentence asserts.
The scene evaluates the predicate when it shows the claim (the timeline records the result); the generic
test (``tests/test_scenes_claims.py``) replays every scene for several parameter sets and seeds and fails on a
claim that is not true of what is shown. A scene whose sharpest statement depends on the run picks among
claims (:func:`first_true`), so it never says the false one::

    caught = Claim(
        "Round {t}: every Byzantine weight is below τ = {tau}",
        t=t, tau=tau,
        holds=lambda: bool((w[byz, t] < tau).all()),
        says="all Byzantine weights < tau at round t",
    )
    self.key_frame("byzantine_caught", caught)

No number is typed by hand: a template's digits must come from its values (:data:`FORMULAS` lists the few
notations of the talk that contain a digit, such as √(n−1)).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Notation of the talk that contains digits (defined on screen where used): not data, so allowed in templates.
FORMULAS = ("√(n−1)", "n−1", "2ε/3", "ε/3", "1/2", "x²", "O(n)", "1 − η", "(1 − η)ᵗ", "k/3", "(k−1)/3")


class ClaimError(ValueError):
    pass


def _template_digits(template: str) -> list[str]:
    """The digits a template writes outside its fields and the talk's formulas."""
    literal = "".join(part for part, _, _, _ in string.Formatter().parse(template))
    for f in FORMULAS:
        literal = literal.replace(f, "")
    return re.findall(r"[0-9]+", literal)


@dataclass(frozen=True)
class Claim:
    """A sentence for the screen: ``template`` formatted with ``values``, true when ``holds()`` is."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)
    holds: Callable[[], bool] | None = None
    says: str = ""  # the predicate in words, for the failure message
    legacy = False  # a string caption from before claims (see as_claim)

    def __init__(self, template: str, *, holds: Callable[[], bool] | None = None, says: str = "", **values):
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "values", dict(values))
        object.__setattr__(self, "holds", holds)
        object.__setattr__(self, "says", says)
        typed = _template_digits(template)
        if typed:
            raise ClaimError(f"claim {template!r}: numbers typed by hand ({', '.join(typed)}); bind them as values")
        try:
            self.text  # noqa: B018  (every field bound)
        except (KeyError, IndexError) as e:
            raise ClaimError(f"claim {template!r}: field {e} has no value") from None

    @property
    def text(self) -> str:
        return self.template.format(**self.values)

    def check(self) -> bool:
        """Whether the claim is true of the trace (a claim without a predicate asserts nothing checkable)."""
        return True if self.holds is None else bool(self.holds())

    def __str__(self) -> str:
        return self.text


def first_true(*claims: Claim) -> Claim:
    """The first (sharpest) claim that holds; the last is the fallback and must hold whatever the run."""
    for c in claims:
        if c.check():
            return c
    raise ClaimError(f"no claim holds, not even the fallback {claims[-1].template!r}")


def plain(text: str) -> Claim:
    """A sentence that asserts nothing about the trace (a question, an instruction): no digits allowed."""
    return Claim(text.replace("{", "{{").replace("}", "}}"))


class _Legacy(Claim):
    """A caption string from before claims (not yet bound from the trace): shown, flagged, never trusted."""

    legacy = True

    def __init__(self, text: str):
        object.__setattr__(self, "template", text.replace("{", "{{").replace("}", "}}"))
        object.__setattr__(self, "values", {})
        object.__setattr__(self, "holds", None)
        object.__setattr__(self, "says", "")


def as_claim(x: Claim | str) -> Claim:
    """A Claim as it is; a string as a claim without a predicate (flagged ``legacy`` if it types numbers)."""
    if isinstance(x, Claim):
        return x
    if not isinstance(x, str):
        raise TypeError(f"caption: expected a Claim or a string, got {type(x).__name__}")
    return plain(x) if not _template_digits(x.replace("{", "").replace("}", "")) else _Legacy(x)
