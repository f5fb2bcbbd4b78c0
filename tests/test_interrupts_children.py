"""Forked children of a command (a library's process pool) do not inherit the command's signal handlers.

manim-slides reverses long videos on a ``multiprocessing.Pool``; closing the pool sends SIGTERM to its idle
workers. With the parent's handler (SIGTERM raises ``Interrupted``) every such worker printed a traceback in an
ordinary ``make slides JOBS=2``. A forked child now ignores SIGINT (the parent's to handle) and dies of SIGTERM
by the default action, silently, even when the signals come at once after the fork; the parent keeps its
handlers.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import multiprocessing as mp, os, signal, sys, time
    from sim.core import interrupts
    interrupts.install()

    def square(x):
        return x * x

    with mp.get_context("fork").Pool(2, maxtasksperchild=1) as pool:  # __exit__ terminates: SIGTERM to workers
        print(sum(pool.map(square, range(8))), flush=True)
    child = os.fork()
    if child == 0:
        time.sleep(30)  # killed below, by the default action
        os._exit(0)
    os.kill(child, signal.SIGINT)  # at once: the fork blocked both signals until the child's handlers were set
    os.kill(child, signal.SIGTERM)
    _, status = os.waitpid(child, 0)
    print("child", os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exited", flush=True)
    print("parent handler kept", all(interrupts._ours(signal.getsignal(s)) for s in interrupts.SIGNALS), flush=True)
    """
)


def test_a_pools_workers_end_quietly_and_the_parent_keeps_its_handler():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "Interrupted" not in r.stderr, r.stderr
    assert r.stdout.split("\n")[:3] == ["140", f"child {int(signal.SIGTERM)}", "parent handler kept True"]


THREAD_FORK = textwrap.dedent(
    """
    import os, signal, threading
    seen = {}
    # registered before the project's hooks, so it runs before they reset the child's handlers
    os.register_at_fork(after_in_child=lambda: seen.setdefault("mask", signal.pthread_sigmask(signal.SIG_BLOCK, [])))
    from sim.core import interrupts
    interrupts.install()

    def fork_and_report():  # a pool's worker handler forks replacements from its own thread
        pid = os.fork()
        if pid == 0:
            held = signal.SIGTERM in seen["mask"] and signal.SIGINT in seen["mask"]
            freed = signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
            os._exit(0 if held and freed else 3)
        _, status = os.waitpid(pid, 0)
        print("blocked across the fork, then freed:", os.WEXITSTATUS(status) == 0, flush=True)
        print("the thread's mask back:", signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, []), flush=True)

    t = threading.Thread(target=fork_and_report)
    t.start()
    t.join()
    """
)


def test_a_fork_from_another_thread_holds_the_signals_until_the_child_is_ready():
    """A signal between a fork and the child's reset reached the inherited handler inside the at-fork hooks,
    where the interruption is swallowed: the child lived on, and a pool's terminate() waited for it forever
    (seen in make test: manim-slides' pool, whose worker handler forks from a thread)."""
    r = subprocess.run([sys.executable, "-c", THREAD_FORK], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["blocked across the fork, then freed: True", "the thread's mask back: True"]
