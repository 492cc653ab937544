"""Documents tab: notes and documents."""
