"""Plugins: a user's aggregator, attack and MW centre run wherever the built-in ones do; bad ones fail in one line.

In-process tests restore the registries afterwards (registrations are global, like the built-in tables).
The example plugin (examples/plugin) is loaded by the command line through ``BYZMW_PLUGINS`` here, and
through its installed entry point in tests/test_wheel.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import sim
from kit.paths import REPO
from sim.aggregation import attacks, registry, rules
from sim.core import plugins
from sim.core.plugins import PluginError
from sim.mw import centres
from sim.stats import robust

EXAMPLE = REPO / "examples" / "plugin"


@pytest.fixture
def clean():
    """Registries as they were before the test."""
    saved = [
        (d, dict(d))
        for d in (
            rules.PLUGIN_RULES,
            attacks.PLUGIN_ATTACKS,
            robust.PLUGIN_ESTIMATORS,
            registry._AGGREGATORS,
            registry._ATTACKS,
            centres._CENTRES,
            plugins._modules,
            plugins._loaded,
        )
    ]
    flags = (plugins._seen_env, plugins._seen_entry_points)
    yield
    for d, old in saved:
        d.clear()
        d.update(old)
    plugins._seen_env, plugins._seen_entry_points = flags


def midrange(v):
    return (v.min(0) + v.max(0)) / 2


class ByzFLStyle:
    """A ByzFL-like aggregator object: configured in its constructor, called on an (n, d) array."""

    def __init__(self, f: int):
        self.f = f

    def __call__(self, vectors):
        x = np.sort(np.asarray(vectors), axis=0)
        return x[self.f : len(x) - self.f].mean(0)


def test_a_registered_rule_is_a_choice_everywhere(clean):
    from sim.core.sweeps import get_sweep

    sim.register_aggregator("t_midrange", midrange)
    sim.register_aggregator("t_byzfl", ByzFLStyle(f=1))
    sw = get_sweep("aggregation_breakdown")
    assert "t_midrange" in sw.axes[0].choices and "nnm+t_byzfl" in sw.axes[0].choices
    assert "t_midrange" in sim.aggregators()
    # the same numbers as calling it by hand, on each entry of a stack, non-finite rows dropped first
    x = np.random.default_rng(0).standard_normal((4, 6, 3))
    got = sim.aggregate("t_byzfl", x)
    want = np.stack([ByzFLStyle(1)(xi) for xi in x])
    assert np.array_equal(got, want)
    x[0, 2] = np.nan
    assert np.array_equal(sim.aggregate("t_midrange", x)[0], midrange(np.delete(x[0], 2, axis=0)))
    # seed 003's interface too
    agg, stats = sim.make_aggregator("t_midrange", num_samples_per_client=None).aggregate(list(x[1]))
    assert np.allclose(agg[0], midrange(x[1])) and stats["method"] == "t_midrange"


def test_needs_f_gets_the_number_of_byzantine_vectors(clean):
    seen = []

    def rule(v, f):
        seen.append(f)
        return v.mean(0)

    sim.register_aggregator("t_needs_f", rule, needs_f=True)
    sim.aggregate("t_needs_f", np.ones((7, 2)), f=2)
    assert seen[-1] == 2


def test_a_registered_rule_and_attack_in_a_sweep(clean):
    """A rule that ignores the attacked rows has the oracle's error exactly; the mean under the attack does not."""
    sim.register_aggregator("t_honest_only", lambda v: v[len(v) // 2 :].mean(0))
    sim.register_attack("t_far", lambda honest: honest.mean(0) + 100.0)
    out = sim.run_sweep(
        "aggregation_breakdown", aggregator="mean,t_honest_only", attack="t_far", byz_fraction=0.2, trials=10
    )
    rows = {r["aggregator"]: r for r in out.rows()}
    assert rows["mean"]["error_mean"] > 10  # 3 of 15 clients moved by 100 in every coordinate
    # n = 15, f = 3: the rule's upper half (rows 7..14) is honest; its error is that of a mean of 8 honest rows
    assert rows["t_honest_only"]["error_mean"] < rows["mean"]["error_mean"] / 10


def test_a_registered_centre_in_mw(clean):
    sim.register_centre("t_median_again", lambda r: np.median(r, axis=0))
    base = sim.simulate("blacklisting_cell", seed=3, rounds=6, trials=5)
    mine = sim.simulate("blacklisting_cell", seed=3, rounds=6, trials=5, estimator="t_median_again")
    assert np.allclose(base["weights"], mine["weights"])  # the same centre, so the same weights


@pytest.mark.parametrize(
    "fn, problem",
    [
        (lambda v: v, "returned shape (7, 3) for 7 vectors of dimension 3; must return one vector of shape (3,)"),
        (lambda v: v.mean(), "returned shape ()"),
        (lambda v: np.full(v.shape[1], np.nan), "returned NaN/inf for finite input"),
        (lambda v: 1 / 0, "failed: ZeroDivisionError"),
    ],
)
def test_a_bad_rule_is_refused_at_registration_naming_the_plugin(clean, fn, problem):
    with pytest.raises(PluginError) as e:
        sim.register_aggregator("t_bad", fn)
    msg = str(e.value)
    assert msg.startswith(f"plugin {__name__}: aggregator 't_bad' ") and problem in msg and "\n" not in msg
    assert "t_bad" not in rules.PLUGIN_RULES


def test_a_rule_that_breaks_later_names_the_plugin(clean):
    calls = []

    def flaky(v):
        calls.append(1)
        return v.mean(0) if len(calls) == 1 else v.mean(0)[:1]

    sim.register_aggregator("t_flaky", flaky)
    with pytest.raises(PluginError, match=r"aggregator 't_flaky' returned shape \(1,\)"):
        sim.aggregate("t_flaky", np.ones((5, 4)))


@pytest.mark.parametrize("name", ["mean", "Bad", "has space", "", "x" * 41, "median"])
def test_names_are_checked(clean, name):
    with pytest.raises(PluginError):
        sim.register_aggregator(name, midrange)


def test_a_bad_attack_is_refused(clean):
    with pytest.raises(PluginError, match=r"attack 't_bad_attack' returned shape \(2,\)"):
        sim.register_attack("t_bad_attack", lambda honest: np.zeros(2))


def test_a_failing_plugin_fails_at_every_lookup(tmp_path, monkeypatch, clean):
    """Not once and then silently missing: every lookup that loads it says why."""
    (tmp_path / "t_failing_mod.py").write_text("raise ImportError('nope')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("BYZMW_PLUGINS", "t_failing_mod")
    for _ in range(2):
        with pytest.raises(PluginError, match=r"^plugin t_failing_mod \(BYZMW_PLUGINS\): cannot import: ImportError"):
            rules.rule_names()


def test_a_plugin_may_look_names_up_while_it_registers(tmp_path, monkeypatch, clean):
    (tmp_path / "t_curious_mod.py").write_text(
        "import sim\n"
        "def register():\n"
        "    assert 'mean' in sim.aggregators()  # a lookup while loading: no second load of this plugin\n"
        "    sim.register_aggregator('t_curious', lambda v: v.mean(0))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("BYZMW_PLUGINS", "t_curious_mod")
    assert "t_curious" in rules.rule_names()
    assert "t_curious_mod (BYZMW_PLUGINS)" in plugins.loaded()


def _byzmw(*args, plugins_env: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("BYZMW_")}
    env.update({"BYZMW_PLUGINS": plugins_env, "PYTHONPATH": os.pathsep.join([str(EXAMPLE), str(cwd)])})
    env["BYZMW_TEX_CACHE"] = str(REPO / "media" / "Tex")  # compiled formulas shared with the other tests
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    "module, source, expect",
    [
        (
            "no_such_plugin_mod",
            None,
            "error: plugin no_such_plugin_mod (BYZMW_PLUGINS): cannot import: "
            "ModuleNotFoundError: No module named 'no_such_plugin_mod'",
        ),  # fmt: skip
        (
            "bad_shape_mod",
            "import sim\ndef register():\n    sim.register_aggregator('wide', lambda v: v)\n",
            "error: plugin bad_shape_mod: aggregator 'wide' returned shape (7, 3) for 7 vectors",
        ),  # fmt: skip
        (
            "nan_mod",
            "import sim, numpy as np\ndef register():\n"
            "    sim.register_aggregator('nanny', lambda v: np.full(v.shape[1], np.nan))\n",
            "error: plugin nan_mod: aggregator 'nanny' returned NaN/inf for finite input",
        ),  # fmt: skip
        (
            "raising_mod",
            "raise RuntimeError('boom')\n",
            "error: plugin raising_mod (BYZMW_PLUGINS): cannot import: RuntimeError: boom",
        ),  # fmt: skip
        ("bad:spec:x", None, "error: plugin 'bad:spec:x': expected module or module:function in BYZMW_PLUGINS"),
    ],
)
def test_bad_plugins_give_one_line_naming_the_plugin(tmp_path, module, source, expect):
    if source is not None:
        (tmp_path / f"{module}.py").write_text(source)
    r = _byzmw("sweep", "list", plugins_env=module, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().startswith(expect) and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.render  # draws the sweep's figure (matplotlib)
def test_the_example_plugin_in_a_sweep_and_its_figure(tmp_path):
    """The example plugin's aggregator and attack in `byzmw sweep list`, a sweep's CSV, its figure."""
    r = _byzmw("sweep", "list", plugins_env="byzmw_example_plugin", cwd=tmp_path)
    assert r.returncode == 0 and "phocas" in r.stdout and "shift" in r.stdout, r.stderr
    r = _byzmw(
        "--out", tmp_path, "sweep", "run", "aggregation_breakdown", "--name", "ex", "--no-progress",
        "--set", "aggregator=mean,phocas,nnm+phocas attack=shift byz_fraction=0,0.2 trials=10",
        plugins_env="byzmw_example_plugin", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    csv = (tmp_path / "sweeps" / "ex" / "cells.csv").read_text()
    assert ",phocas,shift," in csv and ",nnm+phocas,shift," in csv
    assert "# plugins: byzmw_example_plugin (" in csv
    assert (tmp_path / "sweeps" / "ex" / "figures" / "aggregation_breakdown.png").stat().st_size > 10_000


def test_the_examples_rules_are_what_they_say():
    """Phocas by brute force, the midhinge from its quartiles, the shift attack's offset."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        import byzmw_example_plugin as ex
    finally:
        sys.path.remove(str(EXAMPLE))
    x = np.random.default_rng(1).standard_normal((9, 4))
    f = 2
    got = ex.Phocas()(x, f=f)
    for j in range(4):
        col = np.sort(x[:, j])
        trimmed = col[f : 9 - f].mean()
        nearest = sorted(col, key=lambda v: abs(v - trimmed))[: 9 - f]
        assert np.isclose(got[j], np.mean(nearest))
    q1, q3 = np.quantile(x, [0.25, 0.75], axis=0)
    assert np.allclose(ex.midhinge(x), (q1 + q3) / 2)
    assert np.allclose(ex.shift(x) - x.mean(0), 5 * x.std(0), atol=1e-9)


@pytest.mark.render
def test_the_example_plugin_in_a_robust_aggregation_render(tmp_path):
    """SET="aggregators=mean,median,phocas": the scene draws the plugin's rule (its own colour and marker)."""
    r = _byzmw(
        "--out", tmp_path, "stills", "RobustAggregation", "-q", "l", "--set", "aggregators=mean,median,phocas",
        plugins_env="byzmw_example_plugin", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    folder = next((tmp_path / "stills").glob("RobustAggregation__aggregators=mean_median_phocas*"))
    assert sorted(p.stem for p in folder.glob("*.png")) == ["attack", "dragged", "final", "initial"]
    from PIL import Image

    from kit.theme import styles

    colour = styles(["mean", "median", "phocas"], "talk")["phocas"][0]
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    px = np.asarray(Image.open(folder / "initial.png").convert("RGB")).reshape(-1, 3)
    assert (np.abs(px.astype(int) - rgb).max(1) <= 3).sum() > 20  # its marker and legend entry are drawn
