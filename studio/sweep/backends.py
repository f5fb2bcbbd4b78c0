"""Where cells run: in this process, on local worker processes, or on a Dask cluster.

Every backend calls :func:`sim.core.sweeps.compute_cell` with the cell's own
``SeedSequence`` child, so the numbers never depend on the backend. Local
workers die with their parent (``PR_SET_PDEATHSIG`` on Linux, plus a watcher
thread on the parent's pid), so ``kill -9`` of a sweep leaves no orphans.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import numpy as np

from sim.core import interrupts
from sim.core.errors import ParamError
from sim.core.sweeps import compute_cell

CONNECT_TIMEOUT_S = 2.5  # probe <= 3 s, then the identity handshake <= 4 s: a bad address fails within 10 s
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
    r"(?::(?P<port>\d{1,5}))?/?$"
)
_SCHEMES = ("tcp", "tls")


@dataclass(frozen=True)
class Task:
    index: int
    params: Mapping
    seed: np.random.SeedSequence


OnDone = Callable[[int, dict], None]


# --------------------------------------------------------------------------- serial
def run_serial(sweep: str, tasks: Sequence[Task], on_done: OnDone) -> None:
    for t in tasks:
        interrupts.check()
        rec = compute_cell(sweep, t.params, t.seed)  # a signal raises here at once
        with interrupts.held():  # not inside on_done's locks (the checkpoint writer's submit)
            on_done(t.index, rec)


# --------------------------------------------------------------------------- local processes
def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _worker_init(parent: int) -> None:
    """Die with the parent: PR_SET_PDEATHSIG(SIGKILL) where available, and a thread watching its pid.

    Ctrl-C and SIGTERM are the parent's to handle (it kills its workers): a worker ignores both. The parent forks
    with them blocked (:func:`run_processes`), so a signal that reaches the process group while a worker starts
    waits here, and is dropped, instead of raising in the worker before this line.
    """
    for s in interrupts.SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, interrupts.SIGNALS)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


POLL_S = 0.25  # the parent wakes this often to see a signal whose exception was swallowed (interrupts.check)


def _unblock_result_reader(ex: ProcessPoolExecutor) -> None:
    """After the workers are killed: close this process's end of the pool's result pipe.

    A worker killed while it sends a result leaves half a message in the pipe; the pool's manager thread then
    waits in ``recv()`` for the rest, forever (this process holds a write end, so no end of file comes), and
    ``shutdown`` waits for that thread: the sweep hung after Ctrl-C. With the last write end closed the read
    ends (EOFError), the pool counts itself broken and its thread exits.
    """
    queue = getattr(ex, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass


def run_processes(sweep: str, tasks: Sequence[Task], on_done: OnDone, workers: int) -> None:
    """The cells on ``workers`` forked processes; on any exception (Ctrl-C included) every worker is killed
    and waited for before the exception goes on: no worker outlives the run, nothing hangs at exit.

    SIGINT and SIGTERM are held (:class:`sim.core.interrupts.held`) for the whole run and raised only between
    two calls into the pool, where this thread holds none of its locks: a KeyboardInterrupt raised inside
    ``wait`` or ``Future.result`` can leave a future's condition lock held by this thread, and the pool's manager
    thread, which takes that lock to fail the futures of a dead worker, then blocks forever, and so does
    ``shutdown`` (the sweep hung after Ctrl-C when a worker died as it sent a result). Held, a signal is raised
    within ``POLL_S``.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    with interrupts.held() as signals:
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),))
        procs = []
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, interrupts.SIGNALS)  # workers are forked in submit()
            try:
                futs = {ex.submit(compute_cell, sweep, dict(t.params), t.seed): t.index for t in tasks}
                procs = list((getattr(ex, "_processes", None) or {}).values())
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)  # the pool's threads keep signals blocked
            left = set(futs)
            while left:
                signals.check()
                interrupts.check()
                done, left = wait(left, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for f in done:
                    on_done(futs[f], f.result())
        except BaseException:
            procs = procs or list((getattr(ex, "_processes", None) or {}).values())
            for p in procs:  # don't wait for running cells
                p.kill()
            for p in procs:
                p.join(5)
            _unblock_result_reader(ex)
            ex.shutdown(wait=True, cancel_futures=True)
            raise
        ex.shutdown(wait=True)


# --------------------------------------------------------------------------- Dask
def check_address(address: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a Dask scheduler address ``[tcp|tls]://HOST:PORT``; ParamError otherwise."""
    if not isinstance(address, str) or not address.strip():
        raise ParamError(f"scheduler: expected an address like tcp://HOST:PORT, got {address!r}")
    text = address.strip()
    if text.startswith("inproc://"):
        return "inproc", text, None
    m = _ADDRESS.match(text)
    if not m:
        raise ParamError(f"scheduler: expected an address like tcp://HOST:PORT, got {address!r}")
    scheme = (m.group("scheme") or "tcp").lower()
    if scheme not in _SCHEMES:
        raise ParamError(
            f"scheduler: unsupported protocol {scheme!r} in {address!r}; expected tcp://HOST:PORT or tls://HOST:PORT"
        )
    if m.group("port") is None:
        raise ParamError(f"scheduler: expected an address like tcp://HOST:PORT (port missing), got {address!r}")
    port = int(m.group("port"))
    if not 1 <= port <= 65535:
        raise ParamError(f"scheduler: port must be an integer in [1, 65535], got {port}")
    return scheme, m.group("host").strip("[]"), port


def _probe(host: str, port: int, timeout: float) -> None:
    """Open and close a TCP connection (name lookup included) within ``timeout`` seconds."""

    def go():
        socket.create_connection((host, port), timeout=timeout).close()

    pool = ThreadPoolExecutor(1)
    try:
        pool.submit(go).result(timeout=timeout)
    except FutureTimeout:
        raise ParamError(f"scheduler: no answer from {host}:{port} within {timeout:g} s") from None
    except OSError as e:
        raise ParamError(
            f"scheduler: cannot reach {host}:{port} ({e.strerror or type(e).__name__}); "
            f"is a Dask scheduler running there?"
        ) from None
    finally:
        pool.shutdown(wait=False)


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:160] if lines else type(e).__name__


def _identity(address: str, timeout: float) -> None:
    """Ask the server at ``address`` who it is (Dask's "identity" op), in a daemon thread with a hard timeout,
    so that a silent or foreign server fails fast and leaves no half-made Client behind."""
    import asyncio

    from distributed.comm import connect as dask_connect

    async def ask():
        comm = await dask_connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    box: dict = {}

    def go():
        try:
            box["reply"] = asyncio.run(asyncio.wait_for(ask(), timeout))
        except BaseException as e:  # handed to the caller below
            box["error"] = e

    t = threading.Thread(target=go, name="dask-identity", daemon=True)
    t.start()
    t.join(timeout + 1)
    reply, err = box.get("reply"), box.get("error")
    if t.is_alive() or (reply is None and (isinstance(err, TimeoutError) or not isinstance(err, OSError))):
        raise ParamError(f"scheduler: {address} does not answer like a Dask scheduler within {timeout + 1:g} s")
    if reply is None:
        raise ParamError(f"scheduler: cannot connect to {address} ({_first_line(err)})")
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ParamError(f"scheduler: {address} is not a Dask scheduler")


def _inproc_listening(address: str) -> bool:
    """Whether an in-process Dask scheduler of this process listens at ``address`` (inproc://...)."""
    try:
        from distributed.comm.inproc import global_manager
    except ImportError:
        return False
    try:
        return global_manager.get_listener_for(address.removeprefix("inproc://")) is not None
    except Exception:  # noqa: BLE001 - a private registry of distributed; any surprise means "not here"
        return False


def connect(scheduler, timeout: float = CONNECT_TIMEOUT_S):
    """(client, owned): a distributed.Client for an address (checked first), or the Client / cluster given."""
    if hasattr(scheduler, "submit"):
        return scheduler, False
    address = getattr(scheduler, "scheduler_address", scheduler)
    scheme, host, port = check_address(address)
    if scheme == "inproc" and not _inproc_listening(host):
        raise ParamError(
            f"scheduler: {address!r} is an in-process address, and no scheduler of this process listens there; "
            "give a running cluster's tcp://HOST:PORT (or tls://)"
        )
    if port is not None:
        _probe(host, port, timeout)
        _identity(address if "://" in address else f"tcp://{address}", timeout)
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout:g}s", set_as_default=False), True
    except (OSError, TimeoutError) as e:
        raise ParamError(f"scheduler: cannot connect to {address} ({_first_line(e)})") from None


def run_dask(sweep: str, tasks: Sequence[Task], on_done: OnDone, client) -> None:
    from distributed import as_completed as dask_completed

    futs = {}
    for t in tasks:
        f = client.submit(compute_cell, sweep, dict(t.params), t.seed, pure=False)
        futs[f.key] = (f, t.index)
    try:
        with client.as_current():
            for f in dask_completed([f for f, _ in futs.values()]):
                interrupts.check()
                rec = f.result()
                with interrupts.held():  # not inside on_done's locks
                    on_done(futs[f.key][1], rec)
    except BaseException:
        client.cancel([f for f, _ in futs.values()])
        raise
