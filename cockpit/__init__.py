"""cockpit: a terminal cockpit for supervising coding agents."""

__version__ = "0.1.0"
