"""Federated robust aggregation: configuration, aggregators, attacks, client scoring (the original module's, and more).

Built on :mod:`sim.stats.robust` (the one home of the robust statistics);
pure NumPy, every random draw from a numpy Generator, NaN/±inf treated as
an attack.
"""
