"""Fixtures shared by every test. Servers bind port 0 and report the port they got."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/ at the repository root (git-ignored), for screenshots and logs."""
    path = request.config.rootpath / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
