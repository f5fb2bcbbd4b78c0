"""Talk slides with manim-slides: pauses come from the scenes' key frames and slide breaks.

Each scene is rendered through a manim-slides ``Slide`` subclass of itself
(``StudioScene.slide_break`` calls ``next_slide``), then converted into one
HTML presentation that works offline: reveal.js is fetched once from the npm
registry (pinned version and integrity hash) and referenced by relative path.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kit.manim_env import manim_config
from kit.options import RenderOptions
from kit.paths import cache_dir, slides_dir  # noqa: F401  (slides_dir: part of this module's interface)

from .registry import scene
from .segments import slide_class

REVEAL_VERSION = "6.0.1"  # manim-slides 5.7.0's default reveal_version
REVEAL_URL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{REVEAL_VERSION}.tgz"
REVEAL_INTEGRITY = "sha512-9eacArNIgqO2HGWOK+93gJNn+gvdGDVbSq+i2u3Ja9kjiHps0XNLpgYTZTYjKRH91uXy3clGimeGiw4umHG/tg=="


class SlidesError(RuntimeError):
    pass


def reveal_cache() -> Path:
    """Where reveal.js is kept: $BYZMW_REVEAL_CACHE, else the virtual environment's share/ (``make setup`` fetches it
    there), else the user's cache folder (kit.paths.cache_dir)."""
    if os.environ.get("BYZMW_REVEAL_CACHE"):
        return Path(os.environ["BYZMW_REVEAL_CACHE"])
    in_venv = sys.prefix != sys.base_prefix and os.access(sys.prefix, os.W_OK)
    return (Path(sys.prefix) / "share" if in_venv else cache_dir()) / f"reveal.js-{REVEAL_VERSION}"


def fetch_reveal() -> Path:
    """reveal.js's dist/ folder, downloaded once and verified against its npm integrity hash."""
    dest = reveal_cache()
    if (dest / "dist" / "reveal.js").exists():
        return dest / "dist"
    try:
        data = urllib.request.urlopen(REVEAL_URL, timeout=60).read()
    except OSError as e:
        raise SlidesError(f"reveal.js: cannot download {REVEAL_URL} ({e})") from None
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != REVEAL_INTEGRITY:
        raise SlidesError(f"reveal.js: integrity mismatch for {REVEAL_URL}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".reveal-", dir=dest.parent))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.startswith("package/dist/") and m.isfile() and ".." not in Path(m.name).parts
        ]
        for m in members:
            target = tmp / Path(m.name).relative_to("package")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(m).read())
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest / "dist"


def render_slide_scene(name: str, folder: Path, options: RenderOptions | None = None) -> Path:
    """Render one scene as manim-slides slides into ``folder`` (``<name>[__params].json`` + files).

    Key-frame captions and the conclusion become the slides' speaker notes. manim-slides records slides
    from a subclass of its ``Slide``, so the scene is mixed with it here (the adapter; the scene's
    parameters still come from ``options``).
    """
    options = options or RenderOptions()
    cls = slide_class(name, options)
    deck_name = cls.__name__
    entry = scene(name)
    with manim_config(options.quality, theme_name=options.theme, input_file=str(entry.file), write_to_movie=True):
        cls(output_folder=folder, options=options).render()
    out = folder / f"{deck_name}.json"
    if not out.exists():
        raise SlidesError(f"{name}: manim-slides wrote no {out.name}")
    return out


def render_card(deck_name: str, card: dict, folder: Path, options: RenderOptions) -> Path:
    """Render one card of the talk (title, section) as a one-slide manim-slides deck ``<deck_name>.json``."""
    from manim_slides.slide import Slide

    from scenes.cards import Card

    cls = type(deck_name, (Slide, Card), {"__module__": Card.__module__})
    import scenes.cards

    with manim_config(options.quality, theme_name=options.theme, input_file=scenes.cards.__file__,
                      write_to_movie=True):  # fmt: skip
        cls(output_folder=folder, options=options, **card).render()
    out = folder / f"{deck_name}.json"
    if not out.exists():
        raise SlidesError(f"{deck_name}: manim-slides wrote no {out.name}")
    return out


@dataclass(frozen=True)
class Deck:
    html: Path
    slides: int  # slides in the deck
    key_presses: int  # slides that wait for the speaker (the others play on by themselves)
    with_notes: int  # slides with speaker notes


def deck_summary(html: Path, jsons: list[Path]) -> Deck:
    import json

    slides = [sl for j in jsons for sl in json.loads(j.read_text())["slides"]]
    waits = sum(1 for sl in slides if not sl.get("auto_next", False))
    notes = sum(1 for sl in slides if str(sl.get("notes", "")).strip())
    return Deck(html, len(slides), waits, notes)


