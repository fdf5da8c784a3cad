"""Operating-system helpers below every other layer: the C library and the lifetime of
child processes (they die with trustsim; SIGTERM is handled like Ctrl-C)."""
