"""``python -m sim``: Ctrl-C handling first (sim.core.interrupts), then the CLI (sim.core.cli)."""

import sys

from .core.interrupts import entry

sys.exit(entry("sim.core.cli"))
