"""Declared parameter sweeps: one engine for every subject.

A sweep is a cell function of (parameters, Generator) -> a small record of
numbers and arrays, a grid (product of axes, plus fixed values), a number of
trials and a seed. A subject declares it where its code lives::

    @sweep("blacklisting_error", version=1, summary="honest peers wrongly blacklisted against C and eps",
           axes=(Param("eps", float, 0.5, "accuracy", low=0, high=10, low_open=True), ...),
           fixed=(Param("n_sources", int, 100, "sources", low=1, high=100_000), ...),
           defaults={"eps": (0.25, 0.5, 1.0)},
           trials=1000,
           record={"wrong": Field("int64", (), low=0, high="trials"),
                   "error": Field("float64", ("trials",), low=0)},
           work=lambda p: p["trials"] * p["n_sources"])
    def blacklisting_cell(p: dict, rng: np.random.Generator) -> dict:
        ...                                   # p holds every axis and fixed value, plus "trials"
        return {"wrong": np.int64(k), "error": err}

The sweep engine of the shell runs any declared sweep serially, on local
processes or on a Dask cluster: cell i always draws from
``SeedSequence(seed).spawn(n_cells)[i]``, so the numbers do not depend on where
a cell runs. A sweep whose record is all per-trial arrays may declare
``block=B``: a cell of more than B trials then runs them in seeding blocks of
B (the last one shorter), block b drawing from child b of the cell's
SeedSequence (:func:`cell_blocks`), and its record is the blocks' records end
to end (:func:`join_blocks`). The blocks are fixed by the declaration, not by
the machine, so the engine may compute them on different workers and still
give the serial numbers bit for bit; a cell of one block draws from the cell's
own SeedSequence, as every cell did before blocks existed. Only a cell whose
trials are exchangeable draws from its Generator may be split (not one whose
trial t means something of its own, like a seed first_seed + t).

Everything here is pure (no files, no plotting): checkpoints, CSV files and
figures live in the shell above, whose figure modules register against a
sweep's name; a sweep never names them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from .code import code_digest
from .errors import ParamError
from .params import Param
from .plugins import code_of
from .rng import check_seed

_SWEEPS: dict[str, SweepKind] = {}
DEFAULT_MAX_WORK = 2e10  # element operations of a whole sweep (cells x trials x sources x rounds ...)
MAX_CELLS = 100_000
_BLOCK = Param("block", int, 0, "trials per seeding block of a cell (0: one Generator for the cell)", low=0)


# --------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Field:
    """One entry of a cell's record.

    ``shape`` holds ints or names of cell parameters ("trials", "rounds", ...),
    or is a callable ``p -> tuple``. ``low``/``high`` are numbers, names of cell
    parameters, or callables ``p -> number``; NaN is allowed only when
    ``allow_nan`` (e.g. a mean over an empty set), ±inf never.
    """

    dtype: str
    shape: Any = ()
    low: Any = None
    high: Any = None
    allow_nan: bool = False
    doc: str = ""

    def resolved_shape(self, p: Mapping) -> tuple:
        if callable(self.shape):
            return tuple(int(v) for v in self.shape(p))
        return tuple(int(p[s]) if isinstance(s, str) else int(s) for s in self.shape)

    @staticmethod
    def _bound(b, p):
        if b is None:
            return None
        if callable(b):
            return float(b(p))
        if isinstance(b, str):
            return float(p[b])
        return float(b)


@dataclass(frozen=True)
class SweepKind:
    """A declared sweep (see the module docstring)."""

    name: str
    version: int
    summary: str
    axes: tuple[Param, ...]
    fixed: tuple[Param, ...]
    defaults: Mapping[str, tuple]
    trials: int
    record: Mapping[str, Field]
    cell: Callable[[dict, np.random.Generator], dict]
    work: Callable[[dict], float]
    max_work: float = DEFAULT_MAX_WORK
    max_trials: int = 10_000_000
    check: Callable[[dict], None] | None = None
    check_record: Callable[[dict, dict], str | None] | None = None
    row: Callable[[dict, dict], dict] | None = None
    tables: Callable[[SweepOutput], dict] | None = None
    summarise: Callable[[SweepOutput], list[str]] | None = None
    code: tuple[str, ...] = ()
    model: str = ""
    smoke: Mapping[str, Any] = field(default_factory=dict)
    block: int = 0  # trials per seeding block (0: the whole cell draws from one Generator)

    @property
    def params(self) -> tuple[Param, ...]:
        return self.axes + self.fixed

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ParamError(
            f"{name}: unknown parameter of sweep '{self.name}'; allowed: "
            f"{', '.join(p.name for p in self.params)}, trials, seed"
        )


def sweep(
    name: str,
    *,
    version: int,
    summary: str,
    axes: Sequence[Param],
    fixed: Sequence[Param] = (),
    defaults: Mapping[str, Sequence] | None = None,
    trials: int = 200,
    record: Mapping[str, Field],
    work: Callable[[dict], float],
    max_work: float = DEFAULT_MAX_WORK,
    max_trials: int = 10_000_000,
    check=None,
    check_record=None,
    row=None,
    tables=None,
    summarise=None,
    code: Sequence[str] = (),
    model: str = "",
    smoke: Mapping[str, Any] | None = None,
    block: int = 0,
):
    """Decorator registering ``cell(p, rng) -> record`` as the sweep ``name``.

    ``defaults`` gives each axis its default values (an axis without one takes
    its Param default alone). ``code`` names the modules whose source is part
    of every checkpoint key (default: the cell function's module).
    ``model`` is one line for the CSV provenance header (the model simulated).
    ``smoke`` is a tiny grid (``sets`` for :func:`make_grid`, "trials" included,
    at most 4 cells of well under a second) that the engine's generic tests run
    for every declared sweep (serial = processes = Dask, checkpoint fuzzing).
    ``block`` (trials per seeding block, module docstring) needs every record field
    to be an array over the trials first (shape ``("trials", ...)``).
    """

    def deco(fn):
        names = [p.name for p in (*axes, *fixed)]
        if len(set(names)) != len(names) or {"trials", "seed"} & set(names):
            raise ValueError(f"sweep {name!r}: parameter names must be unique and not 'trials' or 'seed'")
        size = _BLOCK.coerce(block)
        per_trial = all(not callable(f.shape) and f.shape[:1] == ("trials",) for f in record.values())
        if size and not per_trial:
            raise ValueError(f"sweep {name!r}: block needs every record field to have shape ('trials', ...)")
        if name in _SWEEPS and _SWEEPS[name].cell.__qualname__ != fn.__qualname__:
            raise ValueError(f"sweep {name!r} registered twice")
        d = {p.name: (p.default,) for p in axes}
        for k, v in (defaults or {}).items():
            if k not in d:
                raise ValueError(f"sweep {name!r}: default values for {k!r}, which is not an axis")
            d[k] = tuple(v)
        _SWEEPS[name] = SweepKind(
            name,
            version,
            summary,
            tuple(axes),
            tuple(fixed),
            MappingProxyType(d),
            int(trials),
            MappingProxyType(dict(record)),
            fn,
            work,
            max_work,
            max_trials,
            check,
            check_record,
            row,
            tables,
            summarise,
            tuple(code) or (fn.__module__,),
            model,
            MappingProxyType(dict(smoke or {})),
            size,
        )
        return fn

    return deco


def all_sweeps() -> dict[str, SweepKind]:
    from .kinds import discover

    discover()
    return dict(sorted(_SWEEPS.items()))


def get_sweep(name: str) -> SweepKind:
    if isinstance(name, str) and name in _SWEEPS:  # registered already: no package walk (once per cell)
        return _SWEEPS[name]
    sweeps = all_sweeps()
    if name not in sweeps:
        raise ParamError(f"sweep: unknown sweep {name!r}; allowed: {', '.join(sweeps) or '(none)'}")
    return sweeps[name]


# --------------------------------------------------------------------------- grids
@dataclass(frozen=True)
class Cell:
    """One grid point: its index (= its SeedSequence child) and every parameter of the cell function."""

    index: int
    params: Mapping[str, Any]

    def __getitem__(self, k):
        return self.params[k]


@dataclass(frozen=True)
class Grid:
    """A validated sweep: axis values (in declaration order), fixed values, trials and seed."""

    sweep: str
    version: int
    axes: Mapping[str, tuple]
    fixed: Mapping[str, Any]
    trials: int
    seed: int

    @property
    def n_cells(self) -> int:
        return math.prod(len(v) for v in self.axes.values())

    def to_json(self) -> dict:
        return {
            "sweep": self.sweep,
            "version": self.version,
            "axes": {k: list(v) for k, v in self.axes.items()},
            "fixed": dict(self.fixed),
            "trials": self.trials,
            "seed": self.seed,
        }

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]

    def cells(self) -> list[Cell]:
        """Cartesian product of the axes, last axis innermost; cell i is SeedSequence child i."""
        names = list(self.axes)
        out = []
        for i, vals in enumerate(itertools.product(*self.axes.values())):
            p = {**self.fixed, **dict(zip(names, vals)), "trials": self.trials}
            out.append(Cell(i, MappingProxyType(p)))
        return out

    def seeds(self) -> list[np.random.SeedSequence]:
        return np.random.SeedSequence(self.seed).spawn(self.n_cells)


_NUM = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"  # ASCII digits only
_RANGE = re.compile(rf"^({_NUM}):({_NUM}):([0-9]+)$")
_POINTS = Param("num", int, 1, "points of start:stop:num", low=1, high=MAX_CELLS)


def parse_values(param: Param, value) -> tuple:
    """Values of one axis: a list, one value, "a,b,c" or "start:stop:num" (numpy.linspace; num >= 1)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ParamError(f"{param.name}: empty list of values; must be {param.range_text()}")
        if ":" in text:
            if param.type not in (int, float):
                raise ParamError(f"{param.name}: start:stop:num needs a numeric parameter; give a,b,c")
            m = _RANGE.match(text.replace(" ", ""))
            if not m:
                raise ParamError(f"{param.name}: expected start:stop:num (num an integer >= 1), got {text!r}")
            num = int(m.group(3))
            try:
                _POINTS.coerce(num)
            except ParamError:  # named after the axis
                raise ParamError(f"{param.name}: number of points must be {_POINTS.range_text()}, got {num}") from None
            pts = np.linspace(float(m.group(1)), float(m.group(2)), num)
            if param.type is int:
                if not np.all(pts == np.round(pts)):
                    raise ParamError(f"{param.name}: {text!r} gives non-integer points; must be {param.range_text()}")
                pts = np.round(pts)
            items = [float(v) if param.type is float else int(v) for v in pts]
        else:
            items = [t for t in text.split(",")]
            if any(not t.strip() for t in items):
                raise ParamError(f"{param.name}: empty item in {text!r}")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    if not items:
        raise ParamError(f"{param.name}: empty list of values; must be {param.range_text()}")
    vals = tuple(param.coerce(v.strip() if isinstance(v, str) else v) for v in items)
    if len(set(vals)) != len(vals):
        raise ParamError(f"{param.name}: repeated value in {value!r}")
    return vals


def make_grid(sweep_kind: SweepKind | str, sets: Mapping[str, Any] | None = None, *, trials=None, seed=0) -> Grid:
    """Defaults updated by ``sets`` (axis -> values, fixed -> one value), each validated; ParamError otherwise."""
    sw = get_sweep(sweep_kind) if isinstance(sweep_kind, str) else sweep_kind
    sets = dict(sets or {})
    for k in ("trials", "seed"):
        if k in sets:
            v = sets.pop(k)
            if k == "trials":
                trials = v if trials is None else trials
            else:
                seed = v
    for k in sets:
        sw.param(k)  # unknown name -> ParamError
    axes = {
        p.name: (parse_values(p, sets[p.name]) if p.name in sets else tuple(p.coerce(v) for v in sw.defaults[p.name]))
        for p in sw.axes
    }
    fixed = {}
    for p in sw.fixed:
        v = sets.get(p.name, p.default)
        if isinstance(v, (list, tuple)) or (isinstance(v, str) and p.type is not str and ("," in v or ":" in v)):
            raise ParamError(f"{p.name}: a fixed setting of sweep '{sw.name}' takes one value, got {v!r}")
        fixed[p.name] = p.coerce(v)
    tp = Param("trials", int, sw.trials, low=1, high=sw.max_trials)
    trials = tp.coerce(sw.trials if trials is None else trials)
    seed = check_seed(seed)
    g = Grid(sw.name, sw.version, MappingProxyType(axes), MappingProxyType(fixed), trials, seed)
    if g.n_cells > MAX_CELLS:
        raise ParamError(f"grid: {g.n_cells} cells; a sweep may have at most {MAX_CELLS}")
    total = 0.0
    for c in g.cells():
        if sw.check is not None:
            sw.check(dict(c.params))
        total += float(sw.work(dict(c.params)))
    if total > sw.max_work:
        raise ParamError(
            f"work: sweep '{sw.name}' needs about {total:.3g} element operations (cells x trials x "
            f"sizes); the cap is {sw.max_work:.3g}; use fewer cells, trials or smaller sizes"
        )
    return g


# --------------------------------------------------------------------------- cells
@cache
def sweep_code(modules: tuple[str, ...]) -> str:
    """:func:`sim.core.code.code_digest` of the named modules and every ``sim`` module they import: part of every
    checkpoint key (once per process: a sweep's cells share it)."""
    return code_digest(modules)


def cell_key(sw: SweepKind, grid: Grid, cell: Cell) -> str:
    """Everything a cell's numbers depend on, hashed: a checkpoint is reusable iff its key matches."""
    from .._version import __version__

    blob = {
        "sweep": sw.name,
        "version": sw.version,
        "sim": __version__,
        "code": sweep_code(sw.code),
        "params": dict(cell.params),
        "spawn": [grid.seed, cell.index, grid.n_cells],
    }
    if sw.block:
        blob["block"] = sw.block
    plugin_code = code_of(cell.params.values())  # a plugin's rule or attack in this cell: its source too
    if plugin_code:
        blob["plugins"] = plugin_code
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:24]


