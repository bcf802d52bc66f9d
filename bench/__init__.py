"""Benchmarks, data generators and their results (not part of the installed package)."""
