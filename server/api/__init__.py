"""The HTTP API (FastAPI) of the department server."""
