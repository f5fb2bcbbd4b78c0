"""Federated robust aggregation (seed 003): configuration, aggregators, attacks, client scoring.

Built on :mod:`sim.stats.robust` (the one home of the robust statistics);
pure NumPy, every random draw from a numpy Generator, NaN/±inf treated as
an attack.
"""
