"""Imports page."""

PAGE_KEY = "imports"
