"""The indicators of a period, written once as SQL and run on the vault and on the server."""
