"""The département's monthly orientation list: reading, columns, rows and the import plan (pure)."""
