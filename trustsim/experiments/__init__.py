"""Experiments: runs, their identity and store, executors, and the experiment kinds."""
