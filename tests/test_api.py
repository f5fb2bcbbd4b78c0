"""The notebook API: `import sim` exports a documented surface, and every example in it runs (doctests).

The doctests run in a subprocess: they register example rules, which would otherwise stay registered for the
rest of this test process.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import sim
from kit.paths import REPO

SECTIONS = ("Parameters", "Returns", "References", "Examples")


def test_all_is_the_surface_and_every_function_is_documented():
    assert sorted(sim.__all__) == sorted({*sim.__all__}) and "simulate" in sim.__all__
    for name in sim.__all__:
        obj = getattr(sim, name)  # every name exists
        if inspect.isfunction(obj):
            doc = inspect.getdoc(obj) or ""
            takes = bool(inspect.signature(obj).parameters)
            for section in SECTIONS if takes else SECTIONS[1:]:
                # numpydoc: a section title underlined with dashes
                assert f"{section}\n{'-' * len(section)}" in doc, f"sim.{name}: no {section} section"
            assert ">>> " in doc, f"sim.{name}: no example"
    # help(sim) names modules that exist
    import importlib

    for mod in ("sim.core", "sim.stats", "sim.mw", "sim.consensus", "sim.coin", "sim.aggregation", "sim.mtl"):
        assert mod in sim.__doc__
        importlib.import_module(mod)


def test_every_example_runs():
    code = (
        "import doctest, sys, sim.api, studio.sweep\n"
        "fails = sum(doctest.testmod(m).failed for m in (sim.api, studio.sweep))\n"
        "tried = sum(doctest.testmod(m).attempted for m in (sim.api, studio.sweep))\n"
        "print(tried); sys.exit(1 if fails else 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYZMW_")}
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert int(r.stdout.split()[-1]) > 50  # the examples ran (a module without examples would pass with 0)


def test_core_import_needs_no_studio_and_no_plotting():
    """`import sim` and a simulation load no manim, matplotlib, pandas, kit or studio."""
    code = (
        "import sys, sim\n"
        "sim.simulate('mw_sources', seed=1)\n"
        "bad = [m for m in ('manim', 'matplotlib', 'pandas', 'kit', 'studio', 'scenes') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
