"""Benchmarks: ``python -m bench.<capability>``; each prints a markdown table and writes JSON."""
