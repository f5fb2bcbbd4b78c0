"""``python -m studio`` and the ``byzmw`` console script: Ctrl-C handling first, then the CLI (studio.cli).

Nothing heavy is imported before :func:`sim.core.interrupts.entry` has installed the SIGINT and SIGTERM
handlers, so a Ctrl-C while NumPy or Manim load is one line and exit code 130 too.
"""

from __future__ import annotations

import sys

from sim.core.interrupts import entry

__all__ = ["main"]


def main(argv=None) -> int:
    """``byzmw ARGS`` (``argv``: the arguments, default ``sys.argv[1:]``); returns the exit code."""
    return entry("studio.cli", argv)


if __name__ == "__main__":
    sys.exit(main())
