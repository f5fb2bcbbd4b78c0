"""Seed 004 (the global-coin MWU against greedy adversaries): Figs. 1-3 with confidence intervals."""
