"""``byzmw``: the one command of Byzantine MW Studio (a console script; the Makefile is a thin layer over it).

::

    byzmw scenes                                   the scenes, in talk order, with their key frames
    byzmw timing [SCENE]                           declared timing and pacing problems (nothing rendered)
    byzmw render SCENE [-q l|m|h|p|k] [--pace P] [--theme T] [--set 'NAME=VALUE ...']
    byzmw preview SCENE [--pace P] [--set ...]     render at -ql and open it
    byzmw stills [SCENE] [-q h] [--theme T] [--width single|double] [--transparent] [--set ...]
    byzmw slides [SCENE] [-q l] [--pace P] [--set ...]
    byzmw figures [NAME ...]                       the paper figures (all, or the named ones)
    byzmw sweep list | run SWEEP [--name N] [--set ...] [--trials N] ...
    byzmw list | trace KIND [--seed S] [--set ...] [--out F] | show FILE     (the core: trace kinds)
    byzmw plugins                                  loaded plugins (aggregators, attacks, MW centres)
    byzmw doctor                                   the system tools renders need, and how to install them

One ``--set`` grammar everywhere (:func:`sim.core.cli.parse_sets`): ``NAME=VALUE`` items separated by whitespace,
a comma inside a value (a list), a name at most once. Outputs go under the current folder, or ``--out DIR``
(``$BYZMW_OUT``). Exit codes: 0 done, 2 bad input (one line on stderr, naming the parameter), 130 Ctrl-C,
141 a closed stdout (``| head``).

``python -m studio``, ``python -m studio.sweep`` (= ``byzmw sweep``) and ``python -m sim`` (list, trace, show)
remain as aliases.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

import sim
from sim.core import cli as core_cli
from sim.core.cli import OneLineParser, exit_2_on, one_line, run_main
from sim.core.errors import ParamError, TraceError
from sim.core.params import Param

from .registry import UnknownName
from .sweep import cli as sweep_cli

PROG = "byzmw"


def build_parser() -> argparse.ArgumentParser:
    ap = OneLineParser(
        prog=PROG,
        description="Byzantine MW Studio: simulations, talk videos, stills, slides, figures and sweeps",
        epilog="Outputs go under the current folder (or --out DIR). `byzmw COMMAND -h` for one command.",
    )
    ap.add_argument(
        "--out",
        dest="out_root",
        metavar="DIR",
        help="root of the output folders (default: the current folder; $BYZMW_OUT)",
    )
    ap.add_argument("--version", action="version", version=f"byzmw {sim.__version__}")
    sub = ap.add_subparsers(dest="cmd", parser_class=OneLineParser, metavar="COMMAND")
    sub.add_parser("scenes", help="the scenes in talk order with their key frames")
    p = sub.add_parser("timing", help="declared timing: video length, slides, key frames, pacing problems")
    p.add_argument("scene", nargs="?")
    p = sub.add_parser("render", help="render one scene as a talk video (+ .srt subtitles)")
    p.add_argument("scene")
    p.add_argument("-q", "--quality", default="l", help="l, m, h, p or k (default l)")
    _options(p)
    p = sub.add_parser("preview", help="render at -ql and open the video (prints its path without a display)")
    p.add_argument("scene")
    _options(p)
    p = sub.add_parser("stills", help="PNG stills of the named key frames")
    p.add_argument("scene", nargs="?")
    p.add_argument("-q", "--quality", default="h", help="l, m, h, p or k (default h: 300 DPI)")
    p.add_argument("--transparent", action="store_true", help="transparent background")
    p.add_argument("--width", default="", help="paper figures: single (3.5 in) or double (7.2 in, default) column")
    _options(p, pace=False)
    p = sub.add_parser("slides", help="offline HTML slides of one scene, or of the whole talk")
    p.add_argument("scene", nargs="?")
    p.add_argument("-q", "--quality", default="l")
    p.add_argument("--pdf", action="store_true", help="also a PDF of the deck, one page per slide (a backup)")
    _options(p, theme=False)
    p = sub.add_parser("figures", help="the paper figures (all of them, or the named ones)")
    p.add_argument("only", nargs="*", metavar="NAME")
    p = sub.add_parser("sweep", help="declared parameter sweeps: list, run")
    sweep_cli.add_commands(p.add_subparsers(dest="sweep_cmd", parser_class=sweep_cli._Parser, metavar="list|run"))
    core_cli.add_commands(sub)  # list, trace, show
    sub.add_parser("plugins", help="loaded plugins: aggregators, attacks, MW centre estimators")
    p = sub.add_parser("doctor", help="the system tools renders need (ffmpeg, LaTeX, cairo, pango) and how to install")
    p.add_argument("--install", action="store_true", help="install what is missing (Debian only, with apt-get)")
    p = sub.add_parser("demo", help="the showcase: a preview-quality video and the stills of one scene")
    p.add_argument("scene")
    p = sub.add_parser("file", help="the source file of a scene")
    p.add_argument("scene")
    p = sub.add_parser("from-make")  # the Makefile's entry: make variables arrive as data (see argv_from_make)
    p.add_argument("target")
    return ap


def _options(p, pace: bool = True, theme: bool = True) -> None:
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="'NAME=VALUE ...'",
        help="trace parameters (byzmw list shows them); whitespace separates, a comma belongs to the value",
    )
    if pace:
        p.add_argument("--pace", default="", help="slow, normal, fast or a multiplier in [0.1, 10]")
    if theme:
        p.add_argument("--theme", default="", help="talk (dark) or paper (dark text on white)")


# -- make variables as data -------------------------------------------------------------------------------------
MAKE_VARS = (
    "SCENE",
    "QUALITY",
    "PACE",
    "SET",
    "THEME",
    "TRANSPARENT",
    "WIDTH",
    "FIGURE",
    "SWEEP",
    "NAME",
    "TRIALS",
    "SHOWCASE",
)
MAKE_PREFIX = "BYZMW_MAKE_"
TRANSPARENT = Param("TRANSPARENT", bool, False, "stills on a transparent background")
PDF = Param("PDF", bool, False, "slides: also a PDF of the deck")


def args_from_make(target: str, env: Mapping[str, str]) -> argparse.Namespace:
    """The parsed arguments of ``make TARGET`` from the make variables in ``env`` (``BYZMW_MAKE_SCENE``, ...).

    The Makefile never puts a variable into a recipe: it exports each one's raw text as ``BYZMW_MAKE_<NAME>``
    and runs ``byzmw from-make TARGET``. Here the values go straight into the fields of the namespace the
    command line would have produced (the defaults come from parsing a constant command line), so no byte of
    them is ever read as shell, make or command-line syntax: ``SCENE=--help`` is a scene named ``--help``.
    """

    def var(name: str) -> str:
        return env.get(MAKE_PREFIX + name, "")

    skeleton = {
        "scenes": ["scenes"],
        "timing": ["timing"],
        "render": ["render", "S"],
        "preview": ["preview", "S"],
        "stills": ["stills"],
        "slides": ["slides"],
        "figures": ["figures"],
        "sweep": ["sweep", "run", "S"],
        "demo": ["demo", "S"],
    }
    if target not in skeleton:
        raise ParamError(f"from-make: unknown target {target!r}; one of {', '.join(skeleton)}")
    args = build_parser().parse_args(skeleton[target])
    if target in ("render", "preview") and not var("SCENE"):
        from . import registry

        raise ParamError(f"SCENE: SCENE=Name is required; available: {', '.join(registry.scenes())}")
    if target == "sweep" and not var("SWEEP"):
        from sim.core.sweeps import all_sweeps

        raise ParamError(f"SWEEP: SWEEP=name is required; available: {', '.join(all_sweeps())}")
    if hasattr(args, "scene"):
        args.scene = (var("SHOWCASE") or "MWWeightBars") if target == "demo" else (var("SCENE") or None)
    if var("QUALITY") and hasattr(args, "quality"):
        args.quality = var("QUALITY")
    for name in ("pace", "theme"):
        if var(name.upper()) and hasattr(args, name):
            setattr(args, name, var(name.upper()))
    if var("SET"):
        if target == "sweep":
            args.sets = [var("SET")]
        elif hasattr(args, "set"):
            args.set = [var("SET")]
    if target == "stills":
        args.transparent = TRANSPARENT.coerce(var("TRANSPARENT").strip() or "false")
        args.width = var("WIDTH")
    if target == "figures":
        args.only = var("FIGURE").replace(",", " ").split()
    if target == "slides":
        args.pdf = PDF.coerce(var("PDF").strip() or "false")
    if target == "sweep":
        args.sweep = var("SWEEP")
        args.name = var("NAME") or None
        args.trials = var("TRIALS") or None
    return args


# -- running ----------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    return run_main(_main, argv)


def _main(argv) -> int:
    try:
        return exit_2_on((ParamError, TraceError, UnknownName), _parse_and_run, argv)
    except Exception as e:  # renders, slides and plugins fail with errors of their own: one line, no traceback
        from kit.manim_env import RenderError

        from .slides import SlidesError

        if isinstance(e, (RenderError, SlidesError)):
            print(f"error: {one_line(e)}", file=sys.stderr)
            return 2
        raise


def _parse_and_run(argv) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.out_root is not None:
        if not args.out_root.strip():
            raise ParamError("--out: must be a folder, got an empty string")
        os.environ["BYZMW_OUT"] = os.path.abspath(args.out_root)  # also for the sweep's worker processes
    if args.cmd == "from-make":
        args = args_from_make(args.target, os.environ)
    if args.cmd is None:
        raise ParamError(
            "command: expected one of scenes, timing, render, preview, stills, slides, figures, sweep, list, trace, "
            "show, plugins, doctor (byzmw -h)"
        )
    if args.cmd == "sweep":
        if args.sweep_cmd is None:
            raise ParamError("sweep: expected 'list' or 'run' (byzmw sweep list | run SWEEP ...)")
        return sweep_cli.run_command(args, _after_command(argv))
    if args.cmd in core_cli.COMMANDS:
        return core_cli.COMMANDS[args.cmd](args)
    return _run(args)


def _after_command(argv: list[str]) -> list[str]:
    """The arguments after the command word (what the sweep records as its command), global options skipped."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] == "--out" else 1
    return argv[i + 1 :]


