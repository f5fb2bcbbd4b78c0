"""Wisdom of the crowd under attack (the prototype's wisdom_of_crowd.py) as trace kind ``wisdom_crowd``.

A jar holds ``true_count`` beans. Honest guessers report true_count plus
sub-Gaussian noise (sigma = rel_sd * true_count, rounded, at least 0);
Byzantine guessers report the extremes, 0 or ``high_factor`` * true_count
in turn. Guesses arrive in a random order; after each arrival the mean, the
median and the median of means (``buckets`` random buckets, Sec. III-C.2) of
the guesses so far are recorded.
"""

from __future__ import annotations
