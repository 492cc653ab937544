"""Profile settings, what the Paramètres page shows, the letterhead and the seal."""
