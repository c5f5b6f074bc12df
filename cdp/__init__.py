"""Tooling for composable_cdp: the raw-data generator, warehouse summary and benchmark."""

__version__ = "0.1.0"
