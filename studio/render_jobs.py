"""One render job: scenes cut into segments, rendered on N local processes or a Dask cluster, reused, joined.

A job (:func:`render_scenes`) takes scenes in one mode (talk videos, or the plays of their slides):

1. **Probe.** Each scene's plays get their keys (:func:`studio.segments.probe`, or the scene's manifest in the
   cache when nothing it depends on changed: :func:`studio.render_cache.scene_key`). Plays with a valid entry
   in the cache are reused; the others are to render.
2. **Plan.** The plays to render are cut into segments (:func:`plan`): one per scene, then, while that shortens
   the schedule on the job's workers, one of the costliest is split in two (at a slide break when that costs no
   more than 10 % over the best play boundary). A segment costs its plays' render seconds (measured by their
   last render, serial or not, and kept in the cache; frames x a rate per quality before that), plus the run
   through the plays before it without drawing and the scene's start-up, which every segment pays again: a job
   of many scenes is cut less than a job of one. Segments run costliest first (longest processing time first),
   so the workers finish together; :func:`makespan` is the wall time of that schedule on k workers.
3. **Render.** Each segment is one call of :func:`studio.segments.render_plays` in a worker (a local process
   that dies with its parent, or a Dask worker: ``scheduler=ADDRESS``, as the sweep engine connects). Its
   partial files come back as bytes, are checked and stored in the cache.
4. **Join.** A video is the stream copy of its plays' partial files in order, by manim's own join, published
   atomically next to its ``.srt`` (from the probe: the subtitles of the serial render, byte for byte): the
   same bytes as a serial render. A deck's plays are handed to manim-slides, which writes the slides' files
   and JSON as after a serial render (its concatenations and reversed videos are made here, not in parallel).

Probes run on the workers too (local processes are forked before this process starts any thread, so the
caller's ``__main__`` is not imported again; they die with it).

One progress bar covers the whole job: the scenes probed (k/N), then video seconds done (cached plays count at
once), segments done, ETA.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import queue as queue_mod
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kit.manim_env import encoder_threads, manim_config
from kit.options import RenderOptions
from sim.core.params import Param

from . import render_cache as rc
from .segments import Pieces, Probe, probe, render_plays

SECONDS_PER_FRAME = {"l": 0.015, "m": 0.05, "h": 0.12, "p": 0.14, "k": 0.5}  # before a play's first render
SETUP_S = 1.5  # a segment's start-up when the scene was never probed in this job
CUT_SLACK = 1.10  # a split at a slide break may cost this much more than the best split at any play boundary


# -- the scenes of a job ---------------------------------------------------------------------------------
@dataclass
class SceneWork:
    """One scene of a job: its plays (keys, frames), what the cache has, what to render."""

    name: str
    mode: str
    options: RenderOptions
    file: Path
    output: str  # manim's output_file (video: the scene and its variant suffix)
    keys: list[str]
    frames: list[int]
    probe_s: list[float]
    setup_s: float
    fps: float
    movie: str
    srt: str | None
    cuts: tuple[int, ...]
    probe: Probe | None = None  # slides mode: the probed deck (writes the JSON)
    entries: dict = field(default_factory=dict)  # play index -> render_cache.Entry
    costs: dict = field(default_factory=dict)  # play index -> estimated seconds of rendering it
    probed: bool = False

    @property
    def todo(self) -> list[int]:
        return [i for i in range(len(self.keys)) if i not in self.entries]

    @property
    def seconds(self) -> float:
        return sum(self.frames) / self.fps


def _options_state(o: RenderOptions) -> dict:
    """RenderOptions as plain data (its parameters are a read-only mapping, which does not pickle)."""
    return {"sets": dict(o.sets), "seed": o.seed, "pace": o.pace, "theme": o.theme, "quality": o.quality,
            "width": o.width, "transparent": o.transparent}  # fmt: skip


def _context(options: RenderOptions, threads: int) -> dict:
    with manim_config(options.quality, theme_name=options.theme, transparent=options.transparent) as cfg:
        return rc.render_context(cfg, threads)


@dataclass(frozen=True)
class _Scene:
    """A scene of a job before its plays are known: where its movie goes, its manifest's key."""

    name: str
    file: Path
    output: str  # manim's output_file (video: the scene and its variant suffix)
    key: str | None  # the scene key (video mode), under which its manifest is kept


