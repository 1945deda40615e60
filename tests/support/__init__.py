"""Helpers shared by test modules: plain functions and fixtures (the fixtures are registered in
tests/conftest.py). Nothing here is collected as a test."""
