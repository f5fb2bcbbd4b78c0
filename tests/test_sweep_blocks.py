"""Seeding blocks (sim/core/sweeps.py: cell_blocks, join_blocks; studio/sweep/units.py): a cell split into its
blocks over workers, in any order and any grouping, gives the serial numbers bit for bit -- for coin_survival and
coin_adaptive (the general loop of run_coin) -- and an interrupted split sweep resumes to the same numbers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sim.core import interrupts
from sim.core.sweeps import Field, cell_blocks, compute_cell, get_sweep, join_blocks, make_grid, run_serial, sweep
from studio.sweep import run
from studio.sweep.units import Assembly, plan

CASES = {  # sweep -> a small grid whose cells hold several blocks (block = 50 runs), the last one shorter
    "coin_survival": {"n": (20, 40), "solver": ("greedy", "approx"), "trials": 130},
    "coin_adaptive": {"n": (6, 8), "volatile": (0, 1), "trials": 120, "max_rounds": 20},
}


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert a[k].tobytes() == b[k].tobytes(), k  # bit for bit, NaN payloads included


def _data(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


@pytest.mark.parametrize("name", sorted(CASES))
def test_split_cells_give_the_serial_numbers_bit_for_bit(name, tmp_path, cluster):
    sw = get_sweep(name)
    g = make_grid(sw, dict(CASES[name]), seed=11)
    ref = run_serial(sw, g)  # the cell function in a loop, block after block
    assert all(len(cell_blocks(sw, c.params, ss)) == 3 for c, ss in zip(g.cells(), g.seeds()))
    serial = run(sw, g, "s", root=tmp_path, workers=1, progress=False)
    split = run(sw, g, "p", root=tmp_path, workers=2, progress=False)
    dask = run(sw, g, "d", root=tmp_path, scheduler=cluster.scheduler_address, progress=False)
    for a, *others in zip(ref.records, serial.records, split.records, dask.records):
        assert len(a["rounds"]) == g.trials
        for b in others:
            _same(a, b)
    for stem in ("cells.csv", *(f"{t}.csv" for t in ref.tables())):
        assert _data(tmp_path / "s" / stem) == _data(tmp_path / "p" / stem) == _data(tmp_path / "d" / stem)
    # any grouping: the blocks computed one by one in a shuffled order, then joined in block order
    order = random.Random(0)
    for c, ss, want in zip(g.cells(), g.seeds(), ref.records):
        blocks = list(enumerate(cell_blocks(sw, c.params, ss)))
        order.shuffle(blocks)
        got = dict(sorted((b, compute_cell(name, p, s)) for b, (p, s) in blocks))
        _same(want, join_blocks(sw, c.params, [got[b] for b in sorted(got)]))
    # a block does not depend on the blocks after it: the first 100 runs of 130 are those of a 101-run cell
    fewer = run_serial(sw, make_grid(sw, {**CASES[name], "trials": 101}, seed=11))
    for a, b in zip(ref.records, fewer.records):
        _same({k: v[:100] for k, v in a.items()}, {k: v[:100] for k, v in b.items()})


def test_block_seeds_are_the_cells_spawned_children_and_one_block_is_the_cell():
    sw = get_sweep("coin_survival")
    g = make_grid(sw, {"n": (20,), "solver": ("greedy",), "trials": 101}, seed=3)
    (c,), (ss,) = g.cells(), g.seeds()
    blocks = cell_blocks(sw, c.params, ss)
    assert [p["trials"] for p, _ in blocks] == [50, 50, 1]
    kids = np.random.SeedSequence(3).spawn(1)[0].spawn(3)  # what spawning from the cell's fresh seed gives
    assert [s.spawn_key for _, s in blocks] == [k.spawn_key for k in kids]
    assert [s.generate_state(4).tolist() for _, s in blocks] == [k.generate_state(4).tolist() for k in kids]
    small = make_grid(sw, {"n": (20,), "solver": ("greedy",), "trials": 50}, seed=3)
    own = small.seeds()[0]
    ((p, s),) = cell_blocks(sw, small.cells()[0].params, own)
    assert s is own and p["trials"] == 50
    # a sweep without block: every cell is one block, whatever its trials
    knowlson = get_sweep("knowlson_verification")
    kg = make_grid(knowlson, {"eta": (0.05,), "tau": (0.05,)}, trials=500)
    assert len(cell_blocks(knowlson, kg.cells()[0].params, kg.seeds()[0])) == 1


def test_units_go_costliest_first_and_serial_keeps_the_cells():
    sw = get_sweep("coin_survival")
    g = make_grid(sw, {"n": (20, 400), "solver": ("greedy", "auto"), "trials": 120}, seed=0)
    cells, seeds = g.cells(), g.seeds()
    units = plan(sw, cells, seeds, split=True)
    assert len(units) == 4 * 3
    costs = [u.cost for u in units]
    assert costs == sorted(costs, reverse=True)
    assert units[0].cell == next(c.index for c in cells if c["n"] == 400 and c["solver"] == "auto")
    assert sum(u.cost for u in units) == pytest.approx(sum(sw.work(dict(c.params)) for c in cells))
    whole = plan(sw, cells, seeds, split=False)
    assert [(u.cell, u.block, u.blocks) for u in whole] == [(c.index, 0, 1) for c in cells]
    # the assembly hands a cell over once, when its last block is in, whatever the order
    small = make_grid(sw, {"n": (20,), "solver": ("greedy",), "trials": 120}, seed=0)
    units = plan(sw, small.cells(), small.seeds(), split=True)
    asm = Assembly(sw, small.cells())
    recs = {u.block: compute_cell(sw.name, u.params, u.seed) for u in units}
    assert asm.add(units[2], recs[2]) is None and asm.add(units[0], recs[0]) is None
    _same(asm.add(units[1], recs[1]), run_serial(sw, small).records[0])


def test_an_interrupted_split_sweep_resumes_to_the_serial_numbers(tmp_path):
    sw = get_sweep("coin_survival")
    g = make_grid(sw, dict(CASES["coin_survival"]), seed=11)
    ref = run_serial(sw, g)
    seen = []

    def stop_after_one(index, rec):
        seen.append(index)
        raise KeyboardInterrupt  # Ctrl-C as the first whole cell is handed over

    with pytest.raises(interrupts.Interrupted):
        run(sw, g, "r", root=tmp_path, workers=2, progress=False, on_cell=stop_after_one)
    assert len(seen) == 1 and len(list((tmp_path / "r" / "cells").glob("cell_*.npz"))) == 1
    res = run(sw, g, "r", root=tmp_path, workers=2, progress=False)
    assert res.reused == 1 and res.computed == g.n_cells - 1
    for a, b in zip(ref.records, res.records):
        _same(a, b)


def test_block_needs_per_trial_fields():
    with pytest.raises(ValueError, match="block"):
        sweep(
            "blocks_scalar_field",
            version=1,
            summary="x",
            axes=(),
            record={"k": Field("int64", ())},
            work=lambda p: 1,
            block=10,
        )(lambda p, rng: {"k": np.int64(0)})
    with pytest.raises(ValueError, match="block"):
        sweep("blocks_negative", version=1, summary="x", axes=(), record={}, work=lambda p: 1, block=-1)(
            lambda p, rng: {}
        )
