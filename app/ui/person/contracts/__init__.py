"""Contrats tab: the list, the editor, the signature pad and paper signature."""

TAB_KEY = "contrats"
