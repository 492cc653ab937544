"""Administration of users, teams and devices."""
