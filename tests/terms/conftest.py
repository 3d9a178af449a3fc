from __future__ import annotations

from pathlib import Path

import pytest
from _terms_data import PLANT, PLANT_FROM, STEPS, build_store, planted_checkpoints

__all__ = ["PLANT", "PLANT_FROM", "STEPS", "planted_checkpoints", "planted_run"]


@pytest.fixture(scope="session")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("planted"), planted_checkpoints())