def _scene(name: str, options: RenderOptions, mode: str, threads: int) -> _Scene:
    from kit.options import params_suffix
    from kit.traces import ensure_trace, trace_path

    from .variants import resolve

    entry, chosen, suffix = resolve(name, options)
    if mode != "video":  # slides: always probed (the deck's JSON is written from the probed scene)
        return _Scene(entry.name, entry.file, entry.name, None)
    spec, _ = entry.cls.trace_spec_for(options)
    trace_sha = None
    if spec is not None:
        tname = entry.cls.trace_name() + params_suffix(chosen)
        ensure_trace(spec, tname, quiet=True)
        trace_sha = rc._sha(trace_path(tname).read_bytes())
    with manim_config(options.quality, theme_name=options.theme, transparent=options.transparent) as cfg:
        key = rc.scene_key(entry, options, mode, trace_sha, threads, cfg)
    return _Scene(entry.name, entry.file, entry.name + suffix, key)


def _from_manifest(sc: _Scene, options: RenderOptions, mode: str, m: dict) -> SceneWork:
    return SceneWork(sc.name, mode, options, sc.file, sc.output, [p[0] for p in m["plays"]], [p[1] for p in m["plays"]],
                     [float(p[2]) for p in m["plays"]], float(m.get("setup_s", 0)), float(m["fps"]), m["movie"],
                     m["srt"], tuple(m.get("cuts", ())))  # fmt: skip


def _from_probe(sc: _Scene, options: RenderOptions, mode: str, p: Probe, context: dict) -> SceneWork:
    keys = [rc.play_key(context, pl.digest, pl.frames) for pl in p.plays]
    w = SceneWork(sc.name, mode, options, sc.file, sc.output, keys, [pl.frames for pl in p.plays],
                  [pl.probe_s for pl in p.plays], p.setup_s, p.fps, p.movie, p.srt, p.cuts,
                  p if mode == "slides" else None, probed=True)  # fmt: skip
    if sc.key is not None:
        rc.save_manifest(sc.key, {"name": w.name, "mode": mode, "fps": w.fps, "movie": w.movie, "srt": w.srt,
                                  "cuts": list(w.cuts), "setup_s": w.setup_s,
                                  "plays": [[k, n, round(s, 4)] for k, n, s in zip(keys, w.frames, w.probe_s)]})  # fmt: skip
    return w


def _lookup(w: SceneWork, use_cache: bool) -> None:
    """The cache's valid entries of ``w``'s plays (none when the cache is off) and a cost for every play."""
    measured = rc.load_costs(w.output, w.mode, w.options.quality)
    spf = SECONDS_PER_FRAME[w.options.quality]
    for i, (k, n) in enumerate(zip(w.keys, w.frames)):
        e = rc.get(k, n) if use_cache else None
        if e is not None:
            w.entries[i] = e
        w.costs[i] = measured.get(i, e.seconds if e is not None and e.seconds else n * spf)


# -- planning -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    """Plays of one scene that one worker renders in one run of the scene (the others before them quietly)."""

    scene: int  # index into the job's scenes
    plays: tuple[int, ...]
    cost: float


def _cost(w: SceneWork, plays: Sequence[int]) -> float:
    inside = set(plays)
    last = max(plays)
    quiet = sum(w.probe_s[i] for i in range(last + 1) if i not in inside)
    return w.setup_s + quiet + sum(w.costs[i] for i in plays)


