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


# User errors: one line naming the file (and line), exit code 2, no traceback.
@pytest.mark.parametrize(
    "command, content, expected",
    [
        ("complete", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00", "not a UTF-8 text file"),
        ("complete", "u,i,r\n1,2,3\n".encode("utf-16"), "not a UTF-8 text file"),
        ("complete", b"1,2,3.0\n2,1,nan\n", "line 2: rating 'nan' is not a finite number"),
        ("complete", b"1,2,3.0\n2,1,abc\n3,1,1\n", "line 2: rating 'abc' is not a number"),
        ("complete", b"1,2,3.0\n2,1\n", "line 2: expected three columns"),
        ("fastrp", b"\x00\x01\x02\xff\xfe", "not a UTF-8 text file"),
        ("fastrp", b"0 1 1\n1 2 nan\n", "NaN or Inf"),
        ("fastrp", b"0 1\n1 2 3\n", "row 2"),
        ("fastrp", b"0 1 1e39\n1 2 1\n", "overflow"),
    ],
)
def test_user_errors_are_one_line(tmp_path, command, content, expected):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    out = run_cli(command, str(path), "--out", str(tmp_path / "out"))
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert str(path) in out.stderr and expected in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_a_non_zip_npz_is_a_user_error(tmp_path):
    path = tmp_path / "graph.npz"
    path.write_bytes(b"0 1\n1 2\n")
    out = run_cli("fastrp", str(path), "--out", str(tmp_path / "emb.npy"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "not a scipy.sparse .npz file" in out.stderr and str(path) in out.stderr


def test_out_names_the_file_written(tmp_path):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("1,1,5\n1,2,3\n2,1,4\n2,2,1\n3,1,2\n")
    out = run_cli("complete", str(ratings), "--rank", "1", "--out", str(tmp_path / "factors"))
    assert out.returncode == 0, out.stderr
    written = tmp_path / "factors.npz"
    assert written.exists() and f"factors written to {written}" in out.stdout
    out = run_cli("complete", str(ratings), "--rank", "1", "--out", str(tmp_path))
    assert out.returncode == 2 and "is a directory" in out.stderr
