"""Indicateurs page."""

PAGE_KEY = "indicateurs"