def _split(w: SceneWork, plays: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The two halves of ``plays`` with the least max cost, at a slide break if that costs <= CUT_SLACK more."""
    if len(plays) < 2:
        return None
    options = []
    for j in range(1, len(plays)):
        a, b = plays[:j], plays[j:]
        options.append((max(_cost(w, a), _cost(w, b)), plays[j] in w.cuts, j))
    best = min(o[0] for o in options)
    at_cut = [o for o in options if o[1] and o[0] <= best * CUT_SLACK]
    j = min(at_cut or options)[2]
    return plays[:j], plays[j:]


def plan(work: Sequence[SceneWork], workers: int, todo: Callable | None = None) -> list[Segment]:
    """Segments of every play to render (``todo(w)``: the plays of ``w`` to render), costliest first.

    One segment per scene; then, while it shortens the schedule on ``workers`` (:func:`makespan`), one of the
    costliest segments is split in two (:func:`_split`): a split pays the scene's start-up and the quiet run to
    its plays again, so a job of many scenes is cut less than a job of one.
    """
    todo = todo or (lambda w: w.todo)
    segs = [Segment(s, tuple(p), _cost(w, p)) for s, w in enumerate(work) if (p := todo(w))]
    segs.sort(key=lambda s: -s.cost)
    if workers > 1:
        best = makespan([s.cost for s in segs], workers)
        while True:
            for k, s in enumerate(segs[: 2 * workers]):
                halves = _split(work[s.scene], s.plays)
                if halves is None:
                    continue
                cand = segs[:k] + segs[k + 1 :] + [Segment(s.scene, h, _cost(work[s.scene], h)) for h in halves]
                cand.sort(key=lambda s: -s.cost)
                m = makespan([c.cost for c in cand], workers)
                if m < best * 0.995:
                    segs, best = cand, m
                    break
            else:
                break
    return sorted(segs, key=lambda s: (-s.cost, s.scene, s.plays))


def makespan(costs: Sequence[float], workers: int) -> float:
    """Wall time of running tasks of these costs, in this order, each on the first free of ``workers``."""
    free = [0.0] * max(1, workers)
    for c in costs:
        t = heapq.heappop(free)
        heapq.heappush(free, t + c)
    return max(free)


# -- workers -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One segment: plays of one scene to render in one run of it."""

    name: str
    mode: str
    options: dict  # _options_state
    plays: tuple[int, ...]
    threads: int  # x264 threads: those of the machine that asked (the same bytes everywhere)


@dataclass(frozen=True)
class ProbeTask:
    name: str
    options: dict
    output: str


_LOCK = threading.Lock()  # manim's config is global: one render at a time per process (Dask threads)
_PROGRESS = None  # a local worker's queue to the parent: (scene, mode, play, video seconds)


def _init_local_worker(parent: int, progress) -> None:
    from .sweep.backends import _worker_init

    global _PROGRESS
    _PROGRESS = progress
    _worker_init(parent)


def _large_frames_malloc() -> None:
    """In a Dask worker: let glibc keep the large blocks frames are made of.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes glibc's mmap threshold at
    128 KiB: every frame (8 MiB at 1080p) is then mapped, faulted in and unmapped again, and a segment spends a
    third more CPU in the kernel than in a local process. Raising both thresholds (mallopt) gives the worker
    the allocator of a plain process; memory is still returned when blocks above them are freed."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or getattr(_large_frames_malloc, "done", False):
        return
    _large_frames_malloc.done = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        pass


@contextlib.contextmanager
def _dask_profiler_paused():
    """In a Dask worker: pause its statistical profiler (every 10 ms it walks every thread's stack holding the
    GIL, a quarter more CPU for a render) while this task runs; it starts again after."""
    pc = worker = None
    try:
        from distributed import get_worker

        worker = get_worker()
        pc = worker.periodic_callbacks.get("profile")
    except (ImportError, ValueError, AttributeError):  # not in a Dask worker
        pass
    if pc is not None:
        worker.loop.add_callback(pc.stop)
    try:
        yield
    finally:
        if pc is not None:
            worker.loop.add_callback(pc.start)


def run_task(task: Task, report=None) -> Pieces:
    """Render one segment (in whatever process runs it); its plays' partial files as bytes."""
    _large_frames_malloc()
    if report is None and _PROGRESS is not None:
        q = _PROGRESS

        def report(i, seconds):
            q.put((task.name, task.mode, i, seconds))

    with _LOCK, _dask_profiler_paused():
        return render_plays(task.name, RenderOptions(**task.options), task.mode, task.plays, task.threads, report)


def run_probe(task: ProbeTask) -> Probe:
    """Probe one scene's video (in whatever process runs it)."""
    _large_frames_malloc()
    with _LOCK, _dask_profiler_paused():
        return probe(task.name, RenderOptions(**task.options), "video", output=task.output)


class _Workers:
    """Where a job's tasks run: here (``jobs`` = 1), on ``jobs`` forked local processes (they die with this one;
    forked, so the caller's ``__main__`` is not imported again), or on a Dask cluster (``scheduler``)."""

    def __init__(self, jobs: int, scheduler):
        self.jobs, self.scheduler = jobs, scheduler
        self.pool = self.progress = self.client = None
        self.owned = False

    def __enter__(self):
        if self.scheduler is not None:
            from .sweep.backends import connect

            self.client, self.owned = connect(self.scheduler)
        elif self.jobs > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            ctx = mp.get_context("fork")
            self.progress = ctx.Queue()
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx, initializer=_init_local_worker,
                                            initargs=(os.getpid(), self.progress))  # fmt: skip
            self.pool.submit(int).result()  # fork every worker now, before this process starts other threads
        return self

    def __exit__(self, kind, *exc):
        if self.pool is not None:
            if kind is None:
                self.pool.shutdown(wait=True)
            else:
                procs = list((getattr(self.pool, "_processes", None) or {}).values())
                self.pool.shutdown(wait=False, cancel_futures=True)
                for proc in procs:  # don't wait for running segments
                    proc.kill()
        if self.client is not None and self.owned:
            self.client.close()
        return False

    def run(self, fn, items: Sequence, on_result: Callable, *, local=None, tick: Callable | None = None) -> None:
        """``on_result(n, fn(items[n]))`` for every item, as they finish (submitted in order: costliest first).
        ``local(item)`` replaces ``fn`` in this process (progress reported directly); ``tick`` drains progress."""
        if not items:
            return
        if self.client is not None:
            from distributed import as_completed as dask_completed

            futs = {self.client.submit(fn, it, pure=False, priority=len(items) - n): n for n, it in enumerate(items)}
            try:
                with self.client.as_current():
                    for f in dask_completed(list(futs)):
                        on_result(futs[f], f.result())
            except BaseException:
                self.client.cancel(list(futs))
                raise
            return
        if self.pool is None:
            for n, it in enumerate(items):
                on_result(n, (local or fn)(it))
            return
        from concurrent.futures import FIRST_COMPLETED, wait

        pending = {self.pool.submit(fn, it): n for n, it in enumerate(items)}
        while pending:
            done, _ = wait(list(pending), timeout=0.25, return_when=FIRST_COMPLETED)
            if tick is not None:
                tick()
            for f in done:
                on_result(pending.pop(f), f.result())


