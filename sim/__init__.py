"""Pure-NumPy simulation core of Byzantine MW Studio.

Every simulation is a *trace kind* registered with :func:`sim.core.kinds.trace_kind`
and produces a :class:`sim.core.trace.Trace`. This package never imports manim or
matplotlib.
"""

__version__ = "0.1.0"
