"""The global-coin MWU against greedy adversaries (Aggarwal, Castellanos Joo and Gupta, 2017).

One module per algorithm:

- :mod:`.coin_mwu`      -- the algorithm of Sec. 1.1 (vectorised over runs) and its parameters;
- :mod:`.knapsack`      -- the adversary's 0-1 programme of Eqs. (4)-(5): one problem, one predicate;
- :mod:`.exact_solver`  -- exact bounded knapsack over weight classes (meet in the middle);
- :mod:`.approx_solver` -- certified (1 - eps) approximation (LP-bound certificates, local search, windowed DP);
- :mod:`.greedy_solver` -- the greedy heuristic (largest class first), no guarantee;
- :mod:`.brute_force`   -- all 2^tau subsets (tau <= 16): the reference;
- :mod:`.nonadaptive`   -- the Sec. 2 adversary (solver dispatch, its bound);
- :mod:`.adaptive`      -- the Sec. 3 adversary (Eq. 8: current set, volatile flips, fewest captures);
- :mod:`.dual`          -- Sec. 4: pluggable objective and termination formula F, wired to the robust-mean MW;
- :mod:`.kinds`, :mod:`.sweeps` -- trace kinds and the sweeps of Figs. 1-3.
"""
