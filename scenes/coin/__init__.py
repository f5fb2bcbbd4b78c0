"""The global-coin MWU of Aggarwal, Castellanos Joo and Gupta (2017) against greedy adversaries.

The scenes replay ``coin_run`` traces.
"""
