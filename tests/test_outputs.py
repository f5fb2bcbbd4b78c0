"""Talk and paper outputs: transparent stills, offline slides, figures (PNG + PDF, reproducible)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from studio import registry
from studio.figures import FigureContext, all_figures

SCENES = registry.scenes()
FIRST = next(iter(SCENES))
DECK_SCENE = "RobustAggregation" if "RobustAggregation" in SCENES else FIRST


@pytest.mark.scene
def test_transparent_still_has_clear_background(tmp_path):
    from PIL import Image

    from kit.options import RenderOptions
    from studio.render import capture_key_frames

    paths = capture_key_frames(FIRST, tmp_path, RenderOptions(transparent=True))
    img = np.asarray(Image.open(paths[0]))
    assert img.shape[-1] == 4
    assert img[0, 0, 3] == 0 and img[-1, -1, 3] == 0  # corners: background, fully clear
    assert (img[..., 3] == 255).mean() > 0.01  # the drawing itself is opaque


@pytest.mark.scene
def test_slides_offline_html(tmp_path, monkeypatch):
    """Offline deck of one short scene whose timeline has a slide break with nothing after it."""
    import html as html_lib
    import json

    from studio.slides import build_slides, check_offline
    from studio.timing import timeline

    monkeypatch.setenv("BYZMW_SLIDES", str(tmp_path))
    html = build_slides([DECK_SCENE], deck="deck", cards=True, pdf=True)
    check_offline(html)
    text = html.read_text()
    assert "cdn.jsdelivr" not in text and "unpkg" not in text
    sections = re.findall(r"<section\b", text)
    assert len(sections) >= len(SCENES[DECK_SCENE].key_frames)
    videos = re.findall(r'data-background-video="([^"]+)"', text)
    assert videos and all((html.parent / v).exists() for v in videos)
    # speaker notes: the prompts of the key frames and of the conclusion; the opening slide carries its own
    notes = re.findall(r'<aside class="notes"[^>]*>(.*?)</aside>', text, re.S)
    tm = timeline(DECK_SCENE)
    wanted = [e["notes"] for e in tm.events if e["what"] in ("key", "conclude") and e.get("notes")]
    assert all(any(w.strip() in html_lib.unescape(n) for n in notes) for w in wanted), (wanted, notes)
    first = text[text.index("<section") :]
    assert '<aside class="notes"' in first[: first.index("</section>")]
    # the declared timing counts the slides manim-slides makes (empty stretches and slide pauses make none)
    (deck_json,) = [p for p in tmp_path.rglob(f"{DECK_SCENE}.json")]
    slides = json.loads(deck_json.read_text())["slides"]
    assert len(slides) == timeline(DECK_SCENE).slides
    # one key press per idea: the slides that wait are the key frames' (and the last); the rest play on
    from studio.timing import key_presses

    assert sum(not sl["auto_next"] for sl in slides) == key_presses(timeline(DECK_SCENE).events)
    # a title slide that says what Byzantine means, a section card, notes on every slide
    from scenes.glossary import BYZANTINE
    from studio.slides import deck_summary

    title = json.loads((tmp_path / "Card_00_title.json").read_text())["slides"]
    assert len(title) == 1 and not title[0]["auto_next"] and "Byzantine" in title[0]["notes"]
    assert BYZANTINE.split(":")[0] in title[0]["notes"]
    d = deck_summary(html, sorted(tmp_path.glob("*.json")))
    assert d.with_notes == d.slides
    for option in ("slideNumber: true", "progress: true", "hash: true"):
        assert option in text, option
    pdf = html.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.read_bytes().count(b"/Type /Page") >= d.slides


def test_the_talk_lists_every_scene_exactly_once():
    """scenes/talk.py holds the order: each discovered scene once, nothing that is not a scene."""
    from scenes.talk import BACKUP, TALK, order

    names = order()
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    assert set(names) == set(SCENES)
    assert list(SCENES) == list(names)  # the registry follows it
    assert TALK[0].scene == "WisdomOfTheCrowd" and {"MWWeightBarsNormalised", "PrimalDual"} <= {p.scene for p in BACKUP}
    assert all(p.section.strip() for p in TALK + BACKUP)


def test_a_scene_missing_from_the_talk_is_an_error(monkeypatch):
    import scenes.talk as talk
    from studio.registry import UnknownName, scenes

    monkeypatch.setattr(talk, "BACKUP", talk.BACKUP[:-1])
    with pytest.raises(UnknownName, match="PrimalDual"):
        scenes()


def test_figures_are_registered_with_references():
    """Every figure names its source: a published work (author and year or et al.) or "beyond the paper",
    and a figure named after a paper's figure or table cites that very figure or table."""
    figs = all_figures()
    assert "primal_dual" in figs
    roman = {"1": "I", "2": "II", "3": "III"}
    for name, f in figs.items():
        assert re.fullmatch(r"[a-z0-9_]+", name)
        ref = f.paper_ref.strip()
        cites = re.search(r"\b[A-Z][a-z]+(?: et al\.| & [A-Z][a-z]+| \(\d{4}\)|,? \d{4})", ref)
        assert cites or ref.startswith("beyond the paper"), (name, ref)
        m = re.search(r"_fig(\d+)", name)
        if m:
            assert re.search(rf"Figs?\. {m.group(1)}\b", ref), (name, ref)
        m = re.search(r"_table(\d+)", name)
        if m:
            assert f"Table {roman[m.group(1)]}" in ref, (name, ref)


def test_figure_files_are_reproducible(tmp_path):
    entry = all_figures()["primal_dual"]
    a, b = FigureContext(tmp_path / "a"), FigureContext(tmp_path / "b")
    entry.build(a)
    entry.build(b)
    assert {p.suffix for p in a.written} >= {".png", ".pdf"}
    for pa, pb in zip(a.written, b.written):
        assert pa.name == pb.name and pa.read_bytes() == pb.read_bytes()


def test_catalog_doc_is_up_to_date():
    """docs/catalog.md lists exactly what the registry declares (regenerate with `make catalog`)."""
    from studio.catalog import CATALOG, render_catalog

    assert CATALOG.exists(), "run `make catalog`"
    assert CATALOG.read_text() == render_catalog(), "docs/catalog.md is stale: run `make catalog`"


def test_every_registered_figure_builds_png_and_pdf(tmp_path):
    """`make figures` in miniature: each figure writes PNG + PDF pairs (traces and sweeps in the temp folder)."""
    from PIL import Image

    for name, entry in all_figures().items():
        ctx = FigureContext(tmp_path / name)
        entry.build(ctx)
        pngs = {p.stem for p in ctx.written if p.suffix == ".png"}
        pdfs = {p.stem for p in ctx.written if p.suffix == ".pdf"}
        assert pngs and pngs == pdfs, name
        for stem in pngs:
            img = np.asarray(Image.open(ctx.out_dir / f"{stem}.png").convert("L"), dtype=float)
            assert img.std() > 5, f"{name}: {stem}.png is blank"
            assert (ctx.out_dir / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
