"""Cards of the talk: the title slide (with what "Byzantine" means) and a short card before each section.

They replay no trace; their words come from ``scenes/talk.py`` and ``scenes/glossary.py``.
"""

from __future__ import annotations

from manim import DOWN, FadeIn, VGroup

from scenes.base import StudioScene
from scenes.claims import Claim, as_claim
from scenes.pieces import COLORS, FS, label

TALK_TITLE = "Byzantine-robust aggregation and multiplicative weights"


class Card(StudioScene):
    """One slide of words: a title and a few lines, faded in and held for the speaker."""

    abstract = True  # not a scene of the talk: the slides build one per section
    key_frames = ("card",)

    def __init__(self, *args, title: Claim | str = "", lines: tuple[str, ...] = (), prompt: Claim | str = "", **kw):
        self.card_title, self.card_lines, self.card_prompt = title, tuple(lines), prompt
        super().__init__(*args, **kw)

    def construct(self):
        title = as_claim(self.card_title)
        head = label(title.text, FS.title, COLORS.text)
        body = VGroup(*[label(line, FS.body, COLORS.muted) for line in self.card_lines])
        group = VGroup(head, body.arrange(DOWN, buff=0.3)) if self.card_lines else VGroup(head)
        group.arrange(DOWN, buff=0.6)
        if group.width > 12.5:
            group.scale_to_fit_width(12.5)
        self.play(FadeIn(group), run_time=self.seconds(0.6))
        self.key_frame("card", title, prompt=as_claim(self.card_prompt or title))


def title_card() -> dict:
    """The talk's first slide: its title and, at first use, what Byzantine means."""
    from scenes.glossary import BYZANTINE

    return {
        "title": TALK_TITLE,
        "lines": (BYZANTINE,),
        "prompt": "Welcome. Read the definition of Byzantine aloud: every scene has honest and Byzantine parties, "
        "and the Byzantine ones may lie in any way, together.",
    }


def section_card(number: int, section: str, scene_doc: str) -> dict:
    first = (scene_doc or "").strip().splitlines()[0] if scene_doc else ""
    what = first.split(":", 1)[1].strip() if ":" in first else first
    return {
        "title": Claim("{number}. {section}", number=number, section=section),
        "lines": (),
        "prompt": Claim(
            "Section {number}: {section}. Coming up: {what}.", number=number, section=section, what=what.rstrip(". ")
        ),  # fmt: skip
    }
