"""The vault and its plumbing: engine, sessions and outbox, keys, migrations, units of work."""
