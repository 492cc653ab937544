"""The person page and its tabs, each tab beside its dialogs and models."""
