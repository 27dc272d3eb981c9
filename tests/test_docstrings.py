"""The docstrings are reference: every public name documents itself and its Examples run.

The examples of every module of the installed package are collected with
doctest, one test per docstring. Modules that need an optional dependency
(lralg.nn needs torch, lralg.dask dask and distributed) are skipped where it is missing.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import os
import pathlib
import pkgutil
import pydoc
import re

import pytest

import lralg

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# Not imported: the command-line entry point, and the compiled core (its
# docstrings are pybind11 signatures).
_NOT_COLLECTED = {"lralg.__main__", "lralg._core"}
_NEEDS_TORCH = "lralg.nn"
# The optional packages each subpackage needs; the longest matching prefix applies.
_OPTIONAL_NEEDS = {
    "lralg.nn": ("torch",),
    "lralg.nn.adapters._io": ("torch", "safetensors"),
    "lralg.dask": ("dask", "distributed"),
}
_HAS_TORCH = importlib.util.find_spec("torch") is not None
# A docstring is a page of reference; the rest is on the docs pages.
_MAX_HELP_LINES = 100


def _module_names() -> list[str]:
    """Every module of the package, found on disk without importing them."""
    names = ["lralg"]

    def visit(prefix: str, paths) -> None:
        for info in pkgutil.iter_modules(paths, prefix + "."):
            if info.name in _NOT_COLLECTED:
                continue
            names.append(info.name)
            if info.ispkg:
                last = info.name.rpartition(".")[2]
                visit(info.name, [os.path.join(info.module_finder.path, last)])

    visit("lralg", lralg.__path__)
    return sorted(names)


def _missing_packages(module_name: str) -> list[str]:
    """The optional packages a module needs that are not installed."""
    prefixes = [p for p in _OPTIONAL_NEEDS if module_name == p or module_name.startswith(p + ".")]
    if not prefixes:
        return []
    needs = _OPTIONAL_NEEDS[max(prefixes, key=len)]
    return [name for name in needs if importlib.util.find_spec(name) is None]


def _doctest_cases():
    finder = doctest.DocTestFinder(exclude_empty=True)
    cases, seen = [], set()
    for module_name in _module_names():
        missing = _missing_packages(module_name)
        if missing:
            mark = pytest.mark.skip(reason=f"{module_name} needs {', '.join(missing)}")
            cases.append(pytest.param(None, id=module_name, marks=mark))
            continue
        module = importlib.import_module(module_name)
        for test in finder.find(module, module_name):
            if test.examples and test.name not in seen:
                seen.add(test.name)
                cases.append(pytest.param(test, id=test.name))
    return cases


@pytest.mark.parametrize("test", _doctest_cases())
def test_docstring_examples_run(test):
    output: list[str] = []
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    result = runner.run(test, out=output.append, clear_globs=True)
    assert result.failed == 0, "".join(output)


def _public_modules():
    """lralg, lralg.nn where torch is installed, lralg.dask where dask and distributed are."""
    modules = [lralg]
    if _HAS_TORCH:
        modules.append(importlib.import_module(_NEEDS_TORCH))
    if not _missing_packages("lralg.dask"):
        modules.append(importlib.import_module("lralg.dask"))
    return modules


def _public_objects():
    """Every name of the public modules' __all__ (but the version), and the public methods and properties of its classes."""
    for module in _public_modules():
        for name in module.__all__:
            if name == "__version__":
                continue
            obj = getattr(module, name)
            qualified = f"{module.__name__}.{name}"
            yield qualified, obj, True
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if not attr.startswith("_") and (
                        inspect.isfunction(value) or isinstance(value, property)
                    ):
                        yield f"{qualified}.{attr}", value, False


_PUBLIC = list(_public_objects())


@pytest.mark.parametrize(("name", "obj", "top_level"), _PUBLIC, ids=[p[0] for p in _PUBLIC])
def test_public_names_document_themselves(name, obj, top_level):
    doc = inspect.getdoc(obj)
    assert doc and doc.strip(), f"{name} has no docstring"
    if top_level:
        assert "\nExamples\n--------\n" in doc, f"{name} has no Examples section"
        assert ">>> " in doc.split("\nExamples\n--------\n", 1)[1], f"{name}'s Examples run nothing"


@pytest.mark.parametrize(("name", "obj"), [p[:2] for p in _PUBLIC], ids=[p[0] for p in _PUBLIC])
def test_docstrings_are_short(name, obj):
    lines = len(inspect.getdoc(obj).splitlines())
    assert lines <= _MAX_HELP_LINES, f"{name}'s docstring has {lines} lines"


def test_help_of_recover_is_a_page():
    text = pydoc.render_doc(lralg.recover, renderer=pydoc.plaintext)
    assert text.count("\n") <= _MAX_HELP_LINES


def test_every_module_is_collected():
    names = _module_names()
    assert "lralg.recovery.solver" in names and "lralg.isvd.incremental" in names
    assert "lralg.dask.svd" in names
    assert not any(n in names for n in _NOT_COLLECTED)


def test_api_page_lists_every_public_name():
    page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "api.md"
    if not page.is_file():
        pytest.skip("the docs are not beside the tests")
    listed, module = [], "lralg"
    for line in page.read_text().splitlines():
        if m := re.match(r"\.\. currentmodule:: ([\w.]+)$", line):
            module = m.group(1)
        elif m := re.match(r"\.\. auto(?:function|class|exception):: ([\w.]+)$", line):
            listed.append(f"{module}.{m.group(1)}")
    assert len(listed) == len(set(listed)), "a name is listed twice"
    public = {f"{m.__name__}.{n}" for m in _public_modules() for n in m.__all__ if n != "__version__"}
    documented = {name for name in listed if not _missing_packages(name.rsplit(".", 1)[0])}
    assert documented == public
