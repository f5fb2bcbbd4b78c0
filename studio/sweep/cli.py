"""``byzmw sweep list | run SWEEP --name NAME --set axis=a:b:n ...`` (also ``python -m studio.sweep``).

The exit codes of every byzmw command (sim.core.cli.run_main): bad input is one line and exit 2, a closed
stdout 141, Ctrl-C 130 and SIGTERM 143 (finished cells are kept: the same command resumes).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from sim.core.cli import OneLineParser, exit_2_on, parse_sets, run_main
from sim.core.errors import ParamError
from sim.core.sweeps import MAX_CELLS, SweepKind, all_sweeps, get_sweep, make_grid

from .backends import check_address
from .runner import run


class _Parser(OneLineParser):
    def error(self, message):
        if message.startswith("unrecognized arguments"):
            message += " (parameters are set with --set NAME=VALUES; see byzmw sweep list)"
        super().error(message)


def add_commands(sub) -> None:
    """``list`` and ``run`` on the subparsers of ``byzmw sweep``."""
    sub.add_parser("list", help="the declared sweeps with their axes, defaults and ranges")
    p = sub.add_parser("run", help="run (or resume) a sweep")
    p.add_argument("sweep", help="a declared sweep (see `list`)")
    p.add_argument("--name", default=None, help="folder under sweeps/ (default: the sweep's name)")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="'PARAM=VALUES ...'",
        help="axis=a,b,c or axis=start:stop:num (linspace), fixed=value; a parameter once",
    )
    p.add_argument("--trials", default=None, help="trials per cell (default: the sweep's)")
    p.add_argument("--seed", default=None, help="root seed of SeedSequence (default 0)")
    p.add_argument("--workers", default=None, help="local processes (default: all CPUs; 1 = serial)")
    p.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786"
    )
    p.add_argument("--out", default=None, help="root folder of sweeps (default sweeps/ or $BYZMW_SWEEPS)")
    p.add_argument("--no-figures", action="store_true", help="CSV only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--replace", action="store_true", help="start over if sweeps/NAME holds other settings")
    p.add_argument("--no-wait", action="store_true", help="refuse instead of waiting when NAME is being run")


def build_parser(prog: str = "byzmw sweep") -> argparse.ArgumentParser:
    ap = _Parser(
        prog=prog,
        description="declared parameter sweeps: list them, run one "
        "(checkpointed; local processes or a Dask cluster); CSVs and figures under sweeps/NAME/",
    )
    add_commands(ap.add_subparsers(dest="sweep_cmd", parser_class=_Parser))
    return ap


def _int_option(name: str, text: str | None, low: int, high: int) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"[0-9]+", text.strip()) or not low <= int(text) <= high:
        raise ParamError(f"{name}: must be an integer in [{low}, {high}], got {text!r}")
    return int(text)


def _values_text(vals) -> str:
    txt = lambda v: f"{v:g}" if isinstance(v, float) else str(v)  # noqa: E731
    if len(vals) > 4:
        return f"{txt(vals[0])},{txt(vals[1])},...,{txt(vals[-1])} ({len(vals)} values)"
    return ",".join(txt(v) for v in vals)


def describe(sw: SweepKind) -> list[str]:
    lines = [f"{sw.name}  (version {sw.version}, {sw.trials} trials per cell by default)", f"  {sw.summary}"]
    width = max(len(p.name) for p in sw.params)
    lines.append("  axes (--set NAME=a,b,c or NAME=start:stop:num):")
    for p in sw.axes:
        lines.append(f"    {p.name:<{width}}  default {_values_text(sw.defaults[p.name])};  {p.range_text()};  {p.doc}")
    if sw.fixed:
        lines.append("  fixed settings (--set NAME=value):")
        for p in sw.fixed:
            lines.append(f"    {p.name:<{width}}  default {_values_text((p.default,))};  {p.range_text()};  {p.doc}")
    from .draw import figure_functions  # the figure modules registered against the sweep's name

    fns = figure_functions(sw)
    if fns:
        lines.append(f"  figures: {', '.join(f'{f.__module__}.{f.__name__}' for f in fns)}")
    return lines


def _list() -> int:
    sweeps = all_sweeps()
    for i, sw in enumerate(sweeps.values()):
        if i:
            print()
        print("\n".join(describe(sw)))
    print(
        f"\n{len(sweeps)} sweep{'' if len(sweeps) == 1 else 's'}. Run one: byzmw sweep run SWEEP --name NAME --set axis=a:b:n ... "
        f"(at most {MAX_CELLS} cells)"
    )
    return 0


def _run(args, argv) -> int:
    sw = get_sweep(args.sweep)
    sets = parse_sets(args.sets)
    for k in ("trials", "seed"):
        if k in sets and getattr(args, k) is not None:
            raise ParamError(f"{k}: given twice (--{k} and --set {k}=)")
    trials = args.trials if args.trials is not None else sets.pop("trials", None)
    seed = args.seed if args.seed is not None else sets.pop("seed", 0)
    grid = make_grid(sw, sets, trials=trials, seed=seed)
    workers = _int_option("workers", args.workers, 1, 1024)
    if args.scheduler is not None:
        check_address(args.scheduler)
        if workers is not None:
            raise ParamError("workers: --workers and --scheduler exclude each other")
    if args.out is not None and not args.out.strip():
        raise ParamError("out: empty path; give a folder or leave --out out")
    name = args.name if args.name is not None else sw.name
    command = shlex.join(["byzmw", "sweep", *(sys.argv[1:] if argv is None else argv)])
    draw_figures = None
    if not args.no_figures:
        from .draw import draw_figures  # matplotlib only when figures are drawn
    res = run(
        sw,
        grid,
        name,
        root=Path(args.out).resolve() if args.out else None,
        workers=workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        command=command,
        draw=draw_figures,
        wait=not args.no_wait,
        replace=args.replace,
    )
    print(
        f"sweep {res.name} ({sw.name}): {res.grid.n_cells} cells ({res.computed} computed, {res.reused} reused "
        f"from checkpoints) in {res.seconds:.1f} s -> {res.dir}"
    )
    for line in res.out.summary():
        print(f"  {line}")
    return 0


def run_command(args, argv) -> int:
    """``byzmw sweep list|run`` with parsed ``args`` (``argv``: the sweep's own arguments, for provenance)."""
    if args.sweep_cmd == "list":
        return _list()
    if args.sweep_cmd == "run":
        return _run(args, argv)  # Ctrl-C: "error: interrupted; N of M cells kept, rerun to resume", 130 (run_main)
    raise ParamError("command: expected 'list' or 'run' (byzmw sweep list | run SWEEP ...)")


def _main(argv) -> int:
    return exit_2_on((ParamError,), lambda: run_command(build_parser().parse_args(argv), argv))


def main(argv=None) -> int:
    """``byzmw sweep ...`` on its own (``python -m studio.sweep``, ``studio.sweep.main``)."""
    return run_main(_main, argv)
