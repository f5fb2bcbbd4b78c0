"""``python -m studio.sweep``: an alias of ``byzmw sweep`` (Ctrl-C handling first, then the CLI)."""

import sys

from sim.core.interrupts import entry

sys.exit(entry("studio.sweep.cli"))
