"""The examples in the models' and documents' docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import aioserve.document
import aioserve.models
from aioserve.document.model import Model


def modules(package: ModuleType) -> list[str]:
    return [package.__name__] + [f"{package.__name__}.{m.name}"
                                 for m in pkgutil.iter_modules(package.__path__)]


MODULES = modules(aioserve.models) + modules(aioserve.document)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("name", aioserve.models.__all__)
def test_every_model_has_a_docstring_with_an_example(name: str) -> None:
    cls: type[Model] = getattr(aioserve.models, name)
    assert cls.__doc__ and ">>> " in cls.__doc__, f"{name} needs a tiny example"
    assert doctest.DocTestFinder().find(cls, name, globs={})[0].examples
