"""Seed 004: the global-coin MWU against greedy adversaries (scenes replay ``coin_run`` traces)."""
