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
