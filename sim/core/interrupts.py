"""Ctrl-C (SIGINT) and SIGTERM end a command as cleanly as ``kill -9``, and more politely.

Every command of the project (``byzmw``, ``python -m sim``, ``python -m studio``, ``python -m studio.sweep``)
starts through :func:`entry`: the handlers are installed *before* the slow imports (NumPy, SciPy, Manim), so a
signal at any moment is an :class:`Interrupted` exception raised in the main thread. It unwinds like any other
exception (temp files removed by :func:`sim.core.files.atomic_write`, workers killed by the sweep engine, the
previous output untouched: every file is replaced by one rename), and :func:`sim.core.cli.run_main` prints one
line and returns 130 (SIGINT) or 143 (SIGTERM). After that first signal a second one ends the process at once
with the same code (no traceback out of the clean-up).

A signal that was ignored when the process started (``nohup``, a background job of a non-interactive shell)
stays ignored. Standard library only: this module is imported before anything else.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_pending: list[int] = []  # signals received since install() (a raise swallowed in a __del__ is still seen)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM received (a KeyboardInterrupt, so code that handles Ctrl-C handles both)."""

    def __init__(self, signum: int = signal.SIGINT, detail: str = ""):
        super().__init__(int(signum))
        self.signum = int(signum)
        self.detail = detail

    @property
    def code(self) -> int:
        return 128 + self.signum


def _raise(signum, frame):
    _pending.append(signum)
    raise Interrupted(signum)


def _quiet_unraisable(u) -> None:
    """An interruption raised where Python cannot propagate it (a ``__del__``, a weakref callback, the import
    lock's release) is not printed as "Exception ignored ... Traceback": :func:`check` raises it again."""
    if isinstance(u.exc_value, KeyboardInterrupt) or (
        u.exc_type is not None and issubclass(u.exc_type, KeyboardInterrupt)
    ):
        if not _pending:
            _pending.append(getattr(u.exc_value, "signum", signal.SIGINT))
        return
    sys.__unraisablehook__(u)


_fork_mask: list = []  # the signal mask before a fork (while this module's handlers are installed)


def _ours() -> bool:
    return any(getattr(signal.getsignal(s), "_interrupts", False) for s in SIGNALS)


def _before_fork() -> None:
    """Block SIGINT and SIGTERM across a fork, so a signal landing in the child before its handlers are reset
    waits for the reset (and then acts by default) instead of raising in the child."""
    if _ours() and threading.current_thread() is threading.main_thread():
        _fork_mask.append(signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS))


def _after_fork_in_parent() -> None:
    if _fork_mask:
        signal.pthread_sigmask(signal.SIG_SETMASK, _fork_mask.pop())


def _default_in_child() -> None:
    """In a forked child: the default action for SIGINT and SIGTERM where this module's handlers were inherited.

    A library's process pool (manim-slides reverses long videos on a ``multiprocessing.Pool``) ends its idle
    workers with SIGTERM when it closes; with the parent's handler each of them printed an ``Interrupted``
    traceback. A child now dies of the signal as an exec'd program would, silently. The project's own workers
    set their handlers in their initializer (they ignore both: the parent kills them), and the parent forks them
    with the signals blocked, so none is acted on in between; the mask is the parent's from before the fork.
    """
    for s in SIGNALS:
        if getattr(signal.getsignal(s), "_interrupts", False):
            signal.signal(s, signal.SIG_DFL)
    _pending.clear()
    if _fork_mask:
        signal.pthread_sigmask(signal.SIG_SETMASK, _fork_mask.pop())


_raise._interrupts = True
_fork_hook: list[bool] = []


def install() -> dict | None:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (a forked child: see _default_in_child).

    Returns the previous handlers (for :func:`restore`), or None outside the main thread (nothing done).
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    if not _fork_hook and hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_default_in_child
        )
        _fork_hook.append(True)
    _pending.clear()
    previous = {}
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = _quiet_unraisable
    for s in SIGNALS:
        old = signal.getsignal(s)
        if old is not signal.SIG_IGN:
            previous[s] = old
            signal.signal(s, _raise)
    return previous


def restore(previous: dict | None) -> None:
    """Put back the handlers :func:`install` replaced (a command run in-process, e.g. by a test)."""
    if previous and threading.current_thread() is threading.main_thread():
        _pending.clear()
        if sys.unraisablehook is _quiet_unraisable:
            sys.unraisablehook = sys.__unraisablehook__
        for s, old in previous.items():
            signal.signal(s, old if old is not None else signal.SIG_DFL)


def pending() -> int | None:
    """The first signal received since :func:`install` (None: none), for loops that check between steps."""
    return _pending[0] if _pending else None


def check() -> None:
    """Raise :class:`Interrupted` if a signal arrived (its exception may have been swallowed by a ``__del__``)."""
    if _pending:
        raise Interrupted(_pending[0])


def cause_of(e: BaseException) -> KeyboardInterrupt | None:
    """The interruption behind ``e``, if any: a signal can land inside a library's clean-up (``zipfile`` closing
    an archive half written raises ValueError while the KeyboardInterrupt unwinds), and the exception that
    reaches the command then has the interruption as its context. None when ``e`` has no interruption behind it.
    """
    seen = set()
    while e is not None and id(e) not in seen and len(seen) < 50:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def code_of(e: BaseException) -> int:
    """The exit code of an interruption: 128 + the signal (130 for a plain KeyboardInterrupt)."""
    return e.code if isinstance(e, Interrupted) else 128 + signal.SIGINT


def message(e: BaseException) -> str:
    """The one line printed for an interruption."""
    signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
    what = "interrupted" if signum == signal.SIGINT else f"terminated ({signal.Signals(signum).name})"
    detail = getattr(e, "detail", "")
    return f"error: {what}" + (f"; {detail}" if detail else "")


def settle(code: int) -> None:
    """After an interruption: a further SIGINT or SIGTERM ends the process at once with ``code``."""
    if threading.current_thread() is not threading.main_thread():
        return

    def now(signum, frame):
        os._exit(code)

    now._interrupts = True

    for s in SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:
            signal.signal(s, now)


_owner = False  # True when entry() runs the process: after an interruption, a second signal exits at once


def owns_process() -> bool:
    """Whether a command started through :func:`entry` runs this process (else: a test, a notebook)."""
    return _owner


def report(e: BaseException) -> int:
    """Print the line of an interruption and return its exit code (in a command: settle first)."""
    code = code_of(e)
    if _owner:
        settle(code)
    try:
        print(message(e), file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
    return code


def entry(module: str, *args, attr: str = "main") -> int:
    """A command's start: install the handlers, then import ``module`` and return ``module.attr(*args)``.

    An interrupted import is one line and 130/143, like an interrupted command.
    """
    global _owner
    _owner = True
    install()
    try:
        main = getattr(importlib.import_module(module), attr)
    except KeyboardInterrupt as e:
        return report(e)
    code = main(*args)
    if pending() is not None:
        settle(code)  # interpreter shutdown (atexit, finalizers) is not interrupted a second time
    return code
