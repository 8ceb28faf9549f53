"""docs/models.md is the model reference: every model is in it, and it is up to date."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import aioserve.models

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "models.md"
SCRIPT = ROOT / "scripts" / "gen_model_docs.py"
HOW = f"run `.venv/bin/python {SCRIPT.relative_to(ROOT)}` to regenerate {DOC.relative_to(ROOT)}"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_model_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", aioserve.models.__all__)
def test_every_model_has_a_section_with_every_property(name: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### {name}\n(.*?)(?=^##)", text, re.S | re.M)
    assert match, f"{name} is missing from {DOC.relative_to(ROOT)}: {HOW}"
    section = match.group(1)
    own = generator().own_properties(getattr(aioserve.models, name))
    for prop in own:
        assert f"| `{prop}` |" in section, f"{name}.{prop} is not documented: {HOW}"
    assert f"[{name}](#{name.lower()})" in text  # in the contents


def test_the_reference_matches_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == generator().render(), f"stale: {HOW}"


def test_the_script_check_mode_passes() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
