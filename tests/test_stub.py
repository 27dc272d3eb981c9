"""The typed stubs of the compiled modules (python/lralg/_core.pyi, and _cuda.pyi where the CUDA
module is built) must list what the modules export.

The stub is generated (see the README's Development section); this test fails when a binding is
added, renamed or removed without regenerating it.
"""

import ast
import importlib
import pathlib

import pytest

import lralg

STUB = pathlib.Path(lralg.__file__).with_name("_core.pyi")


def _stub_names(stub: pathlib.Path) -> set[str]:
    tree = ast.parse(stub.read_text())
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _module_names(module) -> set[str]:
    return {
        name
        for name, obj in vars(module).items()
        if not name.startswith("__") and (callable(obj) or isinstance(obj, type))
    }


def test_stub_is_shipped_beside_the_module():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


@pytest.mark.parametrize("name", ["_core", "_cuda"])
def test_stub_matches_the_compiled_module(name):
    try:
        module = importlib.import_module(f"lralg.{name}")
    except ImportError:
        pytest.skip(f"lralg.{name} is not built")
    stub, compiled = _stub_names(STUB.with_name(f"{name}.pyi")), _module_names(module)
    assert not compiled - stub, f"in {name} but not in the stub: {sorted(compiled - stub)}"
    assert not stub - compiled, f"in the stub but not in {name}: {sorted(stub - compiled)}"
