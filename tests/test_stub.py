"""The typed stub of the compiled core, python/lralg/_core.pyi, must list what the core exports.

The stub is generated (see the README's Development section); this test fails when a binding is
added, renamed or removed without regenerating it.
"""

import ast
import pathlib

import lralg
from lralg import _core

STUB = pathlib.Path(lralg.__file__).with_name("_core.pyi")


def _stub_names() -> set[str]:
    tree = ast.parse(STUB.read_text())
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _core_names() -> set[str]:
    return {
        name
        for name, obj in vars(_core).items()
        if not name.startswith("__") and (callable(obj) or isinstance(obj, type))
    }


def test_stub_is_shipped_beside_the_module():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_stub_matches_the_compiled_core():
    stub, core = _stub_names(), _core_names()
    assert not core - stub, f"in _core but not in the stub: {sorted(core - stub)}"
    assert not stub - core, f"in the stub but not in _core: {sorted(stub - core)}"
