"""The organism's data files (environments, trace templates, specs): read, hashed, validated.

Each file ships in `organism/data/`; its exact text is hashed into every manifest
and training card that used it, so a card names the data it was trained on.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from importlib import resources
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class DataFile(Generic[M]):
    """One YAML data file of the package and the pydantic model that validates it."""

    def __init__(self, name: str, model: type[M]) -> None:
        self.name = name
        self.model = model

    @cached_property
    def _text(self) -> str:
        files = resources.files(__package__)
        return files.joinpath("data", self.name).read_text(encoding="utf-8")

    @cached_property
    def _loaded(self) -> M:
        return self.model.model_validate(yaml.safe_load(self._text))

    def text(self) -> str:
        """The file's exact text."""
        return self._text

    def sha256(self) -> str:
        """sha256 of the file's text, stored in manifests and training cards."""
        return hashlib.sha256(self._text.encode("utf-8")).hexdigest()

    def load(self) -> M:
        """The file, validated (parsed once)."""
        return self._loaded
