"""Statistics: intervals, aggregates, trend tests, paired comparisons, power."""

from ._intervals import wilson_interval

__all__ = ["wilson_interval"]
