"""Serving stored models to other programs: the Open Inference Protocol (KServe v2)."""
