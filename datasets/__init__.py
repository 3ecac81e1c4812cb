"""Generators of benchmark series and loaders of real series (installed as ``reservoir.datasets``)."""
