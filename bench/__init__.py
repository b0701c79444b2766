"""Benchmarks for alertsvc (`make bench`); never collected by pytest."""
