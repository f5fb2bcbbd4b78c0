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


_fork = threading.local()  # .mask: the forking thread's signal mask before a fork (None: nothing blocked by us)


def _ours(h) -> bool:
    """Whether ``h`` is one of this module's handlers (a command's, a held block's, or settle's)."""
    return getattr(h, "__module__", None) == __name__ and getattr(h, "__name__", None) in {"_raise", "_record", "now"}


def _before_fork() -> None:
    """Block SIGINT and SIGTERM in the forking thread (any thread: a pool's worker handler forks replacements
    from its own) while this module handles them, so a signal landing in the child before its handlers are
    reset waits for the reset instead of reaching the inherited handler: raised inside the at-fork hooks, the
    interruption was swallowed (unraisable), the child lived on and a pool's ``terminate()`` waited for it
    forever."""
    if any(_ours(signal.getsignal(s)) for s in SIGNALS):
        _fork.mask = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def _restore_fork_mask() -> None:
    mask, _fork.mask = getattr(_fork, "mask", None), None
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _after_fork_in_child() -> None:
    """A process forked by a command (a ``multiprocessing.Pool`` of a library: manim-slides reverses videos in
    one) does not inherit the command's handlers: its ``Pool.terminate()`` sends SIGTERM, which must end the
    worker quietly (the default), not raise :class:`Interrupted` and print a traceback; Ctrl-C is the parent's
    to handle (it ends its workers), so the child ignores SIGINT. Handlers set by others are left alone. The
    signal mask is the parent's from before the fork (the project's own workers are forked with both signals
    blocked and unblock them in their initializer)."""
    for s, child in ((signal.SIGINT, signal.SIG_IGN), (signal.SIGTERM, signal.SIG_DFL)):
        try:
            if _ours(signal.getsignal(s)):
                signal.signal(s, child)
        except (ValueError, OSError):  # not the main thread of the main interpreter
            pass
    _pending.clear()
    _restore_fork_mask()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_restore_fork_mask, after_in_child=_after_fork_in_child)


def install() -> dict | None:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (a forked child: see _after_fork_in_child).

    Returns the previous handlers (for :func:`restore`), or None outside the main thread (nothing done).
    """
    if threading.current_thread() is not threading.main_thread():
        return None
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

    for s in SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:
            signal.signal(s, now)


class held:
    """``with held() as h:`` SIGINT and SIGTERM are recorded, not raised, until ``h.check()`` or the block's end.

    For code that calls into a library which takes locks in the main thread: an exception raised by a signal
    handler between a lock's acquire and the ``with`` that releases it leaves the lock held forever (a
    ``concurrent.futures`` future's condition: the pool's manager thread then blocks on it and ``shutdown``
    waits for that thread, the sweep hung after Ctrl-C). Inside the block the interruption is raised only where
    the caller says no lock is held. ``check()`` raises it through the handler it replaced (so a command gets
    its :class:`Interrupted`, a plain script its ``KeyboardInterrupt``); the handlers stay replaced until the
    block ends, so the clean-up that follows is not cut by a second signal (in a command that one ends the
    process at once, as after :func:`settle`). Outside the main thread nothing is replaced.
    """

    def __init__(self):
        self.got: list[int] = []
        self.raised = False
        self.previous: dict = {}

    def __enter__(self) -> held:
        if threading.current_thread() is threading.main_thread():
            for s in SIGNALS:
                old = signal.getsignal(s)
                if old is not signal.SIG_IGN and old is not None:  # None: a handler set outside Python, kept
                    self.previous[s] = old
                    signal.signal(s, self._record)
        return self

    def _record(self, signum, frame) -> None:
        if self.got and _owner:
            os._exit(128 + self.got[0])  # a second signal in a command: at once, no traceback out of the clean-up
        self.got.append(signum)

    def check(self) -> None:
        """Raise the first signal recorded (once), as the replaced handler would have."""
        if self.got and not self.raised:
            self.raised = True
            signum = self.got[0]
            old = self.previous.get(signum)
            if callable(old):
                old(signum, None)  # raises (Interrupted, KeyboardInterrupt), or is a handler that does not
                return
            self._restore()  # SIG_DFL: the default action, now
            signal.raise_signal(signum)

    def _restore(self) -> None:
        for s, old in self.previous.items():
            signal.signal(s, old)
        self.previous = {}

    def __exit__(self, et, ev, tb) -> None:
        try:
            if et is None or not issubclass(et, KeyboardInterrupt):
                self.check()
        finally:
            self._restore()


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
