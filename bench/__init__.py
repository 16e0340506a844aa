"""Benchmarks: scripts that measure our paths against a bare baseline in the same run.

They print ratios and are not timed tests; see docs/performance.md.
"""
