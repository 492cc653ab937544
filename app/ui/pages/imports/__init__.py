"""Imports page."""
