"""The benchmark: `make bench` (see README)."""
