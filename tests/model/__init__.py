"""Behaviour tests of sim.model (a package so its conftest does not shadow tests/conftest.py)."""
