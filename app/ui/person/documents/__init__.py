"""Documents tab: notes and documents."""

TAB_KEY = "documents"
