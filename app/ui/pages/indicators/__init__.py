"""Indicateurs page."""
