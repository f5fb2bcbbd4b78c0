"""Work units: what one task of a backend computes, and the cells put back together from them.

A unit is a whole cell, or, when the run has more than one worker, one seeding block of a cell whose sweep
declares ``block`` (:func:`sim.core.sweeps.cell_blocks`): a block is computed as a cell of its own, so the
backends run every unit the same way, and the blocks joined in order are bit for bit the serial cell.
Units go costliest first (the sweep's ``work`` estimate, shared out over a cell's blocks), so that a long
cell's blocks start at once instead of leaving the other workers idle at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.sweeps import Cell, SweepKind, cell_blocks, join_blocks


@dataclass(frozen=True)
class Unit:
    """Block ``block`` of ``blocks`` of cell ``cell`` (0 of 1: the whole cell), with what it computes."""

    cell: int
    block: int
    blocks: int
    params: Mapping
    seed: np.random.SeedSequence
    cost: float


def plan(sw: SweepKind, cells: Sequence[Cell], seeds: Sequence[np.random.SeedSequence], *, split: bool) -> list[Unit]:
    """The units of ``cells`` (with their seeds): blocks where ``split``, whole cells otherwise; costliest
    first, ties in cell and block order. Serial runs (``split=False``) keep the cells' order."""
    units = []
    for c, ss in zip(cells, seeds):
        cost = float(sw.work(dict(c.params)))
        parts = cell_blocks(sw, c.params, ss) if split else [(dict(c.params), ss)]
        for b, (p, s) in enumerate(parts):
            units.append(Unit(c.index, b, len(parts), p, s, cost * p["trials"] / c.params["trials"]))
    if split:
        units.sort(key=lambda u: -u.cost)  # stable: ties keep the cell and block order
    return units


class Assembly:
    """Collects the units' records; :meth:`add` returns a cell's record once its last block is in."""

    def __init__(self, sw: SweepKind, cells: Sequence[Cell]):
        self.sw = sw
        self.params = {c.index: c.params for c in cells}
        self.parts: dict[int, dict[int, dict]] = {}

    def add(self, unit: Unit, rec: dict) -> dict | None:
        if unit.blocks == 1:
            return rec  # the cell itself, validated by compute_cell
        got = self.parts.setdefault(unit.cell, {})
        got[unit.block] = rec
        if len(got) < unit.blocks:
            return None
        del self.parts[unit.cell]
        return join_blocks(self.sw, self.params[unit.cell], [got[b] for b in range(unit.blocks)])
