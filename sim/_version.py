"""The version of the package (a trace records it: a change of version regenerates cached traces)."""

__version__ = "0.1.0"
