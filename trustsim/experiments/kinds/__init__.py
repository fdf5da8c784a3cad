"""The experiment kinds."""
