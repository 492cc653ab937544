"""Synchronisation page."""