def normalise_record(sw: SweepKind, p: Mapping, rec: Mapping) -> dict:
    """The cell function's output as numpy arrays of the declared dtypes (no validation)."""
    out = {}
    for name, f in sw.record.items():
        if name in rec:
            out[name] = np.asarray(rec[name]).astype(f.dtype, copy=False)
    for name in rec:
        if name not in out:
            out[name] = np.asarray(rec[name])
    return out


def validate_record(sw: SweepKind, p: Mapping, rec: Mapping) -> str | None:
    """Why ``rec`` is not a valid record of this cell (None: valid): names, dtype, shape, ranges, sums."""
    extra = sorted(set(rec) - set(sw.record))
    if extra:
        return f"unexpected field {extra[0]!r}"
    for name, f in sw.record.items():
        if name not in rec:
            return f"field {name!r} missing"
        a = rec[name]
        if not isinstance(a, np.ndarray):
            return f"field {name!r} is not an array"
        if str(a.dtype) != f.dtype:
            return f"field {name!r}: dtype {a.dtype}, expected {f.dtype}"
        want = f.resolved_shape(p)
        if a.shape != want:
            return f"field {name!r}: shape {a.shape}, expected {want}"
        if a.dtype.kind in "fiub" and a.size:
            v = a.astype(float)
            nan = np.isnan(v)
            if nan.any() and not f.allow_nan:
                return f"field {name!r}: NaN"
            if np.isinf(v).any():
                return f"field {name!r}: infinite value"
            ok = v[~nan]
            lo, hi = Field._bound(f.low, p), Field._bound(f.high, p)
            if ok.size and lo is not None and ok.min() < lo:
                return f"field {name!r}: value {ok.min():g} below {lo:g}"
            if ok.size and hi is not None and ok.max() > hi:
                return f"field {name!r}: value {ok.max():g} above {hi:g}"
    if sw.check_record is not None:
        return sw.check_record(dict(p), dict(rec))
    return None


