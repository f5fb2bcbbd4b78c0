"""An interruption at any moment of a write leaves no temp file, and a sweep's clean-up never hangs (issue 24).

The defects these pin: a checkpoint temp file left by a sweep that Ctrl-C reached while it waited for its writer
thread (CPython gh-90882 marks a thread whose join() a signal interrupts as stopped, and the interpreter then
exits under the write), and a sweep on two processes that hung after Ctrl-C when a worker was killed while it
sent a result: the pool's manager thread waited for the rest of the message (this process held a write end of
the pipe), or for a future's lock that the Ctrl-C had left held by the sweep's thread (raised between the lock's
acquire and the ``with`` that releases it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim.core import files
from sim.core.files import atomic_write
from studio.sweep.runner import finish_writes


def _temps(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("where", ["after_open", "write", "fsync", "replace"])
def test_an_interruption_anywhere_in_a_write_leaves_no_temp(tmp_path, monkeypatch, where):
    """A KeyboardInterrupt (what the signal handler raises) right after the temp file is created, or in any
    later step, removes the temp file and keeps the old target."""
    target = tmp_path / "t.bin"
    target.write_bytes(b"old")
    real_open, real_fsync, real_replace = os.open, os.fsync, os.replace

    def boom(*a):
        raise KeyboardInterrupt

    if where == "after_open":  # the file exists, its descriptor never reaches the caller

        def opened(path, flags, mode=0o777):
            real_open(path, flags, mode)
            raise KeyboardInterrupt

        monkeypatch.setattr(files.os, "open", opened)
    elif where == "write":
        monkeypatch.setattr(files.os, "fchmod", boom)  # called after the bytes are written (old mode kept)
    elif where == "fsync":
        monkeypatch.setattr(files.os, "fsync", boom)
    else:
        monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    monkeypatch.setattr(files.os, "open", real_open)
    monkeypatch.setattr(files.os, "fsync", real_fsync)
    monkeypatch.setattr(files.os, "replace", real_replace)
    assert _temps(tmp_path) == []
    assert target.read_bytes() == b"old"


def test_a_second_interruption_while_removing_the_temp_still_removes_it(tmp_path, monkeypatch):
    target = tmp_path / "t.bin"
    real_unlink = os.unlink
    calls = []

    def unlink_interrupted_once(path, *a, **k):
        calls.append(path)
        if len(calls) == 1:
            raise KeyboardInterrupt  # Ctrl-C twice: the second lands in the clean-up
        return real_unlink(path, *a, **k)

    monkeypatch.setattr(files.os, "fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr(files.os, "unlink", unlink_interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    monkeypatch.undo()
    assert len(calls) == 2 and _temps(tmp_path) == []


def _signal_soon(after_s: float) -> threading.Timer:
    t = threading.Timer(after_s, os.kill, (os.getpid(), signal.SIGUSR1))
    t.start()
    return t


@pytest.fixture
def usr1_interrupts():
    """SIGUSR1 raises KeyboardInterrupt in the main thread, like the commands' SIGINT handler."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGUSR1, handler)
    yield
    signal.signal(signal.SIGUSR1, old)


def test_a_signal_while_waiting_for_the_writer_is_held_until_the_write_is_done(tmp_path, usr1_interrupts):
    """The signal lands while a checkpoint is half written: finish_writes raises it only after the write is
    whole (Thread.join alone would give up on the thread, and the interpreter exit would cut the write)."""
    writer = ThreadPoolExecutor(1)
    done = threading.Event()

    def slow_write():
        time.sleep(0.6)
        atomic_write(tmp_path / "cell.npz", b"x" * 1000)
        done.set()

    t0 = time.monotonic()  # before the write starts its 0.6 s (after it, a loaded machine measured 0.596 s)
    writes = [writer.submit(slow_write)]
    timer = _signal_soon(0.15)
    with pytest.raises(KeyboardInterrupt):
        finish_writes(writer, writes)
    timer.join()
    assert done.is_set() and time.monotonic() - t0 >= 0.6
    assert (tmp_path / "cell.npz").read_bytes() == b"x" * 1000 and _temps(tmp_path) == []


def test_a_second_signal_after_an_interruption_ends_the_wait(usr1_interrupts):
    """Ctrl-C twice: the second ends the wait at once (a temp file is then the next run's to remove)."""
    writer = ThreadPoolExecutor(1)
    release = threading.Event()
    writes = [writer.submit(release.wait, 30)]
    timer = _signal_soon(0.1)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        finish_writes(writer, writes, interrupted=True)
    assert time.monotonic() - t0 < 5
    timer.join()
    release.set()
    writer.shutdown(wait=True)


