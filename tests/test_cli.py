import subprocess
import sys

import pytest


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "lralg", *args], capture_output=True, text=True, timeout=600)


def test_info_prints_configuration():
    out = run_cli("info")
    assert out.returncode == 0, out.stderr
    assert "eigen" in out.stdout and "openmp" in out.stdout


def test_demo_prints_a_row_per_capability():
    from lralg._cli.demo import DEMOS

    out = run_cli("demo")
    assert out.returncode == 0, out.stderr
    for name in DEMOS:
        assert f"| {name}" in out.stdout


def _commands():
    from lralg._cli import COMMANDS

    return [c.name for c in COMMANDS]


@pytest.mark.parametrize("args", [["--help"]] + [[c, "--help"] for c in _commands()])
def test_help_works_everywhere(args):
    out = run_cli(*args)
    assert out.returncode == 0
    assert "usage" in out.stdout


def test_unknown_command_fails_cleanly():
    out = run_cli("no-such-command")
    assert out.returncode == 2
    assert "invalid choice" in out.stderr
