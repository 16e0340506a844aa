"""Training: run configuration, data preparation, the loop, metrics and probes."""
