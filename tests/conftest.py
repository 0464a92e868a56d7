import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture
def repo_root(): return ROOT
