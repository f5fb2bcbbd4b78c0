"""What a figure function gets: the output folder, traces, the style, save()."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.core.sweeps import SweepOutput, make_grid  # noqa: E402
from kit.theme import MPL_STYLE, theme  # noqa: E402
from kit.traces import TraceSpec, ensure_trace  # noqa: E402


_SWEEPS: dict[tuple, SweepOutput] = {}


@dataclass
class FigureContext:
    out_dir: Path
    written: list[Path] = field(default_factory=list)

    @property
    def colors(self):
        """The paper palette (white background) from assets/theme.toml: neutrals and roles."""
        return theme().paper

    def family(self, name: str):
        """A family of paper colours (estimators, tasks, methods, cells, geometry, attacks, series)."""
        return theme().family(name, "paper")

    def trace(self, spec: TraceSpec, name: str):
        return ensure_trace(spec, name, quiet=True)

    def sweep(self, sweep_name: str, run_name: str, sets: dict | None = None, trials=None, seed=0,
              workers: int | None = None) -> SweepOutput:
        """Run a declared sweep through the engine (checkpoints under sweeps/RUN_NAME; serial with workers=1,
        else local processes) and return its output; finished cells are reused, within a process and across
        runs. A changed grid starts ``sweeps/RUN_NAME`` over (the figure's code owns that name)."""
        from studio.sweep.runner import run, sweeps_dir

        grid = make_grid(sweep_name, sets, trials=trials, seed=seed)
        key = (str(sweeps_dir()), run_name, grid.digest())
        if key not in _SWEEPS:
            res = run(sweep_name, grid, run_name, workers=workers, progress=False, replace=True)
            if res.computed:
                import sys

                print(f"[sweep] {run_name}: computed {res.computed} cells, reused {res.reused} "
                      f"({res.seconds:.1f} s)", file=sys.stderr)
            _SWEEPS[key] = res.out
        return _SWEEPS[key]

    def subplots(self, *args, **kwargs):
        with plt.style.context(str(MPL_STYLE)):
            return plt.subplots(*args, **kwargs)

    def style(self):
        """Context manager applying the studio style (for figures built without subplots())."""
        return plt.style.context(str(MPL_STYLE))

    def save(self, fig, stem: str) -> list[Path]:
        """Write ``stem.png`` and ``stem.pdf`` (no timestamps, so reruns are identical)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        with plt.style.context(str(MPL_STYLE)):
            for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None})):
                p = self.out_dir / f"{stem}.{ext}"
                tmp = p.with_name(f".{p.name}.tmp")
                fig.savefig(tmp, format=ext, metadata=meta)
                tmp.replace(p)
                paths.append(p)
        plt.close(fig)
        self.written.extend(paths)
        return paths
