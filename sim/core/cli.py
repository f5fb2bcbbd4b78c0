"""``python -m sim`` (= ``byzmw list|trace|show``): list trace kinds, write a trace, show a trace.

The conventions of every command of the project: bad input prints one line naming the problem and the allowed
values and exits with code 2 (no traceback); Ctrl-C prints one line and exits 130; a closed stdout
(``python -m sim show f | head -1``) ends the command quietly with exit code 141 (128 + SIGPIPE, what a Unix
tool killed by SIGPIPE reports). :func:`parse_sets` (the one ``--set`` grammar), :func:`one_line`,
:func:`exit_2_on`, :func:`run_main` and :func:`add_commands` are shared with ``byzmw`` (studio.cli).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

from . import interrupts
from .errors import ParamError, TraceError
from .kinds import all_kinds, get_kind, load_trace, simulate
from .trace import save_trace


class OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are ParamErrors: one line and exit 2 in every CLI of the project."""

    def error(self, message):
        raise ParamError(message)


SET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_sets(items, flag: str = "set") -> dict[str, str]:
    """The one ``--set`` grammar of every command (``byzmw render|stills|slides|sweep|trace``, ``SET=`` of make).

    ``items`` is a string or a list of them (one per ``--set``); each holds one or more ``NAME=VALUE`` separated
    by whitespace. A comma belongs to the value (``aggregators=mean,median``: a list; ``eta=0.1,0.2``: a sweep
    axis), so a value never holds whitespace. ``NAME`` is an identifier. A name given twice is an error
    (which one would win is a guess). Returns {name: value text}; the command validates the values.
    """
    if isinstance(items, str):
        items = [items]
    out: dict[str, str] = {}
    for item in items or ():
        for part in item.split():
            name, sep, value = part.partition("=")
            if not sep or not SET_NAME.fullmatch(name):
                raise ParamError(f"{flag}: expected NAME=VALUE, got {part!r}")
            if name in out:
                raise ParamError(f"{name}: given twice in {flag} ({name}={out[name]!r} and {name}={value!r})")
            out[name] = value
    return out


def check_out(value: str | None) -> str | None:
    """``--out``: absent is fine (a default name is used); empty or blank is an error."""
    if value is not None and not value.strip():
        raise ParamError("--out: must be a file path, got an empty string")
    return value


def one_line(message: str) -> str:
    """An error message as one line: control characters (newlines in a file name ...) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))


def exit_2_on(errors: tuple, fn, *args) -> int:
    """``fn(*args)``; an error of ``errors`` or an OSError (not a closed pipe) is one line on stderr and code 2.

    A LookupError prints its message (``str(KeyError)`` would quote it).
    """
    try:
        return fn(*args)
    except errors as e:
        print(f"error: {one_line(e.args[0] if isinstance(e, LookupError) and e.args else e)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except OSError as e:
        print(f"error: {one_line(e.filename or '')}: {one_line(e.strerror or e)}", file=sys.stderr)
        return 2


def _tolerant_streams() -> None:
    """stdout and stderr write what they cannot encode as backslash escapes (an ASCII locale, a file name with
    undecodable bytes) instead of failing with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (OSError, ValueError):
                pass


def run_main(fn, argv) -> int:
    """``fn(argv)`` with the CLI conventions: argparse's exits returned as codes, Ctrl-C and SIGTERM one line and
    130 or 143 (:mod:`sim.core.interrupts`), a closed stdout quiet (141)."""
    previous = interrupts.install()
    _tolerant_streams()
    try:
        code = fn(argv)
        sys.stdout.flush()
        return code
    except SystemExit as e:  # -h / --help (0); argparse errors are ParamErrors already
        return e.code if isinstance(e.code, int) else 0 if e.code is None else 2
    except KeyboardInterrupt as e:  # Ctrl-C, SIGTERM: one line (what was written is complete, temp files removed)
        return interrupts.report(e)
    except BrokenPipeError:
        # the reader went away (| head): silence the flush at interpreter exit too
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return 141
    except Exception as e:  # an error of the clean-up under an interruption is the interruption (cause_of)
        ki = interrupts.cause_of(e)
        if ki is None:
            raise
        return interrupts.report(ki)
    finally:
        if not interrupts.owns_process():  # called in-process (a test, a notebook): the caller's handlers again
            interrupts.restore(previous)


def cmd_list(args) -> int:
    for kind in all_kinds().values():
        print(f"{kind.name} (version {kind.version}): {kind.summary}")
        for p in kind.params:
            print(f"    {p.name:<16} default {p.default!r:<22} {p.range_text()}  {p.doc}")
    return 0


def cmd_trace(args) -> int:
    get_kind(args.kind)
    check_out(args.out)
    t = simulate(args.kind, args.seed, parse_sets(args.set))
    out = Path(args.out) if args.out is not None else Path(f"{args.kind}-seed{t.seed}.npz")
    save_trace(t, out)
    print(f"wrote {out} ({t.content_hash[:19]})")
    return 0


def cmd_show(args) -> int:
    t = load_trace(args.path)
    h = t.header
    print(f"{args.path}: kind {t.kind} v{t.kind_version}, seed {t.seed}, sim {t.package_version}")
    print(f"  command: {t.command}")
    print(f"  hash:    {t.content_hash}")
    print("  params:  " + json.dumps(h["params"], sort_keys=True))
    for name, a in sorted(t.arrays.items()):
        finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
        rng = f" range [{finite.min():.4g}, {finite.max():.4g}]" if finite.size and a.dtype.kind in "fiu" else ""
        print(f"  {name:<16} {str(a.dtype):<8} {tuple(a.shape)!s:<16}{rng}")
    if t.meta:
        print("  meta:    " + json.dumps(h["meta"], sort_keys=True)[:400])
    return 0


def add_commands(sub) -> None:
    """The core's commands (list, trace, show) on a subparsers object: ``python -m sim`` and ``byzmw`` share them."""
    sub.add_parser("list", help="trace kinds, their parameters, defaults and ranges")
    tr = sub.add_parser("trace", help="simulate one trace and write it")
    tr.add_argument("kind")
    tr.add_argument("--seed", default="0")
    tr.add_argument(
        "--set", action="append", default=[], metavar="'NAME=VALUE ...'", help="parameters (see `list`), repeatable"
    )
    tr.add_argument("--out", help="the trace file (default KIND-seedS.npz)")
    sh = sub.add_parser("show", help="validate a trace file and summarise it")
    sh.add_argument("path")


COMMANDS = {"list": cmd_list, "trace": cmd_trace, "show": cmd_show}


def build_parser() -> argparse.ArgumentParser:
    ap = OneLineParser(
        prog="python -m sim", description="Byzantine MW Studio simulations (also: byzmw list|trace|show)"
    )
    add_commands(ap.add_subparsers(dest="cmd", parser_class=OneLineParser))
    return ap


def _main(argv) -> int:
    return exit_2_on((ParamError, TraceError), _dispatch, argv)


def _dispatch(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd is None:
        raise ParamError("command: expected one of list, trace, show")
    return COMMANDS[args.cmd](args)


def main(argv=None) -> int:
    return run_main(_main, argv)
