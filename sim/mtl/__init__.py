"""Byzantine-resilient distributed multi-task learning: target localization (Li, Abbas, Koutsoukos 2020).

Li, Abbas, Koutsoukos, NeurIPS 2020, first case study (reference:
``li2020-target-localization.md``). A network of agents, each localizing one of
four targets from noisy range/direction measurements, runs adapt-then-combine
diffusion with four combination rules (non-cooperative, average,
distance-based, and the resilient loss-based rule) while F Byzantine agents
broadcast a constant.

Modules: :mod:`.network` (positions, tasks, neighbour tables, attackers),
:mod:`.measurements` (noise and the per-iteration samples), :mod:`.rules`
(the four combination rules), :mod:`.diffusion` (the iteration loop over all
four methods), :mod:`.paper_compat` (the authors' seeding, draw order and two
code deviations), :mod:`.kinds` (trace kinds) and :mod:`.sweeps`.
"""
