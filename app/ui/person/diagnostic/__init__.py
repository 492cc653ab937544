"""Diagnostic tab and its generated form."""

TAB_KEY = "diagnostic"