def _render_options(args, **fixed):
    """The one RenderOptions of this command, from its flags (validated here, before anything runs)."""
    from kit.options import RenderOptions

    from .render import parse_set

    given = {"sets": parse_set(args.set), "quality": getattr(args, "quality", "l")}
    for flag in ("pace", "theme"):
        if getattr(args, flag, ""):
            given[flag] = getattr(args, flag)
    return RenderOptions(**{**given, **fixed})


def _run(args) -> int:
    from . import registry

    if args.cmd == "scenes":
        for name, e in registry.scenes().items():
            print(f"{name:<22} {e.file.relative_to(e.file.parents[1])}  key frames: {', '.join(e.key_frames)}")
        return 0
    if args.cmd == "file":
        print(registry.scene(args.scene).file)
        return 0
    if args.cmd == "plugins":
        return _plugins()
    if args.cmd == "doctor":
        from . import system_check

        return system_check.main(["--install"] if args.install else [])
    if args.cmd == "demo":
        from kit.paths import stills_dir
        from kit.traces import trace_path

        from .render import capture_key_frames, render_video

        entry = registry.scene(args.scene)
        video = render_video(entry.name)
        stills = capture_key_frames(entry.name, stills_dir() / entry.name)
        print(f"trace:  {trace_path(entry.cls.trace_name())}")
        print(f"video:  {video}")
        for p in stills:
            print(f"still:  {p}")
        return 0
    if args.cmd in ("render", "preview"):
        from .render import render_video

        path = render_video(args.scene, _render_options(args, quality=args.quality if args.cmd == "render" else "l"))
        print(f"video: {path}")
        srt = path.with_suffix(".srt")
        if srt.exists():
            print(f"subtitles: {srt}")
        if args.cmd == "preview":
            return _open(path)
        return 0
    if args.cmd == "timing":
        from .timing import print_timings

        names = [registry.scene(args.scene).name] if args.scene else list(registry.scenes())
        return print_timings(names)
    if args.cmd == "stills":
        from .render import write_stills

        names = [registry.scene(args.scene).name] if args.scene else list(registry.scenes())

        def report(key, fig):
            print(
                f"figure: {key}: {fig.width_in:g} x {fig.height_in:.2f} in, smallest text {fig.smallest_pt:.1f} pt "
                f"({fig.smallest_text!r})" + (f"; not vector: {', '.join(fig.skipped)}" if fig.skipped else "")
            )

        options = _render_options(args, transparent=args.transparent, width=args.width or None)
        for path in write_stills(names, options, report=report):
            print(f"still: {path}")
        return 0
    if args.cmd == "figures":
        from .figure_runner import run_figures

        return run_figures(args.only)
    if args.cmd == "slides":
        from .slides import build_slides

        options = _render_options(args)
        if options.sets and not args.scene:
            raise ParamError("SET: give one SCENE with SET=...")
        names = [registry.scene(args.scene).name] if args.scene else list(registry.scenes())
        path = build_slides(names, options, deck="talk" if not args.scene else args.scene, pdf=args.pdf)
        print(f"slides: {path}")
        if args.pdf:
            print(f"pdf: {path.with_suffix('.pdf')}")
        return 0
    raise ParamError(f"command: unknown {args.cmd!r}")


def _plugins() -> int:
    from sim.aggregation import registry
    from sim.core.plugins import load_plugins, loaded
    from sim.mw import centres

    load_plugins()
    mods = loaded()
    print(f"plugins: {', '.join(mods) if mods else '(none: BYZMW_PLUGINS unset and no byzmw.plugins entry point)'}")
    for what, names in {**registry.registered(), **centres.registered()}.items():
        print(f"  {what}: {', '.join(names) if names else '-'}")
    return 0


def _open(path) -> int:
    """Open a video with the desktop's viewer; without a display, say where it is (exit 0)."""
    import shutil
    import subprocess

    opener = "open" if sys.platform == "darwin" else "xdg-open"
    has_display = sys.platform == "darwin" or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not has_display or not shutil.which(opener):
        print(f"no display: open {path} yourself")
        return 0
    subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