def cell_blocks(
    sw: SweepKind, params: Mapping, ss: np.random.SeedSequence
) -> list[tuple[dict, np.random.SeedSequence]]:
    """A cell's seeding blocks, each as (parameters, SeedSequence) of a cell of its own.

    One block (the sweep declares no ``block``, or the cell has at most ``block`` trials): the cell itself.
    Otherwise block b holds trials [bB, min((b + 1)B, trials)) and draws from child b of ``ss``, built from
    its spawn key (``ss.spawn(k)[b]`` for any k > b, without spawn's state): a block is a cell of one block.
    """
    p = dict(params)
    trials, size = int(p["trials"]), sw.block
    if not size or trials <= size:
        return [(p, ss)]
    return [
        (
            {**p, "trials": min(size, trials - start)},
            np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, b), pool_size=ss.pool_size),
        )
        for b, start in enumerate(range(0, trials, size))
    ]


def join_blocks(sw: SweepKind, params: Mapping, recs: Sequence[Mapping]) -> dict:
    """The cell's record from its blocks' records (in block order): each field end to end, then validated."""
    p = dict(params)
    rec = dict(recs[0]) if len(recs) == 1 else {k: np.concatenate([r[k] for r in recs]) for k in recs[0]}
    why = validate_record(sw, p, rec)
    if why is not None:
        raise RuntimeError(f"sweep {sw.name}: cell function returned an invalid record: {why}")
    return rec


