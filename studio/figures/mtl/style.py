"""One colour and label per method and per task, from the paper palette."""

from __future__ import annotations

from sim.mtl.rules import METHODS

METHOD_ROLE = {"noncoop": "muted", "average": "volatile", "distance": "estimate", "loss": "honest"}
METHOD_NAME = {"noncoop": "non-cooperative", "average": "average", "distance": "distance-based",
               "loss": "loss-based"}
TASK_ROLES = ("task_1", "task_2", "task_3", "task_4")


def method_colors(palette) -> dict:
    return {m: getattr(palette, METHOD_ROLE[m]) for m in METHODS}
