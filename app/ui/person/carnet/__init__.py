"""Carnet de bord tab."""

TAB_KEY = "carnet"
