"""Rules of the code base that a reader relies on."""

from __future__ import annotations

import re
import subprocess
import sys

from kit.paths import REPO
from kit.theme import theme


def test_sim_never_imports_manim_or_matplotlib():
    code = (
        "import sys, sim.core.kinds; sim.core.kinds.all_kinds(); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('manim', 'matplotlib')]; "
        "assert not bad, bad"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for f in (REPO / "sim").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+(manim|matplotlib)\b", f.read_text(), re.M), f


def test_no_global_rng_in_sim_or_scenes():
    pat = re.compile(r"np\.random\.(seed|rand|randn|randint|choice|normal|uniform|permutation|shuffle)\(")
    for folder in ("sim", "scenes"):
        for f in (REPO / folder).rglob("*.py"):
            assert not pat.search(f.read_text()), f"global RNG in {f}"


def test_randomstate_only_in_the_compat_module():
    """A local RandomState replays a paper's draw order; only a module whose name says "compat" may use one."""
    pat = re.compile(r"\bRandomState\b|np\.random\.mtrand|numpy\.random\.mtrand")
    users = sorted(f.relative_to(REPO).as_posix() for f in (REPO / "sim").rglob("*.py") if pat.search(f.read_text()))
    assert "sim/mw/paper_compat.py" in users
    assert all("compat" in u.rsplit("/", 1)[-1] for u in users), users


def test_colours_come_from_the_theme():
    """No colour literals or manim colour constants in scenes and figures."""
    hexpat = re.compile(r"#[0-9A-Fa-f]{6}\b")
    named = re.compile(
        r"\b(RED|GREEN|BLUE|YELLOW|WHITE|BLACK|GREY|GRAY|ORANGE|PURPLE|PINK|TEAL|GOLD|MAROON)(_[A-E])?\b"
    )
    files = list((REPO / "scenes").rglob("*.py")) + list((REPO / "studio" / "figures").rglob("*.py"))
    for f in files:
        text = f.read_text()
        assert not hexpat.search(text), f"colour literal in {f}"
        assert not named.search(text), f"manim colour constant in {f}"


def test_theme_is_complete_and_cfg_carries_background():
    th = theme()
    for role in ("honest", "byzantine", "estimate", "true_value", "blacklisted", "volatile"):
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.palette, role))
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.paper, role))
    cfg = (REPO / "manim.cfg").read_text()
    assert f"background_color = {th.palette.background}" in cfg
    style = (REPO / "assets" / "studio.mplstyle").read_text()
    assert th.paper.honest.lstrip("#") in style and th.paper.byzantine.lstrip("#") in style
