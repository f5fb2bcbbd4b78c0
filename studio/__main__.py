"""``python -m studio``: scenes, render, stills, figures, slides (used by the Makefile).

Bad input (unknown scene, bad quality) prints one line and exits with code 2;
a closed stdout (``| head``) ends quietly (sim.core.cli.run_main).
"""

from __future__ import annotations

import sys

from sim.core.cli import OneLineParser as _Parser
from sim.core.cli import exit_2_on, one_line, run_main
from sim.core.errors import ParamError, TraceError

from .registry import UnknownName


def main(argv=None) -> int:
    return run_main(_main, argv)


def _main(argv) -> int:
    ap = _Parser(prog="python -m studio")
    sub = ap.add_subparsers(dest="cmd", parser_class=_Parser)
    sub.add_parser("scenes", help="list the scenes in talk order with their key frames")
    p = sub.add_parser("file", help="print the source file of a scene")
    p.add_argument("scene")
    p = sub.add_parser("demo", help="showcase: trace, preview-quality video and still")
    p.add_argument("scene")
    p = sub.add_parser("render", help="render one scene (or, without one, the whole talk) as talk videos (+ .srt)")
    p.add_argument("scene", nargs="?")
    p.add_argument("-q", "--quality", default="l")
    _options(p)
    _parallel(p)
    p = sub.add_parser("preview", help="render at -ql and open the video (prints its path without a display)")
    p.add_argument("scene")
    _options(p)
    p = sub.add_parser("timing", help="a scene's declared timing: length, slides, key frames, problems")
    p.add_argument("scene", nargs="?")
    p = sub.add_parser("stills", help="PNG stills of the named key frames")
    p.add_argument("scene", nargs="?")
    p.add_argument("-q", "--quality", default="h")
    p.add_argument("--transparent", action="store_true")
    _options(p, pace=False)
    p = sub.add_parser("figures", help="regenerate every paper figure")
    p.add_argument("only", nargs="*")
    p = sub.add_parser("slides", help="HTML slides of one scene, or the whole talk")
    p.add_argument("scene", nargs="?")
    p.add_argument("-q", "--quality", default="l")
    p.add_argument("--pdf", action="store_true", help="also a PDF of the deck, one page per slide (a backup)")
    _options(p, theme=False)
    _parallel(p)
    try:
        return exit_2_on((ParamError, TraceError, UnknownName), _parse_and_run, ap, argv)
    except Exception as e:  # RenderError and friends: one line, no traceback
        from .render import RenderError
        from .slides import SlidesError

        if isinstance(e, (RenderError, SlidesError)):
            print(f"error: {one_line(e)}", file=sys.stderr)
            return 2
        raise


def _parse_and_run(ap, argv) -> int:
    args = ap.parse_args(argv)
    if args.cmd is None:
        raise ParamError("command: expected one of scenes, file, render, stills, figures, slides")
    return _run(args)


def _options(p, pace: bool = True, theme: bool = True) -> None:
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="'NAME=VALUE ...'",
        help="trace parameters, validated like `python -m sim trace --set`",
    )
    if pace:
        p.add_argument("--pace", default="", help="slow, normal, fast or a multiplier in [0.1, 10]")
    if theme:
        p.add_argument("--theme", default="", help="talk (dark) or paper (dark text on white)")


def _parallel(p) -> None:
    p.add_argument("--jobs", "-j", default="1", help="render the scenes' segments on N local processes (default 1)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="render the segments on a Dask cluster")
    p.add_argument("--no-cache", action="store_true", help="reuse nothing from the render cache (a cold render)")


def _parallel_args(args) -> dict:
    """jobs, scheduler, cache of a render or slides command (validated before anything runs)."""
    from .render_jobs import check_jobs
    from .sweep.backends import check_address

    if args.scheduler is not None:
        check_address(args.scheduler)
    return {"jobs": check_jobs(args.jobs), "scheduler": args.scheduler, "cache": False if args.no_cache else None}


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
    if args.cmd == "render" and not args.scene:  # the whole talk, as one job
        from .render import render_videos

        options = _render_options(args, quality=args.quality)
        if options.sets:
            raise ParamError("SET: give one SCENE with SET=...")
        for path in render_videos(list(registry.scenes()), options, **_parallel_args(args)):
            print(f"video: {path}")
        return 0
    if args.cmd in ("render", "preview"):
        from .render import render_video

        par = _parallel_args(args) if args.cmd == "render" else {}
        path = render_video(
            args.scene, _render_options(args, quality=args.quality if args.cmd == "render" else "l"), **par
        )
        print(f"video: {path}")
        srt = path.with_suffix(".srt")
        if srt.exists():
            print(f"subtitles: {srt}")
        if args.cmd == "preview":
            return _open(path)
        return 0
    if args.cmd == "timing":
        from .timing import key_presses, narration_problems, problems, timeline

        for name in [registry.scene(args.scene).name] if args.scene else list(registry.scenes()):
            tm = timeline(name)
            bad = problems(tm, registry.scene(name).key_frames) + narration_problems(tm)
            print(
                f"{name:<24} {tm.length:5.1f} s  {tm.slides:3d} slides  {key_presses(tm.events):2d} key presses  "
                f"key frames: {', '.join(tm.key_frames)}"
            )
            print(f"{'':<24} conclusion: {tm.conclusion!r}")
            for b in bad:
                print(f"{'':<24} PROBLEM: {b}")
        return 0
    if args.cmd == "stills":
        from .render import write_stills

        names = [registry.scene(args.scene).name] if args.scene else list(registry.scenes())
        for path in write_stills(names, _render_options(args, transparent=args.transparent)):
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
        path = build_slides(
            names, options, deck="talk" if not args.scene else args.scene, pdf=args.pdf, **_parallel_args(args)
        )
        print(f"slides: {path}")
        if args.pdf:
            print(f"pdf: {path.with_suffix('.pdf')}")
        return 0
    raise ParamError(f"command: unknown {args.cmd!r}")


def _open(path) -> int:
    """Open a video with the desktop's viewer; without a display, say where it is (exit 0)."""
    import os
    import shutil
    import subprocess

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or not shutil.which("xdg-open"):
        print(f"no display: open {path} yourself")
        return 0
    subprocess.Popen(["xdg-open", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
