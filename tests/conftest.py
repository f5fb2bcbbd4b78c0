"""Test session setup: outputs go to a temporary folder; scene renders must not all skip."""

from __future__ import annotations

import os
import signal

import pytest

# Hypothesis draws the same examples on every run of `make test` (a red CI is a real finding, reproducible);
# BYZMW_HYPOTHESIS=explore draws new ones each run, to look for more.
from hypothesis import settings as _hsettings

_hsettings.register_profile("byzmw", derandomize=True)
_hsettings.register_profile("explore", derandomize=False)
_hsettings.load_profile("explore" if os.environ.get("BYZMW_HYPOTHESIS") == "explore" else "byzmw")

# A suite started as a background job of a non-interactive shell (`make test &`, `nohup ... &`) inherits SIGINT
# ignored, and so does every command it starts (an ignored signal stays ignored across exec): the Ctrl-C tests
# would then test nothing and hang or fail. They test a command started from a terminal, so the suite is one.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

_SCENE_OUTCOMES = {"passed": 0, "skipped": 0, "failed": 0}
_VISUAL_SKIPPED: list[str] = []


def pytest_addoption(parser):
    parser.addoption(
        "--set_test",
        action="store_true",
        default=False,
        help="write the control frames of the visual regression tests instead of comparing",
    )
    parser.addoption(
        "--show_diff",
        action="store_true",
        default=False,
        help="show the difference of a failing visual regression test",
    )


# Modules that render (Manim scenes, stills, slides, matplotlib figures) or build the manim text cache: the
# full suite runs them; `make test-fast` (pytest -m "not render") is the quick loop of pure simulation and CLIs.
RENDER_MODULES = {
    "test_outputs",
    "test_hardening_render",
    "test_text_outlines",
    "test_scenes",
    "test_scenes_audience",
    "test_scenes_pacing",
    "test_scenes_render_options",
    "test_visual_regression",
    "test_theme_language",
    "test_wheel",  # builds the wheel and installs it into a fresh venv (about two minutes)
    "test_notebook",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "scene: renders a Manim scene (the suite fails if every one is skipped)")
    config.addinivalue_line("markers", "visual: compares key frames with control frames (a skip fails the suite)")
    config.addinivalue_line("markers", "render: renders scenes, stills, slides or figures (not in make test-fast)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rpartition(".")[2] in RENDER_MODULES or item.get_closest_marker("scene"):
            item.add_marker(pytest.mark.render)


@pytest.fixture(scope="session", autouse=True)
def _isolated_outputs(tmp_path_factory):
    """Traces, media, stills and figures of the tests go to a temp folder.

    The LaTeX cache (BYZMW_TEX_CACHE, default media/Tex in the repo) is kept
    outside it so that compiled formulas are reused across runs.
    """
    root = tmp_path_factory.mktemp("studio-out")
    old = {
        k: os.environ.get(k) for k in ("BYZMW_TRACES", "BYZMW_MEDIA", "BYZMW_STILLS", "BYZMW_FIGURES", "BYZMW_SWEEPS")
    }
    for k, sub in (
        ("BYZMW_TRACES", "traces"),
        ("BYZMW_MEDIA", "media"),
        ("BYZMW_STILLS", "stills"),
        ("BYZMW_FIGURES", "figures"),
        ("BYZMW_SWEEPS", "sweeps"),
    ):
        os.environ[k] = str(root / sub)
    yield root
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def pytest_runtest_logreport(report):
    if "visual" in report.keywords and report.skipped:
        _VISUAL_SKIPPED.append(report.nodeid)
    if "scene" not in report.keywords:
        return
    if report.when == "call":
        _SCENE_OUTCOMES["passed" if report.passed else "failed"] += 1
    elif report.skipped:
        _SCENE_OUTCOMES["skipped"] += 1


def pytest_sessionfinish(session, exitstatus):
    o = _SCENE_OUTCOMES
    if o["skipped"] and not o["passed"] and not o["failed"]:
        session.config._scene_all_skipped = True
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if _VISUAL_SKIPPED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    for nodeid in _VISUAL_SKIPPED:
        terminalreporter.write_line(f"FAILED: visual comparison skipped, which proves nothing: {nodeid}", red=True)
    if getattr(terminalreporter.config, "_scene_all_skipped", False):
        terminalreporter.write_line(
            "FAILED: every scene render test was skipped, so no scene was proven to render", red=True
        )
