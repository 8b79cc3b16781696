"""Fixtures for training tests (the public data sets: ``data_dir`` in tests/conftest.py)."""
