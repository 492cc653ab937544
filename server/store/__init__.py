"""The server database: engine, tables and migrations."""