class _Bar:
    """One progress bar for the whole job: first the scenes probed (a scene's plays are measured before its
    segments can be planned), then seconds of video done, segments done, ETA."""

    VIDEO = "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s of video{postfix} [{elapsed}<{remaining}]"
    PROBING = "{desc}: probing scenes {n}/{total} [{elapsed}]"

    def __init__(self, desc: str, show: bool):
        self.segments, self.done_segments = 0, 0
        self.desc, self.show, self.bar = desc, show, None

    def _open(self, total: float, bar_format: str, unit: str) -> None:
        if not self.show:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, desc=self.desc, leave=True, file=sys.stderr, bar_format=bar_format)
        else:  # the same line goes on; the ETA from the rate of rendering, not of probing
            self.bar.bar_format, self.bar.unit = bar_format, unit
            self.bar.reset(total=total)

    def probing(self, scenes: int) -> None:
        """``scenes`` are to be probed (nothing shown while none is)."""
        if scenes:
            self._open(scenes, self.PROBING, "scene")

    def probed(self) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.refresh()  # a probe takes seconds: show each

    def start(self, total: float, done: float, segments: int) -> None:
        """The plan is made: ``total`` seconds of video, ``done`` of them cached, in ``segments`` segments."""
        self.segments = segments
        self._open(round(total, 1), self.VIDEO, "s")
        if self.bar is not None:
            self.bar.update(round(done, 1))
            self._postfix()

    def _postfix(self):
        if self.bar is not None:
            self.bar.set_postfix_str(f"segments {self.done_segments}/{self.segments}", refresh=True)

    def add(self, seconds: float) -> None:
        if self.bar is not None:
            self.bar.update(min(seconds, self.bar.total - self.bar.n))

    def segment_done(self) -> None:
        self.done_segments += 1
        self._postfix()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -- the job -------------------------------------------------------------------------------------------------
