"""The one timing and reporting mechanism shared by every benchmark.

A benchmark times lralg and its anchors on the same data in one process,
repeats each run, and reports medians and ratios as a markdown table; the
rows are also written as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def warm_memory(nbytes: int) -> None:
    """Write and free nbytes of fresh memory, so that a call made right after
    finds its pages mapped by the host.

    On a virtual machine whose freed memory goes back to the host after a few
    seconds (free page reporting), the first write to memory costs seconds
    per GB (measured here: 15-20 s for a fresh 4.8 GiB array, 0.7 s for the
    same array again right after), and that cost falls on whichever call of
    a process touches the memory first. Warming before each timed call gives
    every side the machine a long-running process would see."""
    if nbytes > 0:
        buf = np.ones(int(nbytes) // 8)
        del buf


def time_call(fn, *, repeat: int = 5, warmup: int = 1, warm_bytes: int = 0):
    """Median and all wall times (seconds) of fn(), plus fn's last result;
    warm_bytes: memory warmed (see warm_memory) before each timed run."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        warm_memory(warm_bytes)
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def time_call_cpu(fn, *, repeat: int = 5, warmup: int = 1):
    """Medians of the wall and the CPU times (seconds, time.process_time: every thread of the
    process counted) of fn(), plus fn's last result. On a loaded machine the CPU time of a
    single-threaded run is the fairer measure: waiting for a core is not counted."""
    result = None
    for _ in range(warmup):
        result = fn()
    wall, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def peak_python_memory(fn):
    """Peak bytes allocated through Python's allocators (numpy arrays included) during fn()."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"/proc/self/status has no {field}")


def reset_peak_rss() -> float:
    """The process's resident memory now (bytes), after resetting its peak
    (VmHWM) to it: Linux only (/proc/self/clear_refs)."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back, so RSS is the live data
    except OSError:
        pass
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_kib("VmRSS") * 1024.0


def peak_rss() -> float:
    """The process's peak resident memory (bytes) since the last reset_peak_rss()."""
    return _status_kib("VmHWM") * 1024.0


def peak_rss_increase(fn):
    """Peak resident memory (bytes) above the level before fn(), and fn's result;
    NaN where /proc cannot reset the peak."""
    try:
        before = reset_peak_rss()
    except OSError:
        return float("nan"), fn()
    result = fn()
    return peak_rss() - before, result


def markdown_table(rows: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])

    def fmt(v):
        if isinstance(v, float):
            if 0.99 < v < 1.01 and v != 1.0:  # ratios near 1: keep the digits that differ
                return f"{v:.6f}"
            return f"{v:.4g}"
        return str(v).replace("|", "\\|")  # a bar inside a cell (|Omega|) would split it

    lines = ["| " + " | ".join(map(fmt, columns)) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(fmt(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def machine() -> dict:
    import lralg

    return {
        "date": _dt.date.today().isoformat(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "lralg_threads": lralg.get_num_threads(),
    }


def report(name: str, rows: list[dict], columns: list[str] | None = None, note: str = "") -> str:
    """Print the table and write bench/results/<name>.json; returns the table."""
    table = markdown_table(rows, columns)
    info = machine()
    print(f"\n### {name} ({info['date']}, {info['cpu_count']} cores)\n")
    if note:
        print(note + "\n")
    print(table)
    RESULTS_DIR.mkdir(exist_ok=True)
    with open(RESULTS_DIR / f"{name}.json", "w") as fh:
        json.dump(
            {"machine": info, "rows": rows, "columns": columns, "note": note}, fh, indent=1, default=str
        )
    return table


def merged_rows(name: str, rows: list[dict], key: tuple[str, ...]) -> list[dict]:
    """The rows of bench/results/<name>.json with `rows` put in place of those that share their
    `key` columns (new keys appended): a partial rerun merged into its table."""
    path = RESULTS_DIR / f"{name}.json"
    old = json.loads(path.read_text())["rows"] if path.exists() else []
    new = {tuple(r.get(k) for k in key): r for r in rows}
    out = [new.pop(tuple(r.get(k) for k in key), r) for r in old]
    return out + list(new.values())


def parser(description: str) -> argparse.ArgumentParser:
    """Common flags: --repeat and --quick (smaller sizes, for a smoke run)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeat", type=int, default=5, help="timed runs per case (median reported)")
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument(
        "--conditions", default="", help="what else ran on the machine, appended to the tables' notes"
    )
    return p
