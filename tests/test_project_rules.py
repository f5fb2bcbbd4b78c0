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
    from kit.theme import ROLES

    for role in ROLES:
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.palette, role))
        assert re.fullmatch(r"#[0-9A-F]{6}", getattr(th.paper, role))
    cfg = (REPO / "manim.cfg").read_text()
    assert f"background_color = {th.palette.background}" in cfg
    # the figures' style: the paper neutrals, and the series family as the default cycle (never a role colour)
    style = (REPO / "assets" / "studio.mplstyle").read_text().upper()
    for v in th.family("series", "paper").values():
        assert v.lstrip("#") in style
    for role in ROLES:
        assert getattr(th.paper, role).lstrip("#") not in style, role
    for k in ("text", "muted", "grid"):
        assert getattr(th.paper, k).lstrip("#") in style, k


# -- each range lives once: a fixed range or choice list is a declared Param, never a hand-written check ---------

# Messages that look like a range ("must be", "in [", "one of", "at most", ...) in a raise of ParamError/ValueError.
_RANGEISH = re.compile(r"must be|must give|must leave|must stay|\bin [\[(]|one of|at least|at most|>=|<=")
# Checks that stay hand-written, by (file, message with every {...} as {}), each saying why: the allowed range
# depends on the data or on another parameter, or the message is about a format or the CLI, not a range.
HAND_WRITTEN = {
    # depends on n (tau of the n experts)
    ("sim/coin/coin_mwu.py", "tau: must be an integer in [0, n) = [0, {}], got {}"),
    # depends on n: 1 .. n-1 Byzantine sources
    ("sim/coin/dual.py", "byz_fraction: must give 1 .. n-1 Byzantine sources, got {} with n = {}"),
    # the brute-force solver's capacity, on the items it is handed (and on the solver chosen, in the kind)
    ("sim/coin/brute_force.py", "tau: brute force takes at most {} corrupted experts, got {}"),
    ("sim/coin/kinds.py", "solver: brute force takes tau <= {}, got tau = {}"),
    ("sim/coin/sweeps.py", "solver: brute force takes tau <= {}, got tau = {} at n = {}"),
    # a budget or one of two named sentinels (floor(sqrt n), its half): not one range
    ("sim/coin/adaptive.py", "volatile: must be >= 0, {} or {}, got {}"),
    # data, not a parameter: the times of a survival sample
    ("sim/stats/survival.py", "time: must be finite and >= 0"),
    # depends on adversary (only the adaptive one is capped)
    ("sim/coin/kinds.py", "n: the adaptive adversary is traced for n <= 200, got {}"),
    # depends on eps
    ("sim/consensus/error_bounded.py", "margin: must be a number in (0, 2 eps / 3) = (0, {}), got {}"),
    # depends on n: at least one honest
    ("sim/core/population.py", "byz_fraction: must leave at least one honest {}, got {} with n = {}"),
    # CLI: an empty --out, a missing subcommand (argparse holds the choices)
    ("sim/core/cli.py", "--out: must be a file path, got an empty string"),
    ("sim/core/cli.py", "command: expected one of list, trace, show"),
    # sweep engine: the grammar of an axis and the size of a grid, named after the sweep's own parameters
    ("sim/core/sweeps.py", "{}: expected start:stop:num (num an integer >= 1), got {}"),
    ("sim/core/sweeps.py", "grid: {} cells; a sweep may have at most {}"),
    ("sim/core/sweeps.py", "sweep {}: parameter names must be unique and not 'trials' or 'seed'"),
    # depend on n_agents
    ("sim/mtl/measurements.py", "n_noisy: must be an integer in [0, n_agents] = [0, {}], got {}"),
    (
        "sim/mtl/network.py",
        "n_byzantine: must be an integer in [0, n_agents - 1] = [0, {}] (F <= N with at least one normal agent), got {}",
    ),
    # depend on n_sources
    (
        "sim/mw/kinds.py",
        "byz_fraction: must give at least one Byzantine source (floor(byz_fraction * n_sources) >= 1), "
        "got {} with n_sources={}",
    ),
    ("sim/mw/kinds.py", "buckets: must be an integer in [1, n_sources={}], got {}"),
    # depends on the data: the pairwise-distance matrix's memory for this many rows
    (
        "sim/stats/robust.py",
        "x: pairwise distances of {} rows need {} entries ({} GiB per matrix); at most {} ({} rows): "
        "use fewer clients or a coordinate-wise rule",
    ),
    # depends on n and f (Krum's n - f - 2 neighbours)
    (
        "sim/stats/robust.py",
        "neighbours: Krum needs between 1 and n - 1 = {} neighbours; n - f - 2 = {} (n = {} active rows, f = {}): "
        "f must be at most n - 3",
    ),
    # aggregation: depend on the data (which clients are Byzantine, how many clients there are)
    ("sim/aggregation/attacks.py", "malicious_indices: the omniscient attacks need at least one honest client"),
    ("sim/aggregation/attacks.py", "malicious_indices: must be client indices in [0, {}], got {}"),
    ("sim/aggregation/attacks.py", "target: must be an honest client, got {}"),
    (
        "sim/aggregation/aggregators.py",
        "weights: must be {} finite non-negative numbers, not all 0 on the kept clients",
    ),
    # depends on the active rows k (f of them must leave one)
    ("sim/aggregation/rules.py", "f: must leave at least one client, got f = {} of {}"),
    # depend on n_clients
    ("sim/aggregation/kinds.py", "n_byzantine: must be below half of n_clients = {}, got {}"),
    (
        "sim/aggregation/kinds.py",
        "trim_fraction: must trim at least n_byzantine = {} values per end (floor(trim_fraction n) >= n_byzantine), "
        "got {}",
    ),
    # depend on n, f and the rule (Krum's n - f - 2 neighbours, minimum-diameter averaging's C(n, f) subsets)
    ("sim/aggregation/sweeps.py", "byz_fraction: Krum needs n - f - 2 >= 1; n = {}, f = {} (byz_fraction {})"),
    ("sim/aggregation/sweeps.py", "n_clients: minimum-diameter averaging needs C(n, f) <= {}; C({}, {}) is larger"),
}