@dataclass
class JobReport:
    """What a job did: per scene its output, plays reused and rendered; the segments and their costs."""

    outputs: dict = field(default_factory=dict)  # scene -> movie path (video) or deck JSON (slides)
    reused: int = 0
    rendered: int = 0
    segments: list = field(default_factory=list)  # (scene, plays, estimated cost, measured seconds, worker)
    probe_s: float = 0.0
    render_s: float = 0.0
    join_s: float = 0.0
    work: list = field(default_factory=list)  # the SceneWork of each scene


JOBS = Param("JOBS", int, 1, "local processes rendering a job's segments", low=1, high=256)


def check_jobs(jobs) -> int:
    """The number of local processes (``--jobs``, ``JOBS=``): an integer in [1, 256]."""
    return JOBS.coerce(jobs.strip() if isinstance(jobs, str) else jobs)


def render_scenes(
    names: Sequence[str],
    options: RenderOptions | None = None,
    *,
    mode: str = "video",
    jobs: int = 1,
    scheduler=None,
    cache: bool | None = None,
    progress: bool = True,
    folder: Path | None = None,
) -> JobReport:
    """Render scenes ``names`` (videos, or the plays of their slides into ``folder``) as one job; see the module."""
    from .sweep.backends import check_address

    options = options or RenderOptions()
    jobs = check_jobs(jobs)
    if scheduler is not None and not hasattr(scheduler, "submit"):
        check_address(getattr(scheduler, "scheduler_address", scheduler))
    use_cache = rc.enabled(cache)
    threads = encoder_threads()
    state = _options_state(options)
    rep = JobReport()
    t0 = time.perf_counter()
    scenes = [_scene(n, options, mode, threads) for n in names]
    context = _context(options, threads)
    work: list[SceneWork | None] = [None] * len(scenes)
    manifests = [rc.load_manifest(sc.key) if use_cache and sc.key is not None else None for sc in scenes]
    desc = (names[0] if len(names) == 1 else f"{len(names)} scenes") + f" -q{options.quality}"
    bar = _Bar(desc, progress)
    try:
        bar.probing(sum(m is None for m in manifests))
        for k, (sc, m) in enumerate(zip(scenes, manifests)):
            if m is not None:
                work[k] = _from_manifest(sc, options, mode, m)
            elif mode == "slides":
                work[k] = _from_probe(sc, options, mode, probe(sc.name, options, mode, folder), context)
                bar.probed()
        with _Workers(jobs, scheduler) as workers:
            unknown = [k for k, w in enumerate(work) if w is None]

            def probed(n, p):
                k = unknown[n]
                work[k] = _from_probe(scenes[k], options, mode, p, context)
                bar.probed()

            workers.run(run_probe, [ProbeTask(scenes[k].name, state, scenes[k].output) for k in unknown], probed)
            for w in work:
                _lookup(w, use_cache)
            rep.work = work
            rep.probe_s = time.perf_counter() - t0
            segs = plan(work, jobs if scheduler is None else max(jobs, 2))
            tasks = [Task(work[s.scene].name, mode, state, s.plays, threads) for s in segs]
            total = sum(w.seconds for w in work)
            cached = sum(w.frames[i] / w.fps for w in work for i in w.entries)
            seconds = {(w.name, i): n / w.fps for w in work for i, n in enumerate(w.frames)}
            by_name = {w.name: w for w in work}
            reported: dict[int, float] = {}  # task -> video seconds its plays reported so far
            by_play = {(t.name, t.mode, i): n for n, t in enumerate(tasks) for i in t.plays}
            measured: dict[str, dict[int, float]] = {}
            bar.start(total, cached, len(tasks))

            def tick():
                while True:
                    try:
                        name, m, i, secs = workers.progress.get_nowait()
                    except queue_mod.Empty:
                        return
                    n = by_play.get((name, m, i))
                    if n is not None:
                        reported[n] = reported.get(n, 0.0) + secs
                        bar.add(secs)

            def local(task):
                n = tasks.index(task)

                def report(i, secs):
                    reported[n] = reported.get(n, 0.0) + secs
                    bar.add(secs)

                return run_task(task, report)

            def done(n, pieces: Pieces):
                if workers.progress is not None:
                    tick()
                t = tasks[n]
                bar.add(max(0.0, sum(seconds[(t.name, i)] for i in t.plays) - reported.get(n, 0.0)))
                bar.segment_done()
                w = by_name[t.name]
                for i in t.plays:
                    w.entries[i] = rc.put(w.keys[i], pieces.files[i], w.frames[i], pieces.seconds.get(i, 0.0))
                measured.setdefault(w.output, {}).update(pieces.seconds)
                rep.segments.append((t.name, t.plays, segs[n].cost, pieces.total_s, pieces.worker))

            t1 = time.perf_counter()
            workers.run(run_task, tasks, done, local=local, tick=tick if workers.progress is not None else None)
            rep.render_s = time.perf_counter() - t1
    finally:
        bar.close()
    for name, secs in measured.items():
        rc.save_costs(name, mode, options.quality, secs)
    rep.rendered = sum(len(t.plays) for t in tasks)
    rep.reused = sum(len(w.keys) for w in work) - rep.rendered
    t2 = time.perf_counter()
    for w in work:
        rep.outputs[w.name] = _join_video(w) if mode == "video" else _write_deck(w, folder)
    rep.join_s = time.perf_counter() - t2
    return rep


