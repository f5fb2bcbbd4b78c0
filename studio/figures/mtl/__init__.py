"""Figures of target localization (Li, Abbas, Koutsoukos 2020, seed 002)."""