def compute_cell(sweep_name: str, params: Mapping, ss: np.random.SeedSequence) -> dict:
    """One cell with its own Generator (block by block), normalised and validated (what the engine ships to
    workers; a seeding block of :func:`cell_blocks` is computed by it as a cell of its own)."""
    sw = get_sweep(sweep_name)
    blocks = cell_blocks(sw, params, ss)
    if len(blocks) > 1:
        return join_blocks(sw, params, [compute_cell(sweep_name, q, s) for q, s in blocks])
    p = dict(params)
    return join_blocks(sw, p, [normalise_record(sw, p, sw.cell(dict(p), np.random.Generator(np.random.PCG64(ss))))])


@dataclass(frozen=True)
class SweepOutput:
    """A finished sweep: grid, cells and their records (in cell order). Input of tables and figures."""

    sweep: SweepKind
    grid: Grid
    cells: tuple[Cell, ...]
    records: tuple[dict, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One flat row per cell: the index, the axis values, then the sweep's row() (or its scalar fields)."""
        out = []
        for c, r in zip(self.cells, self.records):
            head = {"cell": c.index, **{a: c.params[a] for a in self.grid.axes}}
            if self.sweep.row is not None:
                body = self.sweep.row(dict(c.params), r)
            else:
                body = {k: v.item() for k, v in r.items() if np.ndim(v) == 0}
            out.append({**head, **body})
        return out

    def tables(self) -> dict[str, tuple[str, list[dict]]]:
        """CSV tables beyond cells.csv: stem -> (one-line description, rows)."""
        return dict(self.sweep.tables(self)) if self.sweep.tables else {}

    def summary(self) -> list[str]:
        return list(self.sweep.summarise(self)) if self.sweep.summarise else []

    def to_frame(self):
        """:meth:`rows` as a pandas DataFrame (pandas comes with the ``[sweep]`` extra)."""
        try:
            import pandas as pd
        except ImportError:
            raise ParamError("to_frame: needs pandas (pip install 'byzmw-studio[sweep]')") from None
        return pd.DataFrame(self.rows())


def run_serial(sweep_kind: SweepKind | str, grid: Grid | None = None, **sets) -> SweepOutput:
    """Every cell in this process, no checkpoints (tests, small figure sweeps). Same numbers as the engine."""
    sw = get_sweep(sweep_kind) if isinstance(sweep_kind, str) else sweep_kind
    grid = grid or make_grid(sw, sets)
    cells = grid.cells()
    recs = [compute_cell(sw.name, c.params, ss) for c, ss in zip(cells, grid.seeds())]
    return SweepOutput(sw, grid, tuple(cells), tuple(recs))
