"""Benchmarks: scripts that print comparison tables (see docs/benchmarks.md)."""