# -- joining ---------------------------------------------------------------------------------------------------
def _join_video(w: SceneWork) -> Path:
    """The plays' partial files joined (manim's stream copy), published with the .srt: a serial render's bytes."""
    from types import SimpleNamespace

    from manim.scene.scene_file_writer import SceneFileWriter

    from .variants import publish

    files = [str(w.entries[i].path) for i in range(len(w.keys))]
    with manim_config(w.options.quality, theme_name=w.options.theme, input_file=str(w.file), output_file=w.output,
                      transparent=w.options.transparent) as cfg:  # fmt: skip
        private = Path(cfg.media_dir)
        movie = private / w.movie
        movie.parent.mkdir(parents=True, exist_ok=True)
        SceneFileWriter.combine_files(SimpleNamespace(partial_movie_directory=private), files, movie)
        n = rc.frame_count(movie.read_bytes())
        if n != sum(w.frames):
            raise RuntimeError(f"{w.name}: the joined movie has {n} frames, expected {sum(w.frames)}")
        if w.srt is not None:
            srt = movie.with_suffix(".srt")
            srt.write_text(w.srt, encoding="utf-8")
            publish(srt, private)
        return publish(movie, private)


def _write_deck(w: SceneWork, folder: Path) -> Path:
    """manim-slides' files and JSON of the deck, from the partial files (named as a serial render names them)."""
    import shutil

    sc = w.probe.scene
    with manim_config(w.options.quality, theme_name=w.options.theme, input_file=str(w.file), write_to_movie=True):
        with tempfile.TemporaryDirectory(prefix=".deck-", dir=folder) as tmp:
            files = []
            for i in range(len(w.keys)):
                f = Path(tmp) / f"uncached_{i:05}.mp4"
                try:
                    os.link(w.entries[i].path, f)
                except OSError:
                    shutil.copyfile(w.entries[i].path, f)
                files.append(str(f))
            sc.renderer.file_writer.partial_movie_files = files
            sc._save_slides(use_cache=False, flush_cache=True, skip_reversing=sc.skip_reversing)
    out = Path(folder) / f"{sc}.json"
    if not out.exists():
        raise RuntimeError(f"{w.name}: manim-slides wrote no {out.name}")
    return out