HALF_MESSAGE = textwrap.dedent(
    """
    import os, signal, struct, sys, time
    from sim.core import interrupts
    from studio.sweep import backends

    def half_message(sweep, params, seed):
        if seed == 1:
            time.sleep(600)
        frame = sys._getframe()
        while frame.f_code.co_name != "_process_worker":
            frame = frame.f_back
        writer = frame.f_locals["result_queue"]._writer
        os.write(writer.fileno(), struct.pack("!i", 1 << 20))  # the header of a 1 MiB result, and no body
        os.kill(os.getppid(), signal.SIGINT)  # Ctrl-C once the half message is in the pipe (no race with a timer)
        time.sleep(600)

    backends.compute_cell = half_message
    interrupts.install()
    tasks = [backends.Task(0, {}, 0), backends.Task(1, {}, 1)]
    try:
        backends.run_processes("x", tasks, lambda i, r: None, 2)
    except KeyboardInterrupt:
        print("clean", flush=True)
    """
)


# The window between a future's lock acquire and the ``with`` that releases it, widened: the Ctrl-C lands while the
# sweep's thread holds a future's condition lock (it did, rarely, under load: that was the hang of issue 24).
WIDE_WINDOW = textwrap.dedent(
    """
    import concurrent.futures._base as futures_base

    def acquire_slowly(self):
        for f in self.futures:
            f._condition.acquire()
            time.sleep(0.05)

    futures_base._AcquireFutures.__enter__ = acquire_slowly
    """
)


@pytest.mark.parametrize("window", ["as_it_comes", "inside_a_futures_lock"])
def test_a_worker_killed_while_it_sends_a_result_does_not_hang_the_sweep(tmp_path, window):
    """A worker writes half a result and the sweep gets Ctrl-C: the sweep ends with the interruption (no hang
    in the pool's shutdown, nor at the interpreter's exit), whatever the sweep's thread was doing then."""
    widen = WIDE_WINDOW if window == "inside_a_futures_lock" else ""
    script = HALF_MESSAGE.replace("interrupts.install()", widen + "\ninterrupts.install()")
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent
    )
    assert r.stdout.strip() == "clean" and r.returncode == 0, r.stderr


def test_an_error_of_the_clean_up_under_an_interruption_is_the_interruption(capsys):
    """Ctrl-C inside np.savez: zipfile's close then raises ValueError ("open writing handle") with the
    KeyboardInterrupt as its context; the command says "interrupted" in one line and exits 130, no traceback."""
    from sim.core.cli import run_main

    def fn(argv):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ValueError("Can't close the ZIP file while there is an open writing handle on it.") from None

    def plain(argv):
        raise ValueError("a bug, not an interruption")

    assert run_main(fn, []) == 130
    assert capsys.readouterr().err == "error: interrupted\n"
    with pytest.raises(ValueError, match="a bug"):
        run_main(plain, [])


@pytest.fixture
def plain_sigint():
    """SIGINT raises a plain KeyboardInterrupt during the test (whatever handler an earlier in-process command
    left), and no signal stays recorded as pending after it (a later interrupts.check() would raise it)."""
    from sim.core import interrupts

    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)
    interrupts._pending.clear()


def test_a_held_signal_is_raised_only_where_the_caller_checks_and_by_the_handler_it_replaced(plain_sigint):
    from sim.core import interrupts

    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as e:
        with interrupts.held() as h:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler has run: recorded, not raised
            assert h.got == [signal.SIGINT] and not h.raised
            h.check()
    assert type(e.value) is KeyboardInterrupt  # raised by the handler it replaced
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):  # not checked inside: the block's end raises it
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    with pytest.raises(KeyboardInterrupt) as e:  # an error meanwhile: the interruption wins, the error its context
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            raise ValueError("a cell failed")
    assert isinstance(e.value.__context__, ValueError)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_pool_forked_by_a_command_ends_quietly():
    """A library's multiprocessing.Pool in a command (manim-slides reverses videos in one): its terminate()
    sends SIGTERM to the workers, which end quietly instead of raising the command's interruption (a traceback
    per worker at the end of every successful `byzmw slides`)."""
    script = textwrap.dedent(
        """
        import multiprocessing, time
        from sim.core import interrupts
        interrupts.install()
        with multiprocessing.get_context("fork").Pool(2) as pool:
            assert pool.map(abs, [-1, -2]) == [1, 2]
            time.sleep(0.2)  # the workers wait for the next task when terminate() comes
        print("done", flush=True)
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent
    )
    assert r.returncode == 0 and r.stdout.strip() == "done" and r.stderr == "", r.stderr
