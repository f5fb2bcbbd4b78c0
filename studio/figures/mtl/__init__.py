"""Figures of target localization (Li, Abbas, Koutsoukos 2020)."""
