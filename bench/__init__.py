"""Benchmarks, run on demand with `make bench`: ratios against a baseline timed in the same run."""
