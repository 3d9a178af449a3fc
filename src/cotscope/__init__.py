"""cotscope: how models reason about the things that score them, across checkpoints."""

from ._version import __version__

__all__ = ["__version__"]
