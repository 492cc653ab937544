"""Carnet de bord tab."""
