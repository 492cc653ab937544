"""Carnet de bord: the tree of themes → objectives → actions → prescriptions (read) and its edits (write)."""
