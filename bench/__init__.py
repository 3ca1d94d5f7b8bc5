"""Benchmarks: scripts that measure, never tests that pass or fail on timing."""
