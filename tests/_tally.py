"""Counting the hostile suite's inputs (not a test module).

``with tally("signals"):`` around the checks of one generated input records whether it ended cleanly (the block
ran without an exception). With ``$BYZMW_HOSTILE_TALLY`` set to a file, each input appends one JSON line
``{"class": ..., "clean": ...}`` there (safe under pytest-xdist: one short append per line);
``python tests/_tally.py FILE`` prints the totals per class.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import Counter


@contextlib.contextmanager
def tally(cls: str):
    clean = False
    try:
        yield
        clean = True
    finally:
        path = os.environ.get("BYZMW_HOSTILE_TALLY")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps({"class": cls, "clean": clean}) + "\n")


def totals(path: str) -> dict[str, tuple[int, int]]:
    tried, clean = Counter(), Counter()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            tried[r["class"]] += 1
            clean[r["class"]] += bool(r["clean"])
    return {c: (tried[c], clean[c]) for c in sorted(tried)}


if __name__ == "__main__":
    t = totals(sys.argv[1])
    for c, (n, ok) in t.items():
        print(f"{c:28s} {n:6d} tried {ok:6d} clean")
    print(f"{'all':28s} {sum(n for n, _ in t.values()):6d} tried {sum(ok for _, ok in t.values()):6d} clean")