def _range_messages():
    """(file, message template, whether the message's range comes from a Param) of every range-like raise in sim/."""
    import ast

    out = []
    for f in sorted((REPO / "sim").rglob("*.py")):
        rel = f.relative_to(REPO).as_posix()
        if rel == "sim/core/params.py":
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
                continue
            fn = node.exc.func
            if (fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", None)) not in ("ParamError", "ValueError"):
                continue
            msg = node.exc.args[0]
            if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
                parts, from_param = [msg.value], False
            elif isinstance(msg, ast.JoinedStr):
                parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in msg.values]
                from_param = any(
                    isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "range_text"
                    for c in ast.walk(msg)
                )
            else:
                continue
            text = "".join(parts)
            if _RANGEISH.search(text):
                out.append((rel, text, from_param, node.lineno))
    return out


def test_no_hand_written_range_checks_in_sim():
    """A fixed range or choice list is a Param declared once and coerced (Param.coerce, param() + check_fields);
    a message may quote a Param's range (``P.range_text()``). Anything else needs a line in HAND_WRITTEN above."""
    found = _range_messages()
    new = [
        f"{rel}:{line}: {text}"
        for rel, text, from_param, line in found
        if not from_param and (rel, text) not in HAND_WRITTEN
    ]
    assert not new, "hand-written range checks (declare a Param, or add to HAND_WRITTEN saying why):\n" + "\n".join(new)
    stale = HAND_WRITTEN - {(rel, text) for rel, text, _, _ in found}
    assert not stale, f"HAND_WRITTEN lists checks that are gone: {sorted(stale)}"


def test_the_range_scan_sees_real_checks():
    """The scan above would pass on nothing: it must find the known hand-written checks and the Param-quoting ones."""
    found = _range_messages()
    assert ("sim/coin/coin_mwu.py", "tau: must be an integer in [0, n) = [0, {}], got {}") in {
        (r, t) for r, t, _, _ in found
    }
    assert any(rel == "sim/core/rng.py" and from_param for rel, _, from_param, _ in found)
