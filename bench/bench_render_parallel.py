"""Parallel, Dask and incremental renders of the talk against the serial render (issue 22; run by `make bench`).

Each pair of runs, on a fresh render cache (temp media folder; the LaTeX and text caches are shared):

1. serial: every scene rendered by one manim run (``studio.render.render_serial``), one after the other;
2. JOBS=2: the same scenes as one job of segments on 2 local processes, cold (``cache=False``);
3. Dask: the same on a ``LocalCluster`` of 2 single-threaded worker processes, cold; the cluster's own
   start-up is timed apart and shown;
4. unchanged: the whole job again with the cache (JOBS=2): nothing to render;
5. one caption: the first scene's second key-frame caption made longer (as an edit of its text would: its
   subtitle and the hold that lets it be read), scene manifests dropped (as an edit of the code does), the
   scene rendered again (JOBS=1, the default command) against its serial render.

Every JOBS=2 and Dask video is compared with the serial one byte for byte. Ratios are wall time (the targets
are wall time on this 2-core machine), medians of the pairs. Then the model of k machines: the wall time of
the planned schedule (:func:`studio.render_jobs.plan`, :func:`~studio.render_jobs.makespan`) for k workers,
from the segment costs this run measured, beside the measured points. ``--per-scene`` also renders every
scene alone with JOBS=2 and prints render seconds per video second (serial and JOBS=2) as a markdown table.

    .venv/bin/python bench/bench_render_parallel.py [--quality h] [--scenes A,B] [--pairs N] [--per-scene]
                                                    [--no-dask]

Targets: JOBS=2 <= 0.6x serial; Dask(2) <= 0.65x; unchanged <= 0.05x the cold JOBS=2 render; one caption
<= 0.2x the scene's serial render. Exits 1 on a miss (listed at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"jobs2": 0.60, "dask2": 0.65, "unchanged": 0.05, "caption": 0.20}
MODEL_K = (1, 2, 4, 16, 64)


def _args(argv):
    ap = argparse.ArgumentParser(prog="bench_render_parallel.py")
    ap.add_argument("--quality", "-q", default="h")
    ap.add_argument("--scenes", default="", help="comma-separated scenes (default: the whole talk)")
    ap.add_argument("--pairs", type=int, default=1)
    ap.add_argument("--per-scene", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    a = _args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-render-parallel-"))
    os.environ["BYZMW_MEDIA"] = str(tmp / "media")
    os.environ.setdefault("BYZMW_TRACES", str(tmp / "traces"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from kit.options import RenderOptions
    from studio import registry
    from studio import render_cache as rc
    from studio.render import render_serial
    from studio.render_jobs import makespan, plan, render_scenes
    from studio.timing import timeline

    names = [registry.scene(n).name for n in a.scenes.split(",") if n] or list(registry.scenes())
    opts = RenderOptions(quality=a.quality)
    video_s = {n: timeline(n, opts).length for n in names}  # also warms the traces, LaTeX and text caches
    total_video = sum(video_s.values())
    print(f"{len(names)} scenes, {total_video:.1f} s of video at -q{a.quality}; {a.pairs} pair(s); "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip

    def load() -> str:
        return f"load average {os.getloadavg()[0]:.1f}"

    def wall(fn):
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out

    ratios = {k: [] for k in TARGETS}
    miss = []
    serial_s, last = {}, {}
    for pair in range(1, a.pairs + 1):
        shutil.rmtree(rc.cache_root(), ignore_errors=True)
        serial = {}
        t_serial = 0.0
        for n in names:
            t, path = wall(lambda n=n: render_serial(n, opts, progress=False))
            serial[n], serial_s[n] = path.read_bytes(), t
            t_serial += t
        print(
            f"pair {pair}: serial {t_serial:.1f} s ({t_serial / total_video:.2f} s per video s); {load()}", flush=True
        )
        t_j2, rep = wall(lambda: render_scenes(names, opts, jobs=2, cache=False, progress=False))
        same = sum(rep.outputs[n].read_bytes() == serial[n] for n in names)
        if same != len(names):
            miss.append(f"pair {pair}: JOBS=2 differs from serial in {len(names) - same} scene(s)")
        ratios["jobs2"].append(t_j2 / t_serial)
        print(f"pair {pair}: JOBS=2 {t_j2:.1f} s = {t_j2 / t_serial:.3f}x serial (probe {rep.probe_s:.1f} s, "
              f"render {rep.render_s:.1f} s, join {rep.join_s:.1f} s; {len(rep.segments)} segments); "
              f"identical to serial: {same}/{len(names)} (container bytes); {load()}", flush=True)  # fmt: skip
        last["rep"], last["t_j2"], last["t_serial"] = rep, t_j2, t_serial
        if not a.no_dask:
            from distributed import LocalCluster

            t_up, cluster = wall(lambda: LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                      dashboard_address=None))  # fmt: skip
            try:
                address = cluster.scheduler_address
                t_d, drep = wall(lambda s=address: render_scenes(names, opts, scheduler=s, cache=False, progress=False))
            finally:
                with contextlib.suppress(TimeoutError):  # a nanny's 5 s to close its worker can run out under load
                    cluster.close(timeout=120)
            same = sum(drep.outputs[n].read_bytes() == serial[n] for n in names)
            if same != len(names):
                miss.append(f"pair {pair}: Dask differs from serial in {len(names) - same} scene(s)")
            ratios["dask2"].append(t_d / t_serial)
            print(f"pair {pair}: Dask LocalCluster(2) {t_d:.1f} s = {t_d / t_serial:.3f}x serial; cluster start-up "
                  f"{t_up:.1f} s more ({(t_d + t_up) / t_serial:.3f}x with it); identical: {same}/{len(names)}; {load()}",
                  flush=True)  # fmt: skip
        t_w, wrep = wall(lambda: render_scenes(names, opts, jobs=2, progress=False))
        if wrep.rendered:
            miss.append(f"pair {pair}: the unchanged re-render rendered {wrep.rendered} plays")
        ratios["unchanged"].append(t_w / t_j2)
        print(f"pair {pair}: unchanged re-render {t_w:.2f} s = {t_w / t_j2:.4f}x the cold JOBS=2 render "
              f"({wrep.rendered} plays rendered, {wrep.reused} reused); {load()}", flush=True)  # fmt: skip
        t_c, crep, changed = _one_caption(names[0], opts, render_scenes, rc)
        ratios["caption"].append(t_c / serial_s[names[0]])
        print(f"pair {pair}: one caption of {names[0]} longer: {t_c:.1f} s = {t_c / serial_s[names[0]]:.3f}x its "
              f"serial render ({crep.rendered} of {len(crep.work[0].keys)} plays rendered); {load()}", flush=True)  # fmt: skip

    # -- the model of k machines, from the costs measured by the last JOBS=2 run --------------------------------
    rep = last["rep"]
    work = rep.work
    for w in work:
        w.costs = dict(rc.load_costs(w.output, "video", a.quality))
        for i in range(len(w.keys)):
            w.costs.setdefault(i, 0.0)
    probes = sorted((w.setup_s + sum(w.probe_s) for w in work), reverse=True)
    print("\nmodel of k workers (the planned schedule's critical path, from this run's measured costs):")
    print(f"  {'k':>3} {'probe s':>8} {'render s':>9} {'wall s':>8} {'x serial':>9}  measured")
    for k in MODEL_K:
        segs = plan(work, k, todo=lambda w: list(range(len(w.keys))))
        t_p, t_r = makespan(probes, k), makespan([s.cost for s in segs], k)
        m = t_p + t_r + rep.join_s
        meas = {1: f"serial {last['t_serial']:.1f} s", 2: f"JOBS=2 {last['t_j2']:.1f} s"}.get(k, "")
        print(f"  {k:>3} {t_p:8.1f} {t_r:9.1f} {m:8.1f} {m / last['t_serial']:9.3f}  {meas}  ({len(segs)} segments)")

    if a.per_scene:
        print(f"\n| scene | video s | serial s | s per video s | JOBS=2 s | s per video s | (-q{a.quality}) |")
        print("|---|---|---|---|---|---|---|")
        for n in names:
            t2, _ = wall(lambda n=n: render_scenes([n], opts, jobs=2, cache=False, progress=False))
            v = video_s[n]
            print(f"| {n} | {v:.1f} | {serial_s[n]:.1f} | {serial_s[n] / v:.2f} | {t2:.1f} | {t2 / v:.2f} | |",
                  flush=True)  # fmt: skip
    else:  # the serial pass measured every scene already
        print(f"\n| scene | video s | serial s | s per video s (-q{a.quality}, last pair) |")
        print("|---|---|---|---|")
        for n in names:
            print(f"| {n} | {video_s[n]:.1f} | {serial_s[n]:.1f} | {serial_s[n] / video_s[n]:.2f} |")

    print()
    for k, target in TARGETS.items():
        if not ratios[k]:
            continue
        r = statistics.median(ratios[k])
        ok = r <= target
        print(f"ratio {k} = {r:.3f} (median of {len(ratios[k])}; target <= {target})  {'OK' if ok else 'MISS'}")
        if not ok:
            miss.append(f"{k}: {r:.3f} > {target}")
    print("misses: " + ("; ".join(miss) if miss else "none"))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if miss else 0


def _one_caption(name, opts, render_scenes, rc):
    """Render ``name`` with its second key-frame caption longer (text and hold), as after an edit of it."""
    import scenes.base as base
    from scenes.claims import Claim
    from studio.timing import timeline

    second = [e["caption"] for e in timeline(name, opts).events if e["what"] == "key" and e["caption"]][1]
    extra = " (as the trace shows)"
    original = base.as_claim

    def as_claim(c):
        claim = original(c)
        if claim.text == second:  # (its values are keywords of Claim, not fields: dataclasses.replace can't)
            return Claim(claim.template + extra, holds=claim.holds, says=claim.says, **claim.values)
        return claim

    base.as_claim = as_claim
    try:
        shutil.rmtree(rc.cache_root() / "scenes", ignore_errors=True)  # an edit of the code: no manifest matches
        t0 = time.perf_counter()
        rep = render_scenes([name], opts, jobs=1, progress=False)
        return time.perf_counter() - t0, rep, second
    finally:
        base.as_claim = original


if __name__ == "__main__":
    sys.exit(main())
