"""The global-coin MWU against greedy adversaries (Aggarwal, Castellanos Joo, Gupta 2017): Figs. 1-3 with
confidence intervals.
"""
