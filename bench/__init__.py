"""Benchmarks: each prints prepbot's figure beside a baseline measured in the same run."""