def build_slides(
    names: list[str],
    options: RenderOptions | None = None,
    deck: str = "talk",
    *,
    cards: bool | None = None,
    pdf: bool = False,
    jobs: int = 1,
    scheduler=None,
    cache: bool | None = None,
) -> Path:
    """One offline HTML presentation of ``names`` in the given order.

    The whole talk (``cards``, default: when ``deck`` is "talk") opens on a title slide that says what
    Byzantine means, and puts a short card before every section (from ``scenes/talk.py``). The deck shows
    slide numbers and a progress bar, keeps the slide in the URL (a reload stays where it was), and lets
    the slides between two key frames play on by themselves: one key press per idea. ``pdf``: also
    ``<deck>.pdf``, one page per slide. ``jobs``, ``scheduler``, ``cache``: the scenes' plays are rendered as one
    job of segments (:mod:`studio.render_jobs`, as ``render_video``); the cards are rendered here.
    """
    from scenes.cards import section_card, title_card
    from scenes.talk import BACKUP, TALK

    from . import render_cache
    from .render_jobs import check_jobs

    options = options or RenderOptions()
    cards = (deck == "talk") if cards is None else cards
    folder = slides_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dist = fetch_reveal()
    local = folder / "reveal.js"
    if not (local / "dist" / "reveal.js").exists():
        shutil.copytree(dist, local / "dist", dirs_exist_ok=True)
    sections = {p.scene: p.section for p in TALK + BACKUP}
    jsons = []
    decks = {}
    if check_jobs(jobs) != 1 or scheduler is not None or render_cache.enabled(cache):
        from .render_jobs import render_scenes

        rep = render_scenes([scene(n).name for n in names], options, mode="slides", jobs=jobs, scheduler=scheduler,
                            cache=cache, folder=folder)  # fmt: skip
        decks = rep.outputs
    if cards:
        jsons.append(render_card("Card_00_title", title_card(), folder, options))
    for i, name in enumerate(names, 1):
        if cards:
            if name == BACKUP[0].scene:
                jsons.append(render_card(f"Card_{i:02d}_backup", {"title": "Backup slides", "lines": (),
                                         "prompt": "End of the talk: questions. The slides after this are backup."},
                                         folder, options))  # fmt: skip
            card = section_card(i, sections.get(name, name), scene(name).cls.__doc__ or "")
            jsons.append(render_card(f"Card_{i:02d}_{name}", card, folder, options))
        jsons.append(decks.get(scene(name).name) or render_slide_scene(name, folder, options))
    scene_jsons = [j for j in jsons if not j.stem.startswith("Card_")]
    if len(names) == 1 and scene_jsons[0].stem != scene(names[0]).name:
        deck += scene_jsons[0].stem[len(scene(names[0]).name) :]  # SET / PACE variants get their own deck
    html = folder / f"{deck}.html"
    exe = Path(sys.executable).with_name("manim-slides")
    cmd = [
        str(exe),
        "convert",
        "--to",
        "html",
        "--folder",
        str(folder),
        *[j.stem for j in jsons],
        str(html),
        "-ccdn_url=reveal.js",
        f"-creveal_version={REVEAL_VERSION}",
        f"-ctitle={deck}",
        "-cbackground_color=black",
        "-cslide_number=true",
        "-cprogress=true",
        "-chash=true",
        "-crespond_to_hash_changes=true",
        "-chistory=true",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or not html.exists():
        raise SlidesError(f"manim-slides convert failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    check_offline(html)
    if pdf:
        export_pdf(folder, [j.stem for j in jsons], html.with_suffix(".pdf"))
    d = deck_summary(html, jsons)
    print(f"slides: {d.slides} slides, {d.key_presses} key presses, speaker notes on {d.with_notes}", file=sys.stderr)
    return html


def export_pdf(folder: Path, stems: list[str], pdf: Path) -> Path:
    """The deck as a PDF, one page per slide (its last frame): a backup for a machine without a browser."""
    exe = Path(sys.executable).with_name("manim-slides")
    cmd = [str(exe), "convert", "--to", "pdf", "--folder", str(folder), *stems, str(pdf)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or not pdf.exists():
        raise SlidesError(f"manim-slides convert --to pdf failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    return pdf


def check_offline(html: Path) -> None:
    """Every src/href of the presentation is a local file that exists."""
    text = re.sub(r"<!--.*?-->", "", html.read_text(), flags=re.S)
    for ref in re.findall(r'(?:src|href)="([^"]+)"', text):
        if re.match(r"[a-z]+:", ref) and not ref.startswith("data:"):
            raise SlidesError(f"{html.name}: refers to remote {ref}")
        if not ref.startswith("data:") and not (html.parent / ref).exists():
            raise SlidesError(f"{html.name}: missing local file {ref}")


if __name__ == "__main__":  # `python -m studio.slides fetch` (used by make setup)
    if sys.argv[1:] == ["fetch"]:
        print(fetch_reveal())
