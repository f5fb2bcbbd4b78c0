"""One colour and label per method and per task: the theme's methods and tasks families (paper)."""

from __future__ import annotations

from kit.theme import theme
from sim.mtl.rules import METHODS

METHOD_NAME = {"noncoop": "non-cooperative", "average": "average", "distance": "distance-based",
               "loss": "loss-based"}
TASK_ROLES = ("task_1", "task_2", "task_3", "task_4")


def method_colors(palette=None) -> dict:
    fam = theme().family("methods", "paper")
    return {m: fam[m] for m in METHODS}


def task_colors() -> tuple:
    fam = theme().family("tasks", "paper")
    return tuple(fam[t] for t in TASK_ROLES)
